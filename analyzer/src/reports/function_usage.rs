//! Per function, memory size and architecture over a window, read from the
//! materialized `function_days` and `function_hours` (`function_usage.sql`):
//! what right-sizing and the warnings start from. Duration quantiles are
//! taken from the merged histograms of 0.5 %-wide logarithmic buckets
//! (migration 0008), so each is within 0.25 % of the exact one; memory used
//! is kept value by value, so its quantiles are exact.

use super::QueryTrace;
use crate::{Error, Result, TimeRange};
use faasight_store::Store;
use serde::Deserialize;

/// SQL of the usage query.
pub const FUNCTION_USAGE_SQL: &str = include_str!("../queries/function_usage.sql");

/// Lower edge of duration bucket 1, ms (bucket 0 holds everything up to it).
const FIRST_EDGE_MS: f64 = 0.001;
/// Ratio of a duration bucket's upper edge to its lower edge.
const BUCKET_RATIO: f64 = 1.005;

/// One function, memory size and architecture over the window.
#[derive(Debug, Clone, clickhouse::Row, Deserialize)]
pub(crate) struct FunctionUsage {
    pub provider: String,
    pub account: String,
    pub region: String,
    pub function: String,
    pub memory_mb: u32,
    pub arch: String,
    pub runtime: String,
    /// Start of the latest invocation, epoch ms.
    pub last_seen: i64,
    pub timeout_ms_max: u32,
    /// The timeout of the latest invocation.
    pub timeout_ms_last: u32,
    pub invocations: u64,
    pub cold_starts: u64,
    pub timeouts: u64,
    pub oom_errors: u64,
    /// Exact sum of durations, ms, as a decimal.
    pub duration_sum: String,
    pub duration_max: f64,
    pub billed_ms: u64,
    /// Exact list cost, USD, as a decimal.
    pub cost_usd: String,
    pub max_memory_max: u32,
    pub duration_buckets: Vec<u16>,
    pub duration_counts: Vec<u64>,
    pub memory_values: Vec<u32>,
    pub memory_counts: Vec<u64>,
}

/// The value ClickHouse's `quantileExact(level)` returns for the values a
/// histogram counts: the one at 0-based rank ⌊level × n⌋ (the last for
/// level 1) in ascending order; `None` when it counts nothing. `keys` are
/// ascending, as `sumMap` returns them.
fn rank_value<K: Copy>(keys: &[K], counts: &[u64], level: f64) -> Option<K> {
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return None;
    }
    let rank = ((level * n as f64).floor() as u64).min(n - 1);
    let mut seen = 0u64;
    for (key, count) in keys.iter().zip(counts) {
        seen += count;
        if seen > rank {
            return Some(*key);
        }
    }
    keys.last().copied()
}

/// A duration bucket's representative value, ms: the geometric middle of
/// its edges (within 0.25 % of anything in it); 0 for bucket 0.
fn bucket_ms(bucket: u16) -> f64 {
    if bucket == 0 {
        0.0
    } else {
        FIRST_EDGE_MS * BUCKET_RATIO.powf(f64::from(bucket) - 0.5)
    }
}

/// A quantile of the durations a bucket histogram counts, ms; `None`
/// when it counts nothing.
pub(crate) fn duration_quantile(buckets: &[u16], counts: &[u64], level: f64) -> Option<f64> {
    rank_value(buckets, counts, level).map(bucket_ms)
}

impl FunctionUsage {
    /// A duration quantile, ms (0 without invocations).
    pub fn duration_quantile(&self, level: f64) -> f64 {
        duration_quantile(&self.duration_buckets, &self.duration_counts, level).unwrap_or(0.0)
    }

    /// A quantile of memory used, MB, over the invocations that reported
    /// it (0 when none did).
    pub fn memory_quantile(&self, level: f64) -> f64 {
        rank_value(&self.memory_values, &self.memory_counts, level).map_or(0.0, f64::from)
    }

    /// The mean duration, ms, from the exact sum.
    pub fn duration_mean(&self) -> Result<f64> {
        let sum: f64 = self.duration_sum.parse().map_err(|_| Error::BadValue {
            query: "function_usage.sql",
            what: "duration_sum",
            value: self.duration_sum.clone(),
        })?;
        Ok(if self.invocations > 0 {
            sum / self.invocations as f64
        } else {
            0.0
        })
    }

    /// The function key, as the other reports name functions.
    pub fn key(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.provider, self.account, self.region, self.function
        )
    }
}

/// Merges histograms `(keys, counts)` with ascending keys. Pure.
pub(crate) fn merge_histograms<K: Copy + Ord>(parts: &[(&[K], &[u64])]) -> (Vec<K>, Vec<u64>) {
    let mut merged = std::collections::BTreeMap::new();
    for (keys, counts) in parts {
        for (k, c) in keys.iter().zip(counts.iter()) {
            *merged.entry(*k).or_insert(0u64) += c;
        }
    }
    merged.into_iter().unzip()
}

/// The window's whole UTC days, `[first_day, end_day)` in epoch seconds,
/// read from `function_days`; the hours before and after from
/// `function_hours`. A window without a whole day is all hours.
fn whole_days(range: TimeRange) -> (i64, i64) {
    let (from, to) = (range.from.timestamp(), range.to.timestamp());
    let day = 86_400;
    let first = from.div_euclid(day) * day + if from.rem_euclid(day) == 0 { 0 } else { day };
    let end = to.div_euclid(day) * day;
    if first >= end {
        (to, to)
    } else {
        (first, end)
    }
}

/// Runs `function_usage.sql` for `tenant` over `range`; memory-used
/// histograms only `with_memory` (empty otherwise).
pub(crate) async fn function_usage(
    store: &Store,
    tenant: &str,
    range: TimeRange,
    with_memory: bool,
) -> Result<(Vec<FunctionUsage>, QueryTrace)> {
    let (first, end) = whole_days(range);
    let (from, to) = (range.from.timestamp(), range.to.timestamp());
    use Arg::{Int, Text};
    let args = [
        Int(i64::from(with_memory)),
        Text(tenant),
        Int(first),
        Int(end),
        Text(tenant),
        Int(from),
        Int(to - 1),
        Int(first),
        Int(end),
        Int(from),
        Int(first),
        Int(end),
        Int(to),
    ];
    let query = args
        .iter()
        .fold(store.client().query(FUNCTION_USAGE_SQL), |q, a| match a {
            Text(s) => q.bind(*s),
            Int(v) => q.bind(*v),
        });
    let rows = query.fetch_all().await.map_err(|source| Error::Query {
        query: "function_usage.sql",
        source,
    })?;
    let params = args
        .iter()
        .map(|a| match a {
            Text(s) => s.to_string(),
            Int(v) => v.to_string(),
        })
        .collect();
    Ok((
        rows,
        QueryTrace::new("function_usage.sql", FUNCTION_USAGE_SQL, params),
    ))
}

/// A parameter of `function_usage.sql`, in the order of its `?`.
enum Arg<'a> {
    Text(&'a str),
    Int(i64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_follow_clickhouse_quantile_exact() {
        // Values 10 ×3, 20 ×1, 30 ×6 (n = 10). quantileExact(0.5) takes
        // rank ⌊5⌋ = 5 of [10,10,10,20,30,30,30,30,30,30]: 30; 0.3 → rank 3:
        // 20; 0.99 → rank 9: 30; 0 → 10.
        let (keys, counts) = ([10u32, 20, 30], [3u64, 1, 6]);
        assert_eq!(rank_value(&keys, &counts, 0.5), Some(30));
        assert_eq!(rank_value(&keys, &counts, 0.3), Some(20));
        assert_eq!(rank_value(&keys, &counts, 0.99), Some(30));
        assert_eq!(rank_value(&keys, &counts, 0.0), Some(10));
        assert_eq!(rank_value::<u32>(&[], &[], 0.5), None);
    }

    #[test]
    fn a_bucket_stands_for_its_durations_within_a_quarter_percent() {
        // The bucket ClickHouse puts d in: ⌊ln(d / 0.001) / ln 1.005⌋ + 1.
        for d in [0.37, 1.0, 12.5, 250.0, 999.99, 60_000.0, 900_000.0] {
            let bucket = ((d / FIRST_EDGE_MS).ln() / BUCKET_RATIO.ln()).floor() as u16 + 1;
            let v = bucket_ms(bucket);
            assert!(
                (v / d - 1.0).abs() <= 0.0025,
                "{d} ms → bucket {bucket} → {v}"
            );
        }
        assert_eq!(bucket_ms(0), 0.0);
    }

    #[test]
    fn whole_days_and_ragged_hours() {
        let range = |from: &str, to: &str| TimeRange {
            from: chrono::DateTime::parse_from_rfc3339(from).unwrap().into(),
            to: chrono::DateTime::parse_from_rfc3339(to).unwrap().into(),
        };
        // 2026-01-01T10:00 .. 2026-01-04T07:00: days 2 and 3 whole.
        let (first, end) = whole_days(range("2026-01-01T10:00:00Z", "2026-01-04T07:00:00Z"));
        assert_eq!((first, end), (1_767_312_000, 1_767_484_800));
        // Within one day: no whole day, all of it from the hours.
        let r = range("2026-01-01T10:00:00Z", "2026-01-01T17:00:00Z");
        assert_eq!(whole_days(r), (r.to.timestamp(), r.to.timestamp()));
        // Midnight to midnight: all days.
        let r = range("2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z");
        assert_eq!(whole_days(r), (r.from.timestamp(), r.to.timestamp()));
    }

    #[test]
    fn histograms_merge_by_key() {
        let (k, c) = merge_histograms(&[(&[1u16, 5][..], &[2u64, 1][..]), (&[3, 5], &[4, 4])]);
        assert_eq!((k, c), (vec![1, 3, 5], vec![2, 4, 5]));
    }
}
