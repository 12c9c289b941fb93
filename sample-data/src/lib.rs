//! A realistic, deterministic demo workload for faasight.
//!
//! `generate` replays a month of traffic for the 36-function fleet in
//! [`catalog`]: arrivals follow daily and weekly cycles, scheduled batches,
//! random bursts and idle spells; each function keeps a pool of execution
//! environments with its provider's keep-alive, so cold starts come from the
//! same causes as in production (idle expiry, scale-out during bursts,
//! deploys, environment recycling) rather than from a coin flip. Durations
//! respond to memory through the CPU share a size buys, memory use sits
//! below or near the configured size, and errors, timeouts and OOMs occur at
//! per-function rates. Every record is priced with `faasight-pricing`.
//!
//! The output depends only on [`DemoConfig`]: the same seed, window and
//! size give the same rows on every machine.
#![deny(missing_docs)]

pub mod catalog;
pub mod rng;
mod simulate;

use chrono::{DateTime, Duration, DurationRound, Utc};
use faasight_store::InvocationRow;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// Seed of every random choice.
    pub seed: u64,
    /// End of the window (exclusive); rounded down to the hour.
    pub end: DateTime<Utc>,
    /// Length of the window in days.
    pub days: u32,
    /// Approximate total number of invocations.
    pub invocations: u64,
    /// Tenant written on every row.
    pub tenant: String,
}

impl DemoConfig {
    /// The demo's defaults: seed 42, 30 days up to the current hour,
    /// about 400,000 invocations.
    pub fn new(end: DateTime<Utc>) -> Self {
        DemoConfig {
            seed: 42,
            end,
            days: 30,
            invocations: 400_000,
            tenant: "default".to_string(),
        }
    }

    /// The window's first hour and its end, both on hour boundaries.
    pub fn window(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let end = self
            .end
            .duration_trunc(Duration::hours(1))
            .unwrap_or(self.end);
        (end - Duration::days(self.days as i64), end)
    }
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DemoSummary {
    /// Rows handed to the sink.
    pub rows: u64,
    /// Functions in the fleet.
    pub functions: usize,
}

/// Generates the workload and hands it to `sink` in batches (one function
/// and day at a time, rows ordered by start time within a batch). Stops at
/// the first error the sink returns.
pub fn generate<E>(
    cfg: &DemoConfig,
    mut sink: impl FnMut(Vec<InvocationRow>) -> Result<(), E>,
) -> Result<DemoSummary, E> {
    let fleet = catalog::fleet();
    let rates = simulate::hourly_rates(cfg, &fleet);
    let mut summary = DemoSummary {
        rows: 0,
        functions: fleet.len(),
    };
    for (index, spec) in fleet.iter().enumerate() {
        let mut sim = simulate::FunctionSim::new(cfg, spec, index as u64);
        for (day, day_rates) in rates[index].chunks(24).enumerate() {
            let rows = sim.run_day(day, day_rates);
            summary.rows += rows.len() as u64;
            if !rows.is_empty() {
                sink(rows)?;
            }
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests;
