//! What became of faasight's own spans: exported, dropped at the full
//! queue, or lost in a failed export. Process-wide, so that the
//! collector's `/metrics` can show them next to its own counters.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A span's fate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted by the endpoint.
    Exported,
    /// The queue was full (the endpoint too slow, or gone).
    Dropped,
    /// The export failed or timed out.
    Failed,
}

impl Outcome {
    /// Every outcome, in reporting order.
    pub const ALL: [Outcome; 3] = [Outcome::Exported, Outcome::Dropped, Outcome::Failed];

    /// The value of the `outcome` attribute and label.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Exported => "exported",
            Outcome::Dropped => "dropped",
            Outcome::Failed => "failed",
        }
    }
}

/// Counts of spans by outcome.
#[derive(Debug, Default)]
pub struct SpanCounters {
    exported: AtomicU64,
    dropped: AtomicU64,
    failed: AtomicU64,
}

impl SpanCounters {
    fn cell(&self, outcome: Outcome) -> &AtomicU64 {
        match outcome {
            Outcome::Exported => &self.exported,
            Outcome::Dropped => &self.dropped,
            Outcome::Failed => &self.failed,
        }
    }

    /// Counts `n` spans with `outcome`.
    pub fn add(&self, outcome: Outcome, n: u64) {
        self.cell(outcome).fetch_add(n, Relaxed);
    }

    /// Spans with `outcome` so far.
    pub fn get(&self, outcome: Outcome) -> u64 {
        self.cell(outcome).load(Relaxed)
    }
}

/// The process's counts.
pub static COUNTERS: SpanCounters = SpanCounters {
    exported: AtomicU64::new(0),
    dropped: AtomicU64::new(0),
    failed: AtomicU64::new(0),
};
