//! Keep-alive what-if replay on per-minute arrival counts.
//!
//! Semantics (those of Shahrad et al., "Serverless in the Wild", USENIX ATC
//! 2020, for the Azure Functions 2019 trace): per function, one instance; it
//! stays warm for K minutes after the minute of its last invocation. A minute
//! with invocations whose previous invocation minute is more than K minutes
//! earlier (or that has none) begins with one cold start; every other
//! invocation is warm. Cold % = cold starts / all invocations. The instance
//! is idle (warm, serving nothing) for the minutes of each gap it stays warm
//! through, and for up to K minutes after the last invocation, within the
//! trace.
//!
//! Pure functions over counts: no I/O.

use crate::{Error, Result, TimeRange};
use faasight_store::Store;
use serde::Serialize;

/// SQL of [`arrivals_per_minute`].
pub const ARRIVALS_PER_MINUTE_SQL: &str = include_str!("queries/arrivals_per_minute.sql");

#[derive(Debug, clickhouse::Row, serde::Deserialize)]
struct ArrivalRow {
    function: String,
    /// Epoch minutes with calls, and the calls in each.
    minutes: Vec<u32>,
    counts: Vec<u64>,
}

/// Recorded invocations per function and minute of `range` (dense: one
/// count per minute of the range), read from the materialized
/// `function_minutes` (so up to date as of the last materialize pass).
pub async fn arrivals_per_minute(
    store: &Store,
    tenant: &str,
    range: TimeRange,
) -> Result<Vec<(String, Vec<u32>)>> {
    let rows: Vec<ArrivalRow> = store
        .client()
        .query(ARRIVALS_PER_MINUTE_SQL)
        .bind(tenant)
        .bind(range.from.timestamp())
        .bind(range.to.timestamp())
        .fetch_all()
        .await
        .map_err(|source| Error::Query {
            query: "arrivals_per_minute.sql",
            source,
        })?;
    Ok(dense_arrivals(&rows, range))
}

/// One dense series per function name (rows come sorted by name), minutes
/// outside `range` dropped. Pure.
fn dense_arrivals(rows: &[ArrivalRow], range: TimeRange) -> Vec<(String, Vec<u32>)> {
    let first = range.from.timestamp().div_euclid(60);
    let minutes = ((range.to.timestamp() - range.from.timestamp()) / 60).max(0) as usize;
    let mut out: Vec<(String, Vec<u32>)> = Vec::new();
    for r in rows {
        if out.last().map(|(f, _)| f != &r.function).unwrap_or(true) {
            out.push((r.function.clone(), vec![0; minutes]));
        }
        let Some((_, series)) = out.last_mut() else {
            continue;
        };
        for (&minute, &n) in r.minutes.iter().zip(&r.counts) {
            let Ok(i) = usize::try_from(i64::from(minute) - first) else {
                continue;
            };
            if let Some(slot) = series.get_mut(i) {
                *slot = slot.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
            }
        }
    }
    out
}

/// Result of one keep-alive policy over a set of functions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeepAliveResult {
    /// The policy: minutes an instance stays warm after its last invocation.
    pub keep_alive_minutes: u32,
    /// Functions with at least one invocation.
    pub functions: usize,
    /// All invocations.
    pub invocations: u64,
    /// Cold starts under the policy.
    pub cold_starts: u64,
    /// `cold_starts / invocations`, in percent.
    pub cold_start_pct: f64,
    /// Cold starts avoided compared with no keep-alive (K = 0).
    pub cold_starts_avoided: u64,
    /// Instance-minutes spent warm without serving anything.
    pub idle_instance_minutes: u64,
}

/// Cold starts and idle instance-minutes of one function's counts.
pub fn replay_function(counts: &[u32], keep_alive_minutes: u32) -> (u64, u64) {
    let k = keep_alive_minutes as usize;
    let mut cold = 0u64;
    let mut idle = 0u64;
    let mut last: Option<usize> = None;
    for (minute, &n) in counts.iter().enumerate() {
        if n == 0 {
            continue;
        }
        match last {
            Some(prev) if minute - prev <= k => {
                idle += (minute - prev - 1) as u64;
            }
            Some(_) => {
                cold += 1;
                idle += k as u64;
            }
            None => cold += 1,
        }
        last = Some(minute);
    }
    if let Some(prev) = last {
        idle += k.min(counts.len() - 1 - prev) as u64;
    }
    (cold, idle)
}

/// Replays every function's per-minute counts under a keep-alive of
/// `keep_alive_minutes`.
pub fn replay<'a>(
    functions: impl IntoIterator<Item = &'a [u32]> + Clone,
    keep_alive_minutes: u32,
) -> KeepAliveResult {
    let mut result = KeepAliveResult {
        keep_alive_minutes,
        functions: 0,
        invocations: 0,
        cold_starts: 0,
        cold_start_pct: 0.0,
        cold_starts_avoided: 0,
        idle_instance_minutes: 0,
    };
    let mut baseline = 0u64;
    for counts in functions {
        let total: u64 = counts.iter().map(|&c| c as u64).sum();
        if total == 0 {
            continue;
        }
        let (cold, idle) = replay_function(counts, keep_alive_minutes);
        baseline += replay_function(counts, 0).0;
        result.functions += 1;
        result.invocations += total;
        result.cold_starts += cold;
        result.idle_instance_minutes += idle;
    }
    result.cold_starts_avoided = baseline.saturating_sub(result.cold_starts);
    result.cold_start_pct = if result.invocations == 0 {
        0.0
    } else {
        100.0 * result.cold_starts as f64 / result.invocations as f64
    };
    result
}

/// A provisioned-concurrency policy: how many instances are provisioned in
/// each hour of the day (UTC), on top of the platform's on-demand instance
/// with its keep-alive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProvisionedPolicy {
    /// Instances provisioned in hour 0..23 (UTC).
    pub instances_by_hour: [u32; 24],
    /// Keep-alive of the on-demand instance, minutes.
    pub keep_alive_minutes: u32,
}

impl ProvisionedPolicy {
    /// Parses `N` (all day) or hour ranges `0-7:0,8-19:2,20-23:1`; hours
    /// not named get 0.
    pub fn parse(spec: &str, keep_alive_minutes: u32) -> Result<ProvisionedPolicy> {
        let bad = |why: &str| {
            Error::Invalid(format!(
                "provisioned policy {spec:?}: {why} (write N, or hour ranges like 0-7:0,8-19:2)"
            ))
        };
        let mut instances_by_hour = [0u32; 24];
        let spec_trim = spec.trim();
        if let Ok(n) = spec_trim.parse::<u32>() {
            instances_by_hour = [n; 24];
        } else {
            for part in spec_trim.split(',') {
                let (hours, n) = part
                    .split_once(':')
                    .ok_or_else(|| bad("a range has no ':N'"))?;
                let n: u32 = n
                    .trim()
                    .parse()
                    .map_err(|_| bad("an instance count is not a number"))?;
                let (a, b) = hours.split_once('-').unwrap_or((hours, hours));
                let (a, b): (usize, usize) = (
                    a.trim()
                        .parse()
                        .map_err(|_| bad("an hour is not a number"))?,
                    b.trim()
                        .parse()
                        .map_err(|_| bad("an hour is not a number"))?,
                );
                if a > b || b > 23 {
                    return Err(bad("hours run from 0 to 23, first ≤ last"));
                }
                instances_by_hour[a..=b].iter_mut().for_each(|h| *h = n);
            }
        }
        Ok(ProvisionedPolicy {
            instances_by_hour,
            keep_alive_minutes,
        })
    }

    /// The policy as written back, e.g. `0-7:0,8-19:2,20-23:1`.
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        let mut start = 0;
        for h in 1..=24 {
            if h == 24 || self.instances_by_hour[h] != self.instances_by_hour[start] {
                parts.push(format!(
                    "{}-{}:{}",
                    start,
                    h - 1,
                    self.instances_by_hour[start]
                ));
                start = h;
            }
        }
        parts.join(",")
    }
}

/// Result of a provisioned-concurrency policy over a set of functions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProvisionedResult {
    /// The policy, as `hours:instances` ranges.
    pub policy: String,
    /// Keep-alive of the on-demand instance, minutes.
    pub keep_alive_minutes: u32,
    /// Functions with at least one invocation.
    pub functions: usize,
    /// All invocations.
    pub invocations: u64,
    /// Cold starts under the policy.
    pub cold_starts: u64,
    /// `cold_starts / invocations`, in percent.
    pub cold_start_pct: f64,
    /// Cold starts avoided compared with the keep-alive alone.
    pub cold_starts_avoided: u64,
    /// Provisioned instance-minutes (what is billed).
    pub provisioned_instance_minutes: u64,
    /// Of those, minutes no invocation used.
    pub idle_provisioned_instance_minutes: u64,
}

/// Cold starts, provisioned instance-minutes and idle provisioned
/// instance-minutes of one function. `first_minute` is the minute of the
/// day (UTC) of `counts[0]`. Per-minute counts do not show concurrency, so
/// a minute with invocations keeps one provisioned instance busy; a minute
/// with invocations and at least one provisioned instance starts warm;
/// otherwise the on-demand instance's keep-alive decides, as in
/// [`replay_function`].
pub fn replay_provisioned_function(
    counts: &[u32],
    first_minute: u32,
    policy: &ProvisionedPolicy,
) -> (u64, u64, u64) {
    let k = policy.keep_alive_minutes as usize;
    let (mut cold, mut provisioned, mut idle) = (0u64, 0u64, 0u64);
    let mut last_on_demand: Option<usize> = None;
    for (minute, &n) in counts.iter().enumerate() {
        let hour = ((first_minute as usize + minute) / 60) % 24;
        let p = u64::from(policy.instances_by_hour[hour]);
        provisioned += p;
        if n == 0 {
            idle += p;
            continue;
        }
        if p > 0 {
            idle += p - 1;
            continue;
        }
        match last_on_demand {
            Some(prev) if minute - prev <= k => {}
            _ => cold += 1,
        }
        last_on_demand = Some(minute);
    }
    (cold, provisioned, idle)
}

/// Replays every function under a provisioned-concurrency policy.
/// `first_minute` is the minute of the day (UTC) of each series' first count.
pub fn replay_provisioned<'a>(
    functions: impl IntoIterator<Item = &'a [u32]>,
    first_minute: u32,
    policy: &ProvisionedPolicy,
) -> ProvisionedResult {
    let mut r = ProvisionedResult {
        policy: policy.label(),
        keep_alive_minutes: policy.keep_alive_minutes,
        functions: 0,
        invocations: 0,
        cold_starts: 0,
        cold_start_pct: 0.0,
        cold_starts_avoided: 0,
        provisioned_instance_minutes: 0,
        idle_provisioned_instance_minutes: 0,
    };
    let mut baseline = 0u64;
    for counts in functions {
        let total: u64 = counts.iter().map(|&c| u64::from(c)).sum();
        if total == 0 {
            continue;
        }
        let (cold, provisioned, idle) = replay_provisioned_function(counts, first_minute, policy);
        baseline += replay_function(counts, policy.keep_alive_minutes).0;
        r.functions += 1;
        r.invocations += total;
        r.cold_starts += cold;
        r.provisioned_instance_minutes += provisioned;
        r.idle_provisioned_instance_minutes += idle;
    }
    r.cold_starts_avoided = baseline.saturating_sub(r.cold_starts);
    r.cold_start_pct = if r.invocations == 0 {
        0.0
    } else {
        100.0 * r.cold_starts as f64 / r.invocations as f64
    };
    r
}

/// The list price of `instance_minutes` of provisioned instances of
/// `memory_mb` each: instance-seconds × GB at AWS Lambda's x86_64
/// Provisioned Concurrency price in us-east-1 (faasight-pricing's catalog,
/// which cites its source), as of `at`.
pub fn provisioned_cost(
    instance_minutes: u64,
    memory_mb: u32,
    at: chrono::DateTime<chrono::Utc>,
) -> faasight_store::PicoUsd {
    let price = faasight_pricing::aws_lambda::price(
        "us-east-1",
        faasight_pricing::aws_lambda::Charge::ProvisionedConcurrencyX86,
        at,
    );
    // minutes × 60 s × MB / 1,024 × pico per GB-s
    let pico =
        i128::from(instance_minutes) * 60 * i128::from(memory_mb) * i128::from(price.value_pico)
            / 1024;
    faasight_store::PicoUsd(i64::try_from(pico).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {

    #[test]
    fn provisioned_minutes_are_priced_at_the_published_rate() {
        // AWS Lambda pricing page, us-east-1 x86_64 Provisioned
        // Concurrency: $0.0000041667 per GB-s. 60 instance-minutes at
        // 1,024 MB = 3,600 GB-s = $0.01500012 (hand computation).
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(provisioned_cost(60, 1024, at).0, 15_000_120_000);
        // 512 MB is half a GB: half the price.
        assert_eq!(provisioned_cost(60, 512, at).0, 7_500_060_000);
    }

    use super::*;

    #[test]
    fn arrivals_become_one_dense_series_per_name_within_the_window() {
        // Window: minutes 1000..1005 (epoch 60,000 s .. 60,300 s).
        let range = TimeRange {
            from: chrono::DateTime::from_timestamp(60_000, 0).unwrap(),
            to: chrono::DateTime::from_timestamp(60_300, 0).unwrap(),
        };
        let row = |function: &str, minutes: Vec<u32>, counts: Vec<u64>| ArrivalRow {
            function: function.into(),
            minutes,
            counts,
        };
        // "api" in two accounts (two rows, added up); minutes 999 and 1005
        // fall outside.
        let rows = [
            row("api", vec![999, 1000, 1003], vec![7, 2, 1]),
            row("api", vec![1003, 1005], vec![4, 9]),
            row("cron", vec![1004], vec![1]),
        ];
        assert_eq!(
            dense_arrivals(&rows, range),
            vec![
                ("api".to_string(), vec![2, 0, 0, 5, 0]),
                ("cron".to_string(), vec![0, 0, 0, 0, 1]),
            ]
        );
    }

    #[test]
    fn provisioned_instances_by_hour() {
        // Two hours of minutes starting at 00:58 UTC: minutes 0-1 are hour 0,
        // minutes 2.. are hour 1. Policy: 1 instance in hour 1 only, K = 1.
        let policy = ProvisionedPolicy::parse("1-1:1", 1).unwrap();
        assert_eq!(policy.label(), "0-0:0,1-1:1,2-23:0");
        let mut counts = vec![0u32; 6];
        counts[0] = 2; // hour 0, no provisioned instance, nothing before: cold
        counts[1] = 1; // hour 0, 1 minute after: warm on demand
        counts[3] = 4; // hour 1, provisioned: warm, busy
                       // Provisioned minutes: minutes 2..=5 = 4; idle: minutes 2, 4, 5 = 3.
        assert_eq!(replay_provisioned_function(&counts, 58, &policy), (1, 4, 3));
        // Keep-alive alone (K = 1): minute 0 cold, 1 warm, 3 is 2 > 1 later: cold.
        let r = replay_provisioned([counts.as_slice()], 58, &policy);
        assert_eq!((r.cold_starts, r.cold_starts_avoided), (1, 1));
        assert_eq!(r.invocations, 7);
    }

    #[test]
    fn provisioned_policies_parse_or_say_why() {
        assert_eq!(
            ProvisionedPolicy::parse("2", 5).unwrap().instances_by_hour,
            [2; 24]
        );
        let p = ProvisionedPolicy::parse("8-19:3", 5).unwrap();
        assert_eq!(
            (
                p.instances_by_hour[7],
                p.instances_by_hour[8],
                p.instances_by_hour[19],
                p.instances_by_hour[20]
            ),
            (0, 3, 3, 0)
        );
        for bad in ["8-25:1", "x", "9-8:1", "8-9:many"] {
            let e = ProvisionedPolicy::parse(bad, 5).unwrap_err().to_string();
            assert!(e.contains(bad), "{e}");
        }
    }

    #[test]
    fn hand_made_trace() {
        // Minutes:   0  1  2  3  4  5  6  7  8  9
        let a = [3, 0, 0, 1, 0, 0, 0, 0, 2, 0];
        // K = 2: minute 0 cold (first); minute 3 is 3 > 2 after 0: cold;
        // minute 8 is 5 > 2 after 3: cold. Idle: 2 after minute 0 (expired),
        // 2 after minute 3, then 1 after minute 8 (the trace ends at 9).
        assert_eq!(replay_function(&a, 2), (3, 5));
        // K = 5: 0 cold; 3 warm (gap of 2 idle minutes); 8 is 5 ≤ 5 after 3:
        // warm (4 idle minutes); 1 idle minute after 8.
        assert_eq!(replay_function(&a, 5), (1, 7));
        // K = 0: every invocation minute after a gap is cold.
        assert_eq!(replay_function(&a, 0), (3, 0));
        // Consecutive minutes are warm for any K ≥ 1, cold for K = 0.
        assert_eq!(replay_function(&[1, 1, 1], 1), (1, 0));
        assert_eq!(replay_function(&[1, 1, 1], 0), (3, 0));
        assert_eq!(replay_function(&[0, 0], 10), (0, 0));
    }

    #[test]
    fn totals_over_functions() {
        let a: &[u32] = &[3, 0, 0, 1, 0, 0, 0, 0, 2, 0];
        let b: &[u32] = &[0, 5, 5, 0, 0, 0, 0, 0, 0, 0];
        let empty: &[u32] = &[0; 10];
        let r = replay([a, b, empty], 2);
        assert_eq!((r.functions, r.invocations, r.cold_starts), (2, 16, 4));
        // b: cold at 1, warm at 2, idle 2 after 2 → (1, 2); a: (3, 5).
        assert_eq!(r.idle_instance_minutes, 7);
        // K = 0 gives a 3 + b 2 = 5 cold starts; K = 2 avoids one.
        assert_eq!(r.cold_starts_avoided, 1);
        assert!((r.cold_start_pct - 25.0).abs() < 1e-12);
    }
}
