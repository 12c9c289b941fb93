//! The functions overview: per-function totals and activity over time.
//!
//! Both read the hourly rollup (`invocations_hourly`), whose counts and
//! Decimal cost sums are exact; p95 comes from its t-digest and is an
//! estimate (within a few percent), which the UI says.

use crate::{Error, Result, TimeRange};
use chrono::{DateTime, Utc};
use faasight_store::{PicoUsd, Store};
use serde::{Deserialize, Serialize};

/// SQL of [`functions_summary`].
pub const FUNCTIONS_SUMMARY_SQL: &str = include_str!("queries/functions_summary.sql");
/// SQL of [`invocations_over_time`].
pub const INVOCATIONS_OVER_TIME_SQL: &str = include_str!("queries/invocations_over_time.sql");

/// One function's totals over a range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionSummary {
    /// Provider.
    pub provider: String,
    /// Function name.
    pub function: String,
    /// Region.
    pub region: String,
    /// Account, subscription or project.
    pub account: String,
    /// Invocations.
    pub invocations: u64,
    /// Invocations that ended in an error or timeout.
    pub errors: u64,
    /// Invocations that paid a cold start (on-demand init or SnapStart restore).
    pub cold_starts: u64,
    /// `errors / invocations`, in percent.
    pub error_pct: f64,
    /// `cold_starts / invocations`, in percent.
    pub cold_start_pct: f64,
    /// Estimated 95th percentile of duration (t-digest), ms.
    pub p95_duration_ms: f64,
    /// Sum of list prices.
    pub cost_usd: PicoUsd,
}

/// Totals over all functions of a summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SummaryTotals {
    /// Invocations.
    pub invocations: u64,
    /// Errors and timeouts.
    pub errors: u64,
    /// Cold starts.
    pub cold_starts: u64,
    /// Sum of list prices.
    pub cost_usd: PicoUsd,
}

impl SummaryTotals {
    /// Adds up a summary's rows.
    pub fn of(rows: &[FunctionSummary]) -> SummaryTotals {
        rows.iter()
            .fold(SummaryTotals::default(), |t, r| SummaryTotals {
                invocations: t.invocations + r.invocations,
                errors: t.errors + r.errors,
                cold_starts: t.cold_starts + r.cold_starts,
                cost_usd: t.cost_usd + r.cost_usd,
            })
    }
}

/// One bucket of [`invocations_over_time`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeBucket {
    /// Start of the bucket.
    pub start: DateTime<Utc>,
    /// Invocations.
    pub invocations: u64,
    /// Cold starts.
    pub cold_starts: u64,
    /// Errors and timeouts.
    pub errors: u64,
    /// Sum of list prices.
    pub cost_usd: PicoUsd,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct SummaryRow {
    provider: String,
    function: String,
    region: String,
    account: String,
    invocations: u64,
    errors: u64,
    cold_starts: u64,
    p95_duration_ms: f64,
    cost_usd: String,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct BucketRow {
    bucket: u32,
    invocations: u64,
    cold_starts: u64,
    errors: u64,
    cost_usd: String,
}

fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

fn parse_cost(query: &'static str, text: &str) -> Result<PicoUsd> {
    PicoUsd::parse_decimal(text).ok_or_else(|| Error::BadValue {
        query,
        what: "cost",
        value: text.to_string(),
    })
}

/// Per-function totals for `tenant` over `range`, ordered by provider and
/// name.
pub async fn functions_summary(
    store: &Store,
    tenant: &str,
    range: TimeRange,
) -> Result<Vec<FunctionSummary>> {
    const Q: &str = "functions_summary.sql";
    let rows: Vec<SummaryRow> = store
        .client()
        .query(FUNCTIONS_SUMMARY_SQL)
        .bind(tenant)
        .bind(range.from.timestamp())
        .bind(range.to.timestamp())
        .fetch_all()
        .await
        .map_err(|source| Error::Query { query: Q, source })?;
    rows.into_iter()
        .map(|r| {
            Ok(FunctionSummary {
                error_pct: pct(r.errors, r.invocations),
                cold_start_pct: pct(r.cold_starts, r.invocations),
                cost_usd: parse_cost(Q, &r.cost_usd)?,
                provider: r.provider,
                function: r.function,
                region: r.region,
                account: r.account,
                invocations: r.invocations,
                errors: r.errors,
                cold_starts: r.cold_starts,
                p95_duration_ms: r.p95_duration_ms,
            })
        })
        .collect()
}

/// Activity per bucket of `range.bucket_seconds()`, with empty buckets
/// filled in so that charts show idle periods as zero, not as a line
/// across the gap.
pub async fn invocations_over_time(
    store: &Store,
    tenant: &str,
    range: TimeRange,
) -> Result<Vec<TimeBucket>> {
    const Q: &str = "invocations_over_time.sql";
    let bucket = range.bucket_seconds();
    let rows: Vec<BucketRow> = store
        .client()
        .query(INVOCATIONS_OVER_TIME_SQL)
        .bind(bucket)
        .bind(bucket)
        .bind(tenant)
        .bind(range.from.timestamp())
        .bind(range.to.timestamp())
        .fetch_all()
        .await
        .map_err(|source| Error::Query { query: Q, source })?;
    let found = rows
        .into_iter()
        .map(|r| {
            Ok(TimeBucket {
                start: DateTime::from_timestamp(r.bucket as i64, 0).unwrap_or_default(),
                invocations: r.invocations,
                cold_starts: r.cold_starts,
                errors: r.errors,
                cost_usd: parse_cost(Q, &r.cost_usd)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(fill_buckets(range, bucket, found))
}

/// Every bucket of `range` in order, taking values from `found` (sorted by
/// start) and zero elsewhere.
pub fn fill_buckets(
    range: TimeRange,
    bucket_seconds: u32,
    found: Vec<TimeBucket>,
) -> Vec<TimeBucket> {
    let step = bucket_seconds as i64;
    let first = range.from.timestamp().div_euclid(step) * step;
    let mut found = found.into_iter().peekable();
    let mut out = Vec::new();
    let mut t = first;
    while t < range.to.timestamp() {
        let start = DateTime::from_timestamp(t, 0).unwrap_or_default();
        match found.peek() {
            Some(b) if b.start == start => out.push(found.next().expect("peeked")),
            _ => out.push(TimeBucket {
                start,
                invocations: 0,
                cold_starts: 0,
                errors: 0,
                cost_usd: PicoUsd(0),
            }),
        }
        t += step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(start: &str, n: u64) -> TimeBucket {
        TimeBucket {
            start: start.parse().unwrap(),
            invocations: n,
            cold_starts: 0,
            errors: 0,
            cost_usd: PicoUsd(n as i64),
        }
    }

    #[test]
    fn fills_gaps_with_zero_buckets() {
        let range = TimeRange::new(
            "2026-01-01T00:00:00Z".parse().unwrap(),
            "2026-01-01T04:00:00Z".parse().unwrap(),
        )
        .unwrap();
        let filled = fill_buckets(
            range,
            3600,
            vec![
                bucket("2026-01-01T01:00:00Z", 5),
                bucket("2026-01-01T03:00:00Z", 7),
            ],
        );
        assert_eq!(
            filled.iter().map(|b| b.invocations).collect::<Vec<_>>(),
            vec![0, 5, 0, 7]
        );
        assert_eq!(
            filled[0].start,
            "2026-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }

    #[test]
    fn totals_and_percentages() {
        assert_eq!(pct(1, 4), 25.0);
        assert_eq!(pct(1, 0), 0.0);
        let row = |n, e, c, cost| FunctionSummary {
            provider: "p".into(),
            function: "f".into(),
            region: "r".into(),
            account: "a".into(),
            invocations: n,
            errors: e,
            cold_starts: c,
            error_pct: 0.0,
            cold_start_pct: 0.0,
            p95_duration_ms: 0.0,
            cost_usd: PicoUsd(cost),
        };
        let t = SummaryTotals::of(&[row(10, 1, 2, 5), row(5, 0, 1, 7)]);
        assert_eq!(
            t,
            SummaryTotals {
                invocations: 15,
                errors: 1,
                cold_starts: 3,
                cost_usd: PicoUsd(12)
            }
        );
    }
}
