//! A realistic, deterministic demo workload for faasight.
//!
//! `generate_all` replays a month of a mid-size production account: the
//! 39-function fleet in [`catalog`], whose bill is led by a few heavy
//! functions (minutes at several GB) while busy APIs make most of the
//! invocations for cents. Arrivals follow daily and weekly cycles,
//! scheduled batches, random bursts and idle spells; each function keeps a
//! pool of execution environments with its provider's keep-alive, so cold
//! starts come from the same causes as in production (idle expiry,
//! scale-out during bursts, deploys, environment recycling) rather than
//! from a coin flip. Durations respond to memory through the CPU share a
//! size buys, memory use sits below or near the configured size, and
//! errors, timeouts and OOMs occur at per-function rates. Functions that
//! invoke others synchronously wait for them, cold starts included. A
//! one-off flood of events is throttled at the account's concurrency limit
//! (1,000 per AWS account and region), given what the account's other
//! functions run meanwhile. Every record is priced with `faasight-pricing`.
//!
//! A sample of HTTP requests is traced: each traced request, and every
//! function it invokes, gets OpenTelemetry-shaped spans (`spans` table)
//! and log records (`logs` table) under the trace id its invocation rows
//! carry.
//!
//! The output depends only on [`DemoConfig`]: the same seed, window and
//! size give the same rows on every machine.
#![deny(missing_docs)]

pub mod catalog;
mod pool;
pub mod rng;
mod simulate;
mod telemetry;

use chrono::{DateTime, Duration, DurationRound, Utc};
use faasight_store::{InvocationRow, LogRow, SpanRow};

pub use simulate::{TRACES_PER_HOUR, TRACE_SAMPLE};

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
    /// Invocation rows handed to the sink.
    pub rows: u64,
    /// Functions in the fleet.
    pub functions: usize,
    /// Span rows handed to the sink.
    pub spans: u64,
    /// Log rows handed to the sink.
    pub logs: u64,
}

/// One batch of the workload: one function and day of invocations (rows
/// ordered by start time), with the spans and logs of that day's traced
/// requests of the function (which may include spans and logs of the
/// functions they invoked).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DemoBatch {
    /// Rows of the `invocations` table.
    pub invocations: Vec<InvocationRow>,
    /// Rows of the `spans` table.
    pub spans: Vec<SpanRow>,
    /// Rows of the `logs` table.
    pub logs: Vec<LogRow>,
}

/// The demo fleet's AWS Lambda configuration inventory, as `faasight
/// import --format aws-lambda-functions` and `aws-provisioned-concurrency`
/// would store it, seen at the window's start: memory (after any
/// reconfiguration), timeout, runtime, architecture, ephemeral storage,
/// SnapStart, and Provisioned Concurrency on alias `live`. The bill prices
/// the configuration charges from it.
pub fn inventory(cfg: &DemoConfig) -> Vec<faasight_store::FunctionConfigRow> {
    use faasight_store::rows::inventory::{KIND_FUNCTION, KIND_PROVISIONED};
    let (seen_at, _) = cfg.window();
    let mut rows = Vec::new();
    for f in catalog::fleet()
        .into_iter()
        .filter(|f| f.provider == faasight_pricing::Provider::AwsLambda.as_str())
    {
        let memory_mb = f.memory_change.map_or(f.memory_mb, |(_, mb)| mb);
        let function = faasight_store::FunctionConfigRow {
            tenant: cfg.tenant.clone(),
            provider: f.provider.into(),
            account: f.account.into(),
            region: f.region.into(),
            function: f.name.into(),
            qualifier: "$LATEST".into(),
            kind: KIND_FUNCTION.into(),
            memory_mb,
            timeout_ms: f.timeout_ms,
            runtime: f.runtime.into(),
            arch: f.arch.into(),
            package_type: "Zip".into(),
            ephemeral_storage_mb: f.ephemeral_storage_mb,
            snapstart_apply_on: if f.snapstart {
                "PublishedVersions"
            } else {
                "None"
            }
            .into(),
            snapstart_status: if f.snapstart { "On" } else { "Off" }.into(),
            seen_at,
            source: "demo".into(),
            ..Default::default()
        };
        if f.provisioned > 0 {
            rows.push(faasight_store::FunctionConfigRow {
                qualifier: "live".into(),
                kind: KIND_PROVISIONED.into(),
                provisioned_requested: f.provisioned,
                provisioned_allocated: f.provisioned,
                provisioned_status: "READY".into(),
                ..function.clone()
            });
        }
        rows.push(function);
    }
    rows
}

/// Generates the workload, traces and logs included, and hands it to
/// `sink` in batches (one function and day at a time). Stops at the first
/// error the sink returns.
pub fn generate_all<E>(
    cfg: &DemoConfig,
    mut sink: impl FnMut(DemoBatch) -> Result<(), E>,
) -> Result<DemoSummary, E> {
    let fleet = catalog::fleet();
    let rates = simulate::hourly_rates(cfg, &fleet);
    let mut summary = DemoSummary {
        functions: fleet.len(),
        ..Default::default()
    };
    // Functions with a surge come last: it is throttled at the concurrency
    // limit of their account and region, given what the others ran then.
    let mut order: Vec<usize> = (0..fleet.len()).collect();
    order.sort_by_key(|&i| fleet[i].surge.is_some());
    let mut load = simulate::AccountLoad::new(cfg, &fleet);
    for index in order {
        let spec = &fleet[index];
        // A function that is only ever invoked by another one is simulated
        // with its caller.
        if spec.volume == catalog::Volume::Called {
            continue;
        }
        let mut sim = simulate::FunctionSim::new(cfg, spec, index as u64);
        if let Some(others) = load.others(index) {
            sim.throttle_by(others);
        }
        let mut callees: Vec<simulate::FunctionSim> = spec
            .steps
            .iter()
            .filter_map(|s| match s {
                catalog::Step::Invoke { function, .. } => Some(*function),
                _ => None,
            })
            .map(|name| {
                let i = fleet
                    .iter()
                    .position(|f| f.name == name)
                    .expect("a called function is in the fleet");
                simulate::FunctionSim::new(cfg, &fleet[i], i as u64)
            })
            .collect();
        for (day, day_rates) in rates[index].chunks(24).enumerate() {
            let out = sim.run_day(day, day_rates, &mut callees);
            let batches = std::iter::once(DemoBatch {
                invocations: out.rows,
                spans: out.telemetry.spans,
                logs: out.telemetry.logs,
            })
            .chain(out.callee_rows.into_iter().map(|rows| DemoBatch {
                invocations: rows,
                ..Default::default()
            }));
            for batch in batches {
                if batch == DemoBatch::default() {
                    continue;
                }
                load.observe(index, &batch.invocations);
                summary.rows += batch.invocations.len() as u64;
                summary.spans += batch.spans.len() as u64;
                summary.logs += batch.logs.len() as u64;
                sink(batch)?;
            }
        }
    }
    Ok(summary)
}

/// Generates the workload's invocations only (see [`generate_all`]; the
/// rows are the same), in batches of one function and day, rows ordered by
/// start time within a batch. Stops at the first error the sink returns.
pub fn generate<E>(
    cfg: &DemoConfig,
    mut sink: impl FnMut(Vec<InvocationRow>) -> Result<(), E>,
) -> Result<DemoSummary, E> {
    let summary = generate_all(cfg, |batch| {
        if batch.invocations.is_empty() {
            Ok(())
        } else {
            sink(batch.invocations)
        }
    })?;
    Ok(DemoSummary {
        spans: 0,
        logs: 0,
        ..summary
    })
}

#[cfg(test)]
mod tests;
