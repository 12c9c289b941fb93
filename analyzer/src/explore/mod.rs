//! The queries behind the web UI's exploring pages — totals, the functions
//! table, one function's series and invocations, cost by day, traces and
//! logs. Each returns its rows with the [`QueryTrace`] of the query, so a
//! page can show what its numbers came from. The aggregation is in SQL;
//! this module only types the rows.

mod traces;

pub use traces::{
    invocation_logs, trace_search, trace_spans, LogLine, SpanLine, TraceFilter, TraceLine,
};

use crate::reports::QueryTrace;
use crate::{Error, Result, TimeRange};
use chrono::{DateTime, Utc};
use faasight_store::{PicoUsd, Store};
use serde::{Deserialize, Serialize};

/// SQL of the range totals.
pub const RANGE_TOTALS_SQL: &str = include_str!("../queries/range_totals.sql");
/// SQL of the range counts.
pub const RANGE_COUNTS_SQL: &str = include_str!("../queries/range_counts.sql");
/// SQL of the functions table.
pub const FUNCTIONS_TABLE_SQL: &str = include_str!("../queries/functions_table.sql");
/// SQL of the overview's most costly functions.
pub const TOP_FUNCTIONS_SQL: &str = include_str!("../queries/top_functions.sql");
/// SQL of one function's series.
pub const FUNCTION_SERIES_SQL: &str = include_str!("../queries/function_series.sql");
/// SQL of one function's INIT histogram.
pub const INIT_HISTOGRAM_SQL: &str = include_str!("../queries/init_histogram.sql");
/// SQL of one function's latest invocations.
pub const RECENT_INVOCATIONS_SQL: &str = include_str!("../queries/recent_invocations.sql");
/// SQL of one function's invocations per hour, newest first.
pub const RECENT_HOURS_SQL: &str = include_str!("../queries/recent_hours.sql");
/// SQL of the daily cost by a dimension.
pub const DAILY_COST_BY_SQL: &str = include_str!("../queries/daily_cost_by.sql");

/// A function's identity: what the rollup groups by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FunctionKey {
    /// Provider.
    pub provider: String,
    /// Account, subscription or project.
    pub account: String,
    /// Region.
    pub region: String,
    /// Function name.
    pub function: String,
}

impl FunctionKey {
    /// `provider/account/region/function`, the key the analyses use.
    pub fn path(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.provider, self.account, self.region, self.function
        )
    }
}

fn cost(query: &'static str, text: &str) -> Result<PicoUsd> {
    PicoUsd::parse_decimal(text).ok_or_else(|| Error::BadValue {
        query,
        what: "cost_usd",
        value: text.to_string(),
    })
}

/// Runs the query `sql` (file `name`): `bind` binds its leading values
/// (shown in the trace as `leading`), then the tenant and the window's
/// bounds in epoch seconds are bound — the shape of every query here.
async fn fetch<T>(
    store: &Store,
    name: &'static str,
    sql: &'static str,
    bind: impl FnOnce(clickhouse::query::Query) -> clickhouse::query::Query,
    leading: Vec<String>,
    tenant: &str,
    range: TimeRange,
) -> Result<(Vec<T>, QueryTrace)>
where
    T: clickhouse::RowOwned + clickhouse::RowRead,
{
    let rows = crate::reports::traced_fetch(
        name,
        bind(store.client().query(sql))
            .bind(tenant)
            .bind(range.from.timestamp())
            .bind(range.to.timestamp()),
    )
    .await?;
    Ok((
        rows,
        QueryTrace::new(name, sql, window_params(&leading, tenant, range)),
    ))
}

fn window_params(leading: &[String], tenant: &str, range: TimeRange) -> Vec<String> {
    let mut params = leading.to_vec();
    params.extend([
        tenant.to_string(),
        range.from.timestamp().to_string(),
        range.to.timestamp().to_string(),
    ]);
    params
}

/// A tenant's totals over a range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RangeTotals {
    /// Invocations, errors, cold starts and list cost.
    #[serde(flatten)]
    pub counts: RangeCounts,
    /// Duration percentiles across all functions (t-digest estimates), ms.
    pub p50_duration_ms: f64,
    /// p95, ms.
    pub p95_duration_ms: f64,
    /// p99, ms.
    pub p99_duration_ms: f64,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct TotalsRow {
    invocations: u64,
    errors: u64,
    cold_starts: u64,
    cost_usd: String,
    p50_duration_ms: f64,
    p95_duration_ms: f64,
    p99_duration_ms: f64,
}

/// Totals of `tenant` over `range`.
pub async fn range_totals(
    store: &Store,
    tenant: &str,
    range: TimeRange,
) -> Result<(RangeTotals, QueryTrace)> {
    const Q: &str = "range_totals.sql";
    let (rows, trace): (Vec<TotalsRow>, _) =
        fetch(store, Q, RANGE_TOTALS_SQL, |q| q, Vec::new(), tenant, range).await?;
    let nan_free = |v: f64| if v.is_finite() { v } else { 0.0 };
    let totals = match rows.into_iter().next() {
        Some(r) => RangeTotals {
            counts: RangeCounts {
                invocations: r.invocations,
                errors: r.errors,
                cold_starts: r.cold_starts,
                cost_usd: cost(Q, &r.cost_usd)?,
            },
            p50_duration_ms: nan_free(r.p50_duration_ms),
            p95_duration_ms: nan_free(r.p95_duration_ms),
            p99_duration_ms: nan_free(r.p99_duration_ms),
        },
        None => RangeTotals {
            counts: RangeCounts::default(),
            p50_duration_ms: 0.0,
            p95_duration_ms: 0.0,
            p99_duration_ms: 0.0,
        },
    };
    Ok((totals, trace))
}

/// A tenant's counts and list cost over a range (the totals without
/// percentiles; all zero without invocations).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct RangeCounts {
    /// Invocations.
    pub invocations: u64,
    /// Errors and timeouts.
    pub errors: u64,
    /// Cold starts (on-demand inits and SnapStart restores).
    pub cold_starts: u64,
    /// List cost.
    pub cost_usd: PicoUsd,
}

/// Counts and list cost of `tenant` over `range`.
pub async fn range_counts(
    store: &Store,
    tenant: &str,
    range: TimeRange,
) -> Result<(RangeCounts, QueryTrace)> {
    const Q: &str = "range_counts.sql";
    #[derive(Debug, clickhouse::Row, Deserialize)]
    struct Row {
        invocations: u64,
        errors: u64,
        cold_starts: u64,
        cost_usd: String,
    }
    let (rows, trace): (Vec<Row>, _) =
        fetch(store, Q, RANGE_COUNTS_SQL, |q| q, Vec::new(), tenant, range).await?;
    let counts = match rows.into_iter().next() {
        Some(r) => RangeCounts {
            invocations: r.invocations,
            errors: r.errors,
            cold_starts: r.cold_starts,
            cost_usd: cost(Q, &r.cost_usd)?,
        },
        None => RangeCounts::default(),
    };
    Ok((counts, trace))
}

/// One line of the functions table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionLine {
    /// Which function.
    pub key: FunctionKey,
    /// Runtime of the latest hour.
    pub runtime: String,
    /// Architecture of the latest hour.
    pub arch: String,
    /// Memory configured in the latest hour, MB.
    pub memory_mb: u32,
    /// Invocations.
    pub invocations: u64,
    /// Errors and timeouts.
    pub errors: u64,
    /// Cold starts.
    pub cold_starts: u64,
    /// Duration p50 (t-digest estimate), ms.
    pub p50_duration_ms: f64,
    /// p95, ms.
    pub p95_duration_ms: f64,
    /// p99, ms.
    pub p99_duration_ms: f64,
    /// Highest memory used by one invocation, MB (0 when unreported).
    pub max_memory_used_mb: u32,
    /// List cost.
    pub cost_usd: PicoUsd,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct FunctionRow {
    provider: String,
    account: String,
    region: String,
    function: String,
    runtime: String,
    arch: String,
    memory_mb: u32,
    invocations: u64,
    errors: u64,
    cold_starts: u64,
    p50_duration_ms: f64,
    p95_duration_ms: f64,
    p99_duration_ms: f64,
    max_memory_used_mb: u32,
    cost_usd: String,
}

/// Every function of `tenant` with invocations in `range`.
pub async fn functions_table(
    store: &Store,
    tenant: &str,
    range: TimeRange,
) -> Result<(Vec<FunctionLine>, QueryTrace)> {
    const Q: &str = "functions_table.sql";
    let (rows, trace): (Vec<FunctionRow>, _) = fetch(
        store,
        Q,
        FUNCTIONS_TABLE_SQL,
        |q| q,
        Vec::new(),
        tenant,
        range,
    )
    .await?;
    let lines = rows
        .into_iter()
        .map(|r| {
            Ok(FunctionLine {
                cost_usd: cost(Q, &r.cost_usd)?,
                key: FunctionKey {
                    provider: r.provider,
                    account: r.account,
                    region: r.region,
                    function: r.function,
                },
                runtime: r.runtime,
                arch: r.arch,
                memory_mb: r.memory_mb,
                invocations: r.invocations,
                errors: r.errors,
                cold_starts: r.cold_starts,
                p50_duration_ms: r.p50_duration_ms,
                p95_duration_ms: r.p95_duration_ms,
                p99_duration_ms: r.p99_duration_ms,
                max_memory_used_mb: r.max_memory_used_mb,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((lines, trace))
}

/// A function's list cost and invocations over a range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionCost {
    /// Which function.
    pub key: FunctionKey,
    /// Invocations.
    pub invocations: u64,
    /// List cost.
    pub cost_usd: PicoUsd,
}

/// The `limit` functions of `tenant` that cost the most in `range`, most
/// costly first (ties by name).
pub async fn top_functions(
    store: &Store,
    tenant: &str,
    range: TimeRange,
    limit: u32,
) -> Result<(Vec<FunctionCost>, QueryTrace)> {
    const Q: &str = "top_functions.sql";
    #[derive(Debug, clickhouse::Row, Deserialize)]
    struct Row {
        provider: String,
        account: String,
        region: String,
        function: String,
        invocations: u64,
        cost_usd: String,
    }
    let rows: Vec<Row> = crate::reports::traced_fetch(
        Q,
        store
            .client()
            .query(TOP_FUNCTIONS_SQL)
            .bind(tenant)
            .bind(range.from.timestamp())
            .bind(range.to.timestamp())
            .bind(limit),
    )
    .await?;
    let mut params = window_params(&[], tenant, range);
    params.push(limit.to_string());
    let lines = rows
        .into_iter()
        .map(|r| {
            Ok(FunctionCost {
                cost_usd: cost(Q, &r.cost_usd)?,
                key: FunctionKey {
                    provider: r.provider,
                    account: r.account,
                    region: r.region,
                    function: r.function,
                },
                invocations: r.invocations,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((lines, QueryTrace::new(Q, TOP_FUNCTIONS_SQL, params)))
}

/// One bucket of a function's series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionBucket {
    /// Start of the bucket, epoch seconds.
    pub start: i64,
    /// Invocations.
    pub invocations: u64,
    /// Errors and timeouts.
    pub errors: u64,
    /// Cold starts.
    pub cold_starts: u64,
    /// List cost.
    pub cost_usd: PicoUsd,
    /// Duration p50, ms.
    pub p50_duration_ms: f64,
    /// p95, ms.
    pub p95_duration_ms: f64,
    /// p99, ms.
    pub p99_duration_ms: f64,
    /// Highest memory used, MB.
    pub max_memory_used_mb: u32,
    /// Memory configured (largest in the bucket), MB.
    pub memory_mb: u32,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct BucketRow {
    bucket: u32,
    invocations: u64,
    errors: u64,
    cold_starts: u64,
    cost_usd: String,
    p50_duration_ms: f64,
    p95_duration_ms: f64,
    p99_duration_ms: f64,
    max_memory_used_mb: u32,
    memory_mb: u32,
}

/// Binds a function's provider, account, region and name, in that order.
fn bind_key(q: clickhouse::query::Query, key: &FunctionKey) -> clickhouse::query::Query {
    q.bind(&key.provider)
        .bind(&key.account)
        .bind(&key.region)
        .bind(&key.function)
}

fn key_params(key: &FunctionKey) -> Vec<String> {
    vec![
        key.provider.clone(),
        key.account.clone(),
        key.region.clone(),
        key.function.clone(),
    ]
}

/// `key`'s activity per `bucket_seconds` over `range` (buckets with
/// invocations only).
pub async fn function_series(
    store: &Store,
    tenant: &str,
    key: &FunctionKey,
    range: TimeRange,
    bucket_seconds: u32,
) -> Result<(Vec<FunctionBucket>, QueryTrace)> {
    const Q: &str = "function_series.sql";
    let mut leading = vec![bucket_seconds.to_string(), bucket_seconds.to_string()];
    leading.extend(key_params(key));
    let (rows, trace): (Vec<BucketRow>, _) = fetch(
        store,
        Q,
        FUNCTION_SERIES_SQL,
        |q| bind_key(q.bind(bucket_seconds).bind(bucket_seconds), key),
        leading,
        tenant,
        range,
    )
    .await?;
    let buckets = rows
        .into_iter()
        .map(|r| {
            Ok(FunctionBucket {
                start: i64::from(r.bucket),
                invocations: r.invocations,
                errors: r.errors,
                cold_starts: r.cold_starts,
                cost_usd: cost(Q, &r.cost_usd)?,
                p50_duration_ms: r.p50_duration_ms,
                p95_duration_ms: r.p95_duration_ms,
                p99_duration_ms: r.p99_duration_ms,
                max_memory_used_mb: r.max_memory_used_mb,
                memory_mb: r.memory_mb,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((buckets, trace))
}

/// Consecutive 0.5 % buckets of `invocation_hours`' INIT histogram per
/// bin of [`init_histogram`]: bins 1.005^20 − 1 ≈ 10.5 % wide, about 50
/// between 50 ms and 10 s.
pub const INIT_BUCKETS_PER_BIN: u32 = 20;

/// One bin of a function's INIT-duration histogram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct InitBin {
    /// Lower edge (included), ms.
    pub from_ms: f64,
    /// Upper edge (excluded), ms.
    pub to_ms: f64,
    /// Cold starts whose INIT (or restore) lies in the bin.
    pub cold_starts: u64,
}

/// Edge `j` of the INIT histogram's bins, ms: 0.001 ms × 1.005^(j × 20).
pub fn init_bin_edge_ms(j: u32) -> f64 {
    0.001 * 1.005f64.powi((j * INIT_BUCKETS_PER_BIN) as i32)
}

/// `key`'s cold starts in `range` per INIT-duration bin (logarithmic, see
/// `init_histogram.sql`), from the materialized hourly results: as current
/// as the last materialize pass.
pub async fn init_histogram(
    store: &Store,
    tenant: &str,
    key: &FunctionKey,
    range: TimeRange,
) -> Result<(Vec<InitBin>, QueryTrace)> {
    const Q: &str = "init_histogram.sql";
    #[derive(Debug, clickhouse::Row, Deserialize)]
    struct BinRow {
        bin: u32,
        cold_starts: u64,
    }
    let mut leading = vec![INIT_BUCKETS_PER_BIN.to_string()];
    leading.extend(key_params(key));
    let (rows, trace): (Vec<BinRow>, _) = fetch(
        store,
        Q,
        INIT_HISTOGRAM_SQL,
        |q| bind_key(q.bind(INIT_BUCKETS_PER_BIN), key),
        leading,
        tenant,
        range,
    )
    .await?;
    Ok((
        rows.into_iter()
            .map(|r| InitBin {
                from_ms: init_bin_edge_ms(r.bin),
                to_ms: init_bin_edge_ms(r.bin + 1),
                cold_starts: r.cold_starts,
            })
            .collect(),
        trace,
    ))
}

/// One recorded invocation.
#[derive(Debug, Clone, PartialEq, Serialize, clickhouse::Row, Deserialize)]
pub struct InvocationLine {
    /// Start, epoch milliseconds.
    pub start_time_ms: u64,
    /// Request id.
    pub request_id: String,
    /// Trace id (empty when none was recorded).
    pub trace_id: String,
    /// Duration, ms.
    pub duration_ms: f64,
    /// Billed duration, ms.
    pub billed_duration_ms: u64,
    /// INIT duration, ms (0 when warm).
    pub init_duration_ms: f64,
    /// Memory configured, MB.
    pub memory_mb: u32,
    /// Memory used, MB.
    pub max_memory_used_mb: u32,
    /// `warm`, `cold`, `snapstart`, …
    pub start_type: String,
    /// `success`, `error`, `timeout`.
    pub status: String,
    /// Error type, if any.
    pub error_type: String,
    /// List cost, decimal USD.
    pub cost_usd: String,
}

/// How many invocations [`recent_invocations`] lists.
pub const RECENT_INVOCATIONS: u64 = 50;

/// `key`'s latest 50 invocations in `range`, newest first. Two queries:
/// the hourly rollup says from which hour on the function has 50
/// invocations ([`recent_since`]); only those hours of raw rows are read.
pub async fn recent_invocations(
    store: &Store,
    tenant: &str,
    key: &FunctionKey,
    range: TimeRange,
) -> Result<(Vec<InvocationLine>, Vec<QueryTrace>)> {
    #[derive(Debug, clickhouse::Row, Deserialize)]
    struct HourRow {
        hour_start: i64,
        calls: u64,
    }
    let (hours, hours_trace): (Vec<HourRow>, _) = fetch(
        store,
        "recent_hours.sql",
        RECENT_HOURS_SQL,
        |q| bind_key(q, key),
        key_params(key),
        tenant,
        range,
    )
    .await?;
    let hours: Vec<(i64, u64)> = hours.iter().map(|h| (h.hour_start, h.calls)).collect();
    let since = recent_since(&hours, range, RECENT_INVOCATIONS);
    let narrowed = TimeRange::new(since, range.to)?;
    let (rows, rows_trace) = fetch(
        store,
        "recent_invocations.sql",
        RECENT_INVOCATIONS_SQL,
        |q| bind_key(q, key),
        key_params(key),
        tenant,
        narrowed,
    )
    .await?;
    Ok((rows, vec![hours_trace, rows_trace]))
}

/// The latest start of an hour from which `range` surely holds `wanted`
/// invocations, given the function's invocations per hour (`(hour start,
/// count)`, newest first): the newest `wanted` invocations in `range` all
/// start at or after it. An hour that `range` cuts (its start before
/// `range.from`, or its end after `range.to`) may hold invocations outside
/// the range, so it counts for nothing; with too few, `range.from`. Pure.
pub fn recent_since(hours: &[(i64, u64)], range: TimeRange, wanted: u64) -> DateTime<Utc> {
    let (from, to) = (range.from.timestamp(), range.to.timestamp());
    let mut seen = 0u64;
    for &(start, calls) in hours {
        if start < from {
            break;
        }
        if start + 3_600 <= to {
            seen += calls;
        }
        if seen >= wanted {
            return DateTime::from_timestamp(start, 0).unwrap_or(range.from);
        }
    }
    range.from
}

/// The breakdowns of [`daily_cost_by`].
pub const COST_DIMENSIONS: [&str; 4] = ["provider", "region", "account", "function"];

/// One day's cost of one key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyCost {
    /// The key (`aws_lambda`, `aws_lambda/us-east-1`, …).
    pub key: String,
    /// `YYYY-MM-DD`.
    pub day: String,
    /// List cost.
    pub cost_usd: PicoUsd,
}

/// List cost per day and key of `dimension` (one of [`COST_DIMENSIONS`]).
pub async fn daily_cost_by(
    store: &Store,
    tenant: &str,
    range: TimeRange,
    dimension: &str,
) -> Result<(Vec<DailyCost>, QueryTrace)> {
    const Q: &str = "daily_cost_by.sql";
    if !COST_DIMENSIONS.contains(&dimension) {
        return Err(Error::Invalid(format!(
            "unknown breakdown {dimension:?}; cost is broken down by {}",
            COST_DIMENSIONS.join(", ")
        )));
    }
    #[derive(Debug, clickhouse::Row, Deserialize)]
    struct Row {
        key: String,
        day: String,
        cost_usd: String,
    }
    let (rows, trace): (Vec<Row>, _) = fetch(
        store,
        Q,
        DAILY_COST_BY_SQL,
        |q| q.bind(dimension),
        vec![dimension.to_string()],
        tenant,
        range,
    )
    .await?;
    let days = rows
        .into_iter()
        .map(|r| {
            Ok(DailyCost {
                cost_usd: cost(Q, &r.cost_usd)?,
                key: r.key,
                day: r.day,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((days, trace))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_225_600 + h * 3_600, 0).unwrap()
    }

    #[test]
    fn recent_since_is_the_latest_hour_that_covers_the_wanted_invocations() {
        // Hours 0..10 of the range; invocations in hours 9 (30), 7 (15),
        // 6 (10), 2 (100), newest first.
        let range = TimeRange::new(at(0), at(10)).unwrap();
        let h = |k: i64| at(k).timestamp();
        let hours = [(h(9), 30), (h(7), 15), (h(6), 10), (h(2), 100)];
        // 30 + 15 = 45 < 50; with hour 6, 55: the 50 newest start at or
        // after hour 6 (brute force: 30 + 15 + 5 of hour 6's 10).
        assert_eq!(recent_since(&hours, range, 50), at(6));
        assert_eq!(recent_since(&hours, range, 30), at(9));
        assert_eq!(recent_since(&hours, range, 31), at(7));
        // 155 in all: asking for more reads the whole range.
        assert_eq!(recent_since(&hours, range, 156), at(0));
        assert_eq!(recent_since(&[], range, 1), at(0));
        // An hour before the range (the rollup never returns one, but a
        // caller could pass one) is not counted.
        let range = TimeRange::new(at(3), at(10)).unwrap();
        assert_eq!(recent_since(&hours, range, 60), at(3));
    }
}
