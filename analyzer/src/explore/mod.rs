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
use faasight_store::{PicoUsd, Store};
use serde::{Deserialize, Serialize};

/// SQL of the range totals.
pub const RANGE_TOTALS_SQL: &str = include_str!("../queries/range_totals.sql");
/// SQL of one function's series.
pub const FUNCTION_SERIES_SQL: &str = include_str!("../queries/function_series.sql");
/// SQL of one function's INIT histogram.
pub const INIT_HISTOGRAM_SQL: &str = include_str!("../queries/init_histogram.sql");
/// SQL of one function's latest invocations.
pub const RECENT_INVOCATIONS_SQL: &str = include_str!("../queries/recent_invocations.sql");
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

fn query_error(query: &'static str) -> impl FnOnce(clickhouse::error::Error) -> Error {
    move |source| Error::Query { query, source }
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
    let rows = bind(store.client().query(sql))
        .bind(tenant)
        .bind(range.from.timestamp())
        .bind(range.to.timestamp())
        .fetch_all()
        .await
        .map_err(query_error(name))?;
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
    /// Invocations.
    pub invocations: u64,
    /// Errors and timeouts.
    pub errors: u64,
    /// Cold starts (on-demand inits and SnapStart restores).
    pub cold_starts: u64,
    /// List cost.
    pub cost_usd: PicoUsd,
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
            invocations: r.invocations,
            errors: r.errors,
            cold_starts: r.cold_starts,
            cost_usd: cost(Q, &r.cost_usd)?,
            p50_duration_ms: nan_free(r.p50_duration_ms),
            p95_duration_ms: nan_free(r.p95_duration_ms),
            p99_duration_ms: nan_free(r.p99_duration_ms),
        },
        None => RangeTotals {
            invocations: 0,
            errors: 0,
            cold_starts: 0,
            cost_usd: PicoUsd(0),
            p50_duration_ms: 0.0,
            p95_duration_ms: 0.0,
            p99_duration_ms: 0.0,
        },
    };
    Ok((totals, trace))
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

/// Every function of `tenant` with invocations in `range`, from the
/// materialized per-function usage (`function_usage.sql`): runtime,
/// architecture and memory of its latest invocation; duration quantiles
/// from the merged histograms (within 0.25 %).
pub async fn functions_table(
    store: &Store,
    tenant: &str,
    range: TimeRange,
) -> Result<(Vec<FunctionLine>, QueryTrace)> {
    let (usage, trace) =
        crate::reports::function_usage::function_usage(store, tenant, range).await?;
    Ok((function_lines(&usage)?, trace))
}

/// One line per function from its rows per memory size and architecture,
/// in the order the rows come (by provider, account, region, function).
/// Pure.
fn function_lines(
    usage: &[crate::reports::function_usage::FunctionUsage],
) -> Result<Vec<FunctionLine>> {
    use crate::reports::function_usage::{duration_quantile, merge_histograms};
    let mut lines = Vec::new();
    let mut start = 0;
    while start < usage.len() {
        let same = |u: &&crate::reports::function_usage::FunctionUsage| {
            (&u.provider, &u.account, &u.region, &u.function)
                == (
                    &usage[start].provider,
                    &usage[start].account,
                    &usage[start].region,
                    &usage[start].function,
                )
        };
        let end = start + usage[start..].iter().take_while(same).count();
        let rows = &usage[start..end];
        start = end;
        let latest = rows
            .iter()
            .max_by_key(|u| u.last_seen)
            .expect("a function has rows");
        let parts: Vec<(&[u16], &[u64])> = rows
            .iter()
            .map(|u| (u.duration_buckets.as_slice(), u.duration_counts.as_slice()))
            .collect();
        let (buckets, counts) = merge_histograms(&parts);
        let quantile = |level| duration_quantile(&buckets, &counts, level).unwrap_or(0.0);
        let cost_pico = rows
            .iter()
            .map(|u| cost("function_usage.sql", &u.cost_usd).map(|c| c.0))
            .sum::<Result<i64>>()?;
        lines.push(FunctionLine {
            cost_usd: PicoUsd(cost_pico),
            key: FunctionKey {
                provider: latest.provider.clone(),
                account: latest.account.clone(),
                region: latest.region.clone(),
                function: latest.function.clone(),
            },
            runtime: latest.runtime.clone(),
            arch: latest.arch.clone(),
            memory_mb: latest.memory_mb,
            invocations: rows.iter().map(|u| u.invocations).sum(),
            errors: rows.iter().map(|u| u.errors).sum(),
            cold_starts: rows.iter().map(|u| u.cold_starts).sum(),
            p50_duration_ms: quantile(0.5),
            p95_duration_ms: quantile(0.95),
            p99_duration_ms: quantile(0.99),
            max_memory_used_mb: rows.iter().map(|u| u.max_memory_max).max().unwrap_or(0),
        });
    }
    Ok(lines)
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

/// Cold starts per INIT-duration bin: `(bin start ms, count)`; the last
/// bin (59 × `bin_ms` and up) is open-ended.
pub async fn init_histogram(
    store: &Store,
    tenant: &str,
    key: &FunctionKey,
    range: TimeRange,
    bin_ms: u32,
) -> Result<(Vec<(u32, u64)>, QueryTrace)> {
    const Q: &str = "init_histogram.sql";
    #[derive(Debug, clickhouse::Row, Deserialize)]
    struct BinRow {
        bin: u32,
        cold_starts: u64,
    }
    let rows: Vec<BinRow> = store
        .client()
        .query(INIT_HISTOGRAM_SQL)
        .bind(bin_ms)
        .bind(&key.provider)
        .bind(&key.account)
        .bind(&key.region)
        .bind(&key.function)
        .bind(tenant)
        .bind(range.from.timestamp())
        .bind(range.to.timestamp())
        .fetch_all()
        .await
        .map_err(query_error(Q))?;
    let mut leading = vec![bin_ms.to_string()];
    leading.extend(key_params(key));
    Ok((
        rows.into_iter()
            .map(|r| (r.bin * bin_ms, r.cold_starts))
            .collect(),
        QueryTrace::new(
            Q,
            INIT_HISTOGRAM_SQL,
            window_params(&leading, tenant, range),
        ),
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

/// `key`'s latest 50 invocations in `range`, newest first.
pub async fn recent_invocations(
    store: &Store,
    tenant: &str,
    key: &FunctionKey,
    range: TimeRange,
) -> Result<(Vec<InvocationLine>, QueryTrace)> {
    const Q: &str = "recent_invocations.sql";
    fetch(
        store,
        Q,
        RECENT_INVOCATIONS_SQL,
        |q| bind_key(q, key),
        key_params(key),
        tenant,
        range,
    )
    .await
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
    use crate::reports::function_usage::FunctionUsage;

    fn usage(
        function: &str,
        memory_mb: u32,
        last_seen: i64,
        buckets: &[u16],
        counts: &[u64],
    ) -> FunctionUsage {
        FunctionUsage {
            provider: "aws_lambda".into(),
            account: "1".into(),
            region: "eu-west-1".into(),
            function: function.into(),
            memory_mb,
            arch: "x86_64".into(),
            runtime: format!("rt{memory_mb}"),
            last_seen,
            timeout_ms_max: 3_000,
            timeout_ms_last: 3_000,
            invocations: counts.iter().sum(),
            errors: 1,
            cold_starts: 2,
            timeouts: 0,
            oom_errors: 0,
            duration_sum: "0".into(),
            duration_max: 0.0,
            billed_ms: 0,
            cost_usd: "0.000000000003".into(),
            max_memory_max: memory_mb / 4,
            duration_buckets: buckets.to_vec(),
            duration_counts: counts.to_vec(),
            memory_values: vec![],
            memory_counts: vec![],
        }
    }

    #[test]
    fn a_line_per_function_from_its_sizes() {
        // "api" at 512 MB (latest, t = 9) and 256 MB; "cron" alone.
        let rows = [
            usage("api", 256, 5, &[100, 200], &[50, 10]),
            usage("api", 512, 9, &[100, 300], &[30, 10]),
            usage("cron", 128, 1, &[7], &[4]),
        ];
        let lines = function_lines(&rows).unwrap();
        assert_eq!(lines.len(), 2);
        let api = &lines[0];
        assert_eq!(api.key.function, "api");
        assert_eq!((api.memory_mb, api.runtime.as_str()), (512, "rt512"));
        assert_eq!((api.invocations, api.errors, api.cold_starts), (100, 2, 4));
        assert_eq!(api.cost_usd, PicoUsd(6));
        assert_eq!(api.max_memory_used_mb, 128);
        // Merged: bucket 100 ×80, 200 ×10, 300 ×10; p50 is rank 50 (bucket
        // 100), p95 rank 95 (bucket 300), as quantileExact ranks them.
        let bucket = |k: f64| 0.001 * 1.005f64.powf(k - 0.5);
        assert!((api.p50_duration_ms - bucket(100.0)).abs() < 1e-12);
        assert!((api.p95_duration_ms - bucket(300.0)).abs() < 1e-12);
        assert_eq!(lines[1].key.function, "cron");
        assert_eq!(lines[1].invocations, 4);
    }
}
