//! How long a platform keeps an idle environment, estimated per function
//! from its own idle periods. The cause rule needs it to tell "idle past
//! the keep-alive" from "recycled early", and platforms do not document it
//! (or it varies), so it is measured rather than assumed; the provider's
//! default applies only when the data cannot tell.

use super::{Invocation, StartType};
use serde::Serialize;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

/// Where a function's keep-alive estimate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeepAliveBasis {
    /// The gap that best splits the function's idle periods into those
    /// that ended warm and those that ended cold.
    Observed,
    /// That gap exceeded [`ColdStartOptions::max_keep_alive_ms`]; the cap
    /// is used.
    Capped,
    /// No gap splits the idle periods better than none (no warm start
    /// after an idle period, or mostly cold ones): the provider's default.
    DefaultNoEvidence,
    /// The best split is shorter than
    /// [`ColdStartOptions::min_informative_gap_ms`], which says nothing
    /// about the keep-alive: the provider's default.
    DefaultShortGaps,
}

impl KeepAliveBasis {
    /// Every basis.
    pub const ALL: [KeepAliveBasis; 4] = [
        KeepAliveBasis::Observed,
        KeepAliveBasis::Capped,
        KeepAliveBasis::DefaultNoEvidence,
        KeepAliveBasis::DefaultShortGaps,
    ];

    /// Its name, as JSON and the materialized tables spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            KeepAliveBasis::Observed => "observed",
            KeepAliveBasis::Capped => "capped",
            KeepAliveBasis::DefaultNoEvidence => "default-no-evidence",
            KeepAliveBasis::DefaultShortGaps => "default-short-gaps",
        }
    }

    /// The basis named `name`.
    pub fn parse(name: &str) -> Option<KeepAliveBasis> {
        KeepAliveBasis::ALL.into_iter().find(|b| b.as_str() == name)
    }
}

/// A function's keep-alive estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KeepAliveEstimate {
    /// The keep-alive used by the rule, ms.
    pub keep_alive_ms: i64,
    /// Where it comes from.
    pub basis: KeepAliveBasis,
    /// Idle periods of the function (nothing in progress, same
    /// configuration before and after) that ended in a warm start.
    pub idle_periods_warm: u64,
    /// Idle periods that ended in a cold start (`cold`, `suppressed`,
    /// `snapstart`).
    pub idle_periods_cold: u64,
    /// Idle periods the keep-alive does not explain: cold starts after a
    /// shorter gap, warm starts after a longer one. Many of them mean the
    /// platform's keep-alive varies, or environments are recycled.
    pub idle_periods_unexplained: u64,
    /// The longest an `instance_id` was seen idle and then served a warm
    /// invocation, ms: a lower bound of the platform's longest keep-alive.
    pub max_instance_idle_ms: Option<i64>,
}

/// Settings of [`cold_start_causes`](super::cold_start_causes).
#[derive(Debug, Clone, PartialEq)]
pub struct ColdStartOptions {
    /// Keep-alive when the data cannot tell and the frame has no `provider`
    /// column (or the provider has no default), ms.
    pub default_keep_alive_ms: i64,
    /// Reuse gaps shorter than this do not inform the estimate, ms.
    pub min_informative_gap_ms: i64,
    /// The estimate never exceeds this, ms.
    pub max_keep_alive_ms: i64,
    /// Invocations that start before this (epoch ms) only set the scene:
    /// they count for busy and idle time, configurations and the keep-alive
    /// estimate, but are neither classified nor counted. A job that
    /// classifies one day at a time reads a look-back before the day this
    /// way. `i64::MIN` (the default) classifies everything.
    pub classify_from_ms: i64,
    /// Functions known to have run before the frame's first row, with the
    /// configuration (version, memory size) they ran last. Their first cold
    /// start in the frame is `idle` when nothing ran within the look-back
    /// (which is at least the keep-alive), not `first-seen`; and a first
    /// configuration in the frame that differs from it is a deploy.
    pub known_before: std::collections::HashMap<String, (String, i64)>,
}

impl Default for ColdStartOptions {
    /// 10 minutes by default (AWS Lambda's measured keep-alive, see the
    /// module documentation), 1 minute to be informative, 2 hours at most.
    fn default() -> Self {
        ColdStartOptions {
            default_keep_alive_ms: 10 * 60_000,
            min_informative_gap_ms: 60_000,
            max_keep_alive_ms: 2 * 3_600_000,
            classify_from_ms: i64::MIN,
            known_before: std::collections::HashMap::new(),
        }
    }
}

impl ColdStartOptions {
    /// The keep-alive the rule falls back to for a function of `provider`
    /// when its idle periods cannot tell: the provider's published figure,
    /// else [`ColdStartOptions::default_keep_alive_ms`], kept within the
    /// informative gap and the cap.
    pub fn fallback_keep_alive_ms(&self, provider: Option<&str>) -> i64 {
        provider
            .and_then(provider_keep_alive_ms)
            .unwrap_or(self.default_keep_alive_ms)
            .clamp(self.min_informative_gap_ms, self.max_keep_alive_ms)
    }
}

/// A provider's keep-alive when the data cannot tell, ms
/// ([`faasight_pricing::Provider::default_keep_alive_ms`], which cites the
/// measurements); `None` for an unknown provider or one without a
/// published figure, which get [`ColdStartOptions::default_keep_alive_ms`].
pub fn provider_keep_alive_ms(provider: &str) -> Option<i64> {
    faasight_pricing::Provider::parse(provider)?.default_keep_alive_ms()
}

pub(super) fn estimate_keep_alive(
    rows: &[Invocation<'_>],
    default_ms: i64,
    options: &ColdStartOptions,
) -> KeepAliveEstimate {
    // Idle periods that end before `classify_from_ms` (a look-back) are
    // another day's evidence: counted there, not twice.
    let from = options.classify_from_ms;
    // Instance level: the longest idle time an instance survived.
    let mut instance_end: HashMap<&str, i64> = HashMap::new();
    let mut max_instance_idle: Option<i64> = None;
    // Function level: idle periods (nothing in progress) and how they ended.
    let mut periods: Vec<(i64, bool)> = Vec::new();
    let mut latest_end: Option<i64> = None;
    let mut previous_config: Option<(&str, i64)> = None;
    for r in rows {
        let end = r.end_ms();
        if !r.instance_id.is_empty() {
            match instance_end.entry(r.instance_id) {
                Entry::Occupied(mut e) => {
                    let idle = r.start_ms - *e.get();
                    // Negative: an overlapping request on a multi-request
                    // instance, not an idle period.
                    if r.start_type == StartType::Warm && idle >= 0 && r.start_ms >= from {
                        max_instance_idle = Some(max_instance_idle.map_or(idle, |m| m.max(idle)));
                    }
                    if end > *e.get() {
                        e.insert(end);
                    }
                }
                Entry::Vacant(e) => {
                    e.insert(end);
                }
            }
        }
        let config = (r.version, r.memory_mb);
        if let Some(last) = latest_end {
            // A configuration change ends the period by deploy, not by the
            // keep-alive: it is no evidence.
            if last <= r.start_ms && previous_config == Some(config) && r.start_ms >= from {
                let warm = match r.start_type {
                    StartType::Warm => Some(true),
                    StartType::Cold | StartType::Suppressed | StartType::SnapStart => Some(false),
                    _ => None,
                };
                if let Some(warm) = warm {
                    periods.push((r.start_ms - last, warm));
                }
            }
        }
        latest_end = Some(latest_end.map_or(end, |e| e.max(end)));
        previous_config = Some(config);
    }
    periods.sort_unstable_by_key(|p| p.0);
    let warm_total = periods.iter().filter(|p| p.1).count() as u64;
    let cold_total = periods.len() as u64 - warm_total;
    // The threshold with the fewest periods on the wrong side (cold at or
    // below it, warm above it); on a tie the longer one.
    let mut best: (u64, Option<i64>) = (warm_total, None);
    let (mut warm_at_or_below, mut cold_at_or_below) = (0u64, 0u64);
    let mut i = 0;
    while i < periods.len() {
        let gap = periods[i].0;
        while i < periods.len() && periods[i].0 == gap {
            if periods[i].1 {
                warm_at_or_below += 1;
            } else {
                cold_at_or_below += 1;
            }
            i += 1;
        }
        let wrong = cold_at_or_below + (warm_total - warm_at_or_below);
        if wrong <= best.0 {
            best = (wrong, Some(gap));
        }
    }
    let (keep_alive_ms, basis) = match best.1 {
        None => (default_ms, KeepAliveBasis::DefaultNoEvidence),
        Some(g) if g < options.min_informative_gap_ms => {
            (default_ms, KeepAliveBasis::DefaultShortGaps)
        }
        Some(g) if g > options.max_keep_alive_ms => {
            (options.max_keep_alive_ms, KeepAliveBasis::Capped)
        }
        Some(g) => (g, KeepAliveBasis::Observed),
    };
    let unexplained = periods
        .iter()
        .filter(|&&(gap, warm)| (gap > keep_alive_ms) == warm)
        .count() as u64;
    KeepAliveEstimate {
        keep_alive_ms,
        basis,
        idle_periods_warm: warm_total,
        idle_periods_cold: cold_total,
        idle_periods_unexplained: unexplained,
        max_instance_idle_ms: max_instance_idle,
    }
}
