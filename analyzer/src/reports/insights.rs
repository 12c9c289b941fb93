//! The insights report: the anti-patterns and limits of [`crate::insights`]
//! found in the window's traces and invocations.

use super::QueryTrace;
use crate::insights::calls::{waits_on_function, CallEdge, CallerPrice};
use crate::insights::concurrency::{densest_window, peaks_from_levels, Busy, WindowLevels};
use crate::insights::fan_out::{sequential_fan_out, ChildGroup};
use crate::insights::limits::{
    above_scaling_rate, near_account_limit, ScalingBurst, ScopePeak, SCALING_RATE,
    SCALING_WINDOW_MS,
};
use crate::insights::provisioned::{idle_provisioned, Provisioned};
use crate::insights::routes::{doing_too_much, FunctionPrice, RouteStats};
use crate::insights::{sort_findings, Finding};
use crate::{Error, Result, TimeRange};
use chrono::{DateTime, Utc};
use faasight_pricing::Provider;
use faasight_store::{InvocationRow, Store};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// SQL of the function-to-function calls per edge.
pub const CALLS_SQL: &str = include_str!("../queries/insight_calls.sql");
/// SQL of the routes of each function's traced requests.
pub const ROUTES_SQL: &str = include_str!("../queries/insight_routes.sql");
/// SQL of the same-named children of traced requests.
pub const FAN_OUT_SQL: &str = include_str!("../queries/insight_fan_out.sql");
/// SQL of each account and region's peak concurrency.
pub const ACCOUNT_PEAKS_SQL: &str = include_str!("../queries/insight_account_peaks.sql");
/// SQL of each account and region's concurrency hour by hour.
pub const ACCOUNT_CONCURRENCY_SQL: &str =
    include_str!("../queries/insight_account_concurrency.sql");
/// SQL of the busiest functions' peak concurrency.
pub const FUNCTION_PEAKS_SQL: &str = include_str!("../queries/insight_function_peaks.sql");
/// SQL of each function's invocations and configuration.
pub const FUNCTIONS_SQL: &str = include_str!("../queries/insight_functions.sql");
/// SQL of the functions that may have outrun the scaling rate.
pub const SCALING_CANDIDATES_SQL: &str = include_str!("../queries/insight_scaling_candidates.sql");
/// SQL of one function's invocations (starts and durations).
pub const FUNCTION_INVOCATIONS_SQL: &str =
    include_str!("../queries/insight_function_invocations.sql");

/// AWS Lambda's default concurrency limit per account and region
/// (<https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html>).
pub const AWS_DEFAULT_ACCOUNT_LIMIT: u32 = 1_000;

/// What the insights are asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InsightsOptions {
    /// Concurrent executions an AWS account allows per region.
    pub account_limit: u32,
}

impl Default for InsightsOptions {
    fn default() -> Self {
        InsightsOptions {
            account_limit: AWS_DEFAULT_ACCOUNT_LIMIT,
        }
    }
}

impl TryFrom<&super::ReportRequest> for InsightsOptions {
    type Error = crate::Error;
    fn try_from(r: &super::ReportRequest) -> Result<Self> {
        let account_limit = r.account_limit.unwrap_or(AWS_DEFAULT_ACCOUNT_LIMIT);
        if account_limit == 0 {
            return Err(crate::Error::Invalid(
                "account_limit must be at least 1 concurrent execution".into(),
            ));
        }
        Ok(InsightsOptions { account_limit })
    }
}

/// The busiest moment of an account and region, or of a function.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConcurrencyPeak {
    /// `provider/account/region` for an account, or
    /// `provider/account/region/function` for a function.
    pub scope: String,
    /// Invocations running at once at the peak (exact at 1 ms).
    pub concurrency: u64,
    /// First millisecond with that many.
    pub at: DateTime<Utc>,
    /// The limit it is held against, for an AWS account.
    pub limit: Option<u32>,
}

/// An account and region's highest concurrency in each hour of the window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConcurrencySeries {
    /// `provider/account/region`.
    pub scope: String,
    /// The limit it is held against, for an AWS account.
    pub limit: Option<u32>,
    /// Start of the first hour.
    pub from: DateTime<Utc>,
    /// Seconds per point (3,600).
    pub step_seconds: u32,
    /// Highest concurrency in each hour, exact at 1 ms.
    pub peaks: Vec<u64>,
}

/// The insights of a window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InsightsReport {
    /// Days in the window.
    pub window_days: f64,
    /// The AWS account concurrency limit applied.
    pub account_limit: u32,
    /// Findings, most money at stake first.
    pub findings: Vec<Finding>,
    /// Each account and region's busiest moment, busiest first (evidence
    /// for the concurrency findings, shown even without one).
    pub account_peaks: Vec<ConcurrencyPeak>,
    /// The 20 functions with the highest peaks, busiest first.
    pub function_peaks: Vec<ConcurrencyPeak>,
    /// Each account and region's concurrency hour by hour, in the order
    /// of `account_peaks`.
    pub account_series: Vec<ConcurrencySeries>,
    /// SERVER spans of functions in the window: the traced requests the
    /// trace findings rest on.
    pub traced_invocations: u64,
    /// Queries behind the numbers.
    pub queries: Vec<QueryTrace>,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct CallRow {
    caller_cloud_provider: String,
    caller_cloud_platform: String,
    caller_account: String,
    caller_region: String,
    caller_function: String,
    callee_cloud_provider: String,
    callee_cloud_platform: String,
    callee_account: String,
    callee_region: String,
    callee_function: String,
    invoked_name: String,
    synchronous: u8,
    calls: u64,
    waited_ms: f64,
    example_trace_ids: Vec<String>,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct RouteRow {
    cloud_provider: String,
    cloud_platform: String,
    account: String,
    region: String,
    function: String,
    route: String,
    calls: u64,
    duration_quantiles: Vec<f64>,
    matched: u64,
    memory_used_max_mb: u32,
    billed_ms: u64,
    example_trace_ids: Vec<String>,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct FanOutRow {
    cloud_provider: String,
    cloud_platform: String,
    account: String,
    region: String,
    function: String,
    child_name: String,
    trace_id: String,
    parent_duration_ns: u64,
    starts: Vec<u64>,
    ends: Vec<u64>,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct AccountPeakRow {
    provider: String,
    account: String,
    region: String,
    peak: u64,
    peak_at_ms: i64,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct HourLevelsRow {
    provider: String,
    account: String,
    region: String,
    hour_epoch: i64,
    start_events: u64,
    start_level: u64,
    highest_after_start: u64,
    last_level: u64,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct FunctionPeakRow {
    provider: String,
    account: String,
    region: String,
    function: String,
    peak: u64,
    peak_at_ms: i64,
}

#[derive(Debug, Clone, clickhouse::Row, Deserialize)]
struct FunctionRow {
    provider: String,
    account: String,
    region: String,
    function: String,
    invocations: u64,
    memory_mb: u32,
    arch: String,
    runtime: String,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct CandidateRow {
    provider: String,
    account: String,
    region: String,
    function: String,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct StartRow {
    start_ms: i64,
    duration_ms: f64,
}

/// `provider/account/region/function` of a span's resource; `None` for a
/// platform faasight does not price.
fn span_key(
    cloud_provider: &str,
    cloud_platform: &str,
    account: &str,
    region: &str,
    function: &str,
) -> Option<String> {
    let p = Provider::from_opentelemetry(cloud_provider, cloud_platform)?;
    Some(format!("{}/{account}/{region}/{function}", p.as_str()))
}

/// Runs `sql` (file `name`) with `leading` values bound first, then the
/// tenant and the window `times` times (queries that read several tables
/// repeat the window for each).
async fn fetch<T>(
    store: &Store,
    name: &'static str,
    sql: &'static str,
    leading: &[&str],
    tenant: &str,
    range: TimeRange,
    times: usize,
) -> Result<(Vec<T>, QueryTrace)>
where
    T: clickhouse::RowOwned + clickhouse::RowRead,
{
    let mut query = store.client().query(sql);
    let mut params: Vec<String> = leading.iter().map(|v| v.to_string()).collect();
    for value in leading {
        query = query.bind(*value);
    }
    for _ in 0..times {
        query = query
            .bind(tenant)
            .bind(range.from.timestamp())
            .bind(range.to.timestamp());
        params.extend([
            tenant.to_string(),
            range.from.timestamp().to_string(),
            range.to.timestamp().to_string(),
        ]);
    }
    let rows = query.fetch_all().await.map_err(|source| Error::Query {
        query: name,
        source,
    })?;
    Ok((rows, QueryTrace::new(name, sql, params)))
}

/// List price of one ms of `f`'s duration at `memory_mb`, pico-USD: the
/// price of a second's invocation less that of an instant one, so the
/// request charge cancels. Zero where time is not billed (Cloudflare
/// Workers bill CPU time; self-hosted platforms nothing per invocation).
fn pico_per_ms(f: &FunctionRow, memory_mb: u32, at: DateTime<Utc>) -> f64 {
    let row = |ms: u64| InvocationRow {
        provider: f.provider.clone(),
        account: f.account.clone(),
        region: f.region.clone(),
        function: f.function.clone(),
        runtime: f.runtime.clone(),
        arch: f.arch.clone(),
        memory_mb,
        max_memory_used_mb: memory_mb,
        start_time: at,
        duration_ms: ms as f64,
        billed_duration_ms: ms,
        ..Default::default()
    };
    let (second, instant) = (
        faasight_pricing::list_cost(&row(1_000)).0,
        faasight_pricing::list_cost(&row(0)).0,
    );
    (second - instant).max(0) as f64 / 1_000.0
}

/// Smallest memory size and step between sizes, MB, where a function's
/// memory is set freely and priced by it (AWS Lambda: 128 MB to 10,240 MB
/// in 1-MB steps; Alibaba Function Compute: 64-MB steps from 128 MB).
fn memory_steps(provider: &str) -> Option<(u32, u32)> {
    match Provider::parse(provider)? {
        Provider::AwsLambda => Some((128, 1)),
        Provider::AlibabaFunctionCompute => Some((128, 64)),
        _ => None,
    }
}

/// Findings over `tenant`'s data in `range`.
pub async fn insights_report(
    store: &Store,
    tenant: &str,
    range: TimeRange,
    options: InsightsOptions,
) -> Result<InsightsReport> {
    let window_days = (range.to - range.from).num_milliseconds() as f64 / 86_400_000.0;
    let at = range.to;
    let mut queries = Vec::new();

    let (functions, trace) = fetch::<FunctionRow>(
        store,
        "insight_functions.sql",
        FUNCTIONS_SQL,
        &[],
        tenant,
        range,
        1,
    )
    .await?;
    queries.push(trace);
    let functions: HashMap<String, FunctionRow> = functions
        .into_iter()
        .map(|f| {
            (
                format!("{}/{}/{}/{}", f.provider, f.account, f.region, f.function),
                f,
            )
        })
        .collect();

    // Traced requests per function, from the routes.
    let (route_rows, trace) = fetch::<RouteRow>(
        store,
        "insight_routes.sql",
        ROUTES_SQL,
        &[],
        tenant,
        range,
        3,
    )
    .await?;
    queries.push(trace);
    let routes: Vec<RouteStats> = route_rows
        .into_iter()
        .filter_map(|r| {
            let function = span_key(
                &r.cloud_provider,
                &r.cloud_platform,
                &r.account,
                &r.region,
                &r.function,
            )?;
            Some(RouteStats {
                function,
                route: r.route,
                calls: r.calls,
                duration_p50_ms: r.duration_quantiles.first().copied().unwrap_or(0.0),
                duration_p95_ms: r.duration_quantiles.get(1).copied().unwrap_or(0.0),
                matched: r.matched,
                memory_used_max_mb: r.memory_used_max_mb,
                billed_ms: r.billed_ms,
                example_trace_ids: r.example_trace_ids,
            })
        })
        .collect();
    let mut traced: BTreeMap<String, u64> = BTreeMap::new();
    for r in &routes {
        *traced.entry(r.function.clone()).or_default() += r.calls;
    }
    let scale = |key: &str| -> f64 {
        let seen = traced.get(key).copied().unwrap_or(0);
        let all = functions.get(key).map_or(0, |f| f.invocations);
        if seen == 0 {
            1.0
        } else {
            (all as f64 / seen as f64).max(1.0)
        }
    };

    let mut findings = Vec::new();

    // 1. Function waits on function.
    let (call_rows, trace) =
        fetch::<CallRow>(store, "insight_calls.sql", CALLS_SQL, &[], tenant, range, 2).await?;
    queries.push(trace);
    let edges: Vec<CallEdge> = call_rows
        .into_iter()
        .filter_map(|c| {
            let caller = span_key(
                &c.caller_cloud_provider,
                &c.caller_cloud_platform,
                &c.caller_account,
                &c.caller_region,
                &c.caller_function,
            )?;
            let callee = if c.callee_function.is_empty() {
                c.invoked_name.clone()
            } else {
                span_key(
                    &c.callee_cloud_provider,
                    &c.callee_cloud_platform,
                    &c.callee_account,
                    &c.callee_region,
                    &c.callee_function,
                )
                .unwrap_or_else(|| c.callee_function.clone())
            };
            Some(CallEdge {
                caller,
                callee,
                synchronous: c.synchronous == 1,
                calls: c.calls,
                waited_ms: c.waited_ms,
                example_trace_ids: c.example_trace_ids,
            })
        })
        .collect();
    // The same edge may come in several rows (the callee traced or not):
    // one edge per caller, callee and mode.
    let mut merged: BTreeMap<(String, String, bool), CallEdge> = BTreeMap::new();
    for e in edges {
        match merged.entry((e.caller.clone(), e.callee.clone(), e.synchronous)) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(e);
            }
            std::collections::btree_map::Entry::Occupied(mut o) => {
                let m = o.get_mut();
                m.calls += e.calls;
                m.waited_ms += e.waited_ms;
                m.example_trace_ids.extend(e.example_trace_ids);
            }
        }
    }
    let edges: Vec<CallEdge> = merged.into_values().collect();
    findings.extend(waits_on_function(
        &edges,
        |caller| {
            let f = functions.get(caller)?;
            Some(CallerPrice {
                pico_per_ms: pico_per_ms(f, f.memory_mb, at),
                scale: scale(caller),
            })
        },
        window_days,
    ));

    // 2. Doing too much.
    findings.extend(doing_too_much(
        &routes,
        |key| {
            let f = functions.get(key)?;
            let (min_memory_mb, step_mb) = memory_steps(&f.provider)?;
            Some(FunctionPrice {
                memory_mb: f.memory_mb,
                min_memory_mb,
                step_mb,
                scale: scale(key),
            })
        },
        |key, mb| functions.get(key).map(|f| pico_per_ms(f, mb, at)),
        window_days,
    ));

    // 3. Sequential fan-out.
    let (fan_rows, trace) = fetch::<FanOutRow>(
        store,
        "insight_fan_out.sql",
        FAN_OUT_SQL,
        &[],
        tenant,
        range,
        2,
    )
    .await?;
    queries.push(trace);
    let groups: Vec<ChildGroup> = fan_rows
        .into_iter()
        .filter_map(|r| {
            Some(ChildGroup {
                function: span_key(
                    &r.cloud_provider,
                    &r.cloud_platform,
                    &r.account,
                    &r.region,
                    &r.function,
                )?,
                name: r.child_name,
                trace_id: r.trace_id,
                parent_duration_ns: r.parent_duration_ns,
                children: r.starts.into_iter().zip(r.ends).collect(),
            })
        })
        .collect();
    findings.extend(sequential_fan_out(&groups, |key| {
        traced.get(key).copied().unwrap_or(0)
    }));

    // 4. Concurrency: accounts near their limit, functions above the
    // scaling rate.
    let (peak_rows, trace) = fetch::<AccountPeakRow>(
        store,
        "insight_account_peaks.sql",
        ACCOUNT_PEAKS_SQL,
        &[],
        tenant,
        range,
        1,
    )
    .await?;
    queries.push(trace);
    let aws = Provider::AwsLambda.as_str();
    let peaks: Vec<ScopePeak> = peak_rows
        .into_iter()
        .map(|p| ScopePeak {
            scope: format!("{}/{}/{}", p.provider, p.account, p.region),
            provider: p.provider,
            concurrency: p.peak,
            at_ms: p.peak_at_ms,
        })
        .collect();
    findings.extend(near_account_limit(&peaks, options.account_limit));
    let instant = |ms: i64| DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default();
    let account_peaks = peaks
        .iter()
        .map(|p| ConcurrencyPeak {
            scope: p.scope.clone(),
            concurrency: p.concurrency,
            at: instant(p.at_ms),
            limit: (p.provider == aws).then_some(options.account_limit),
        })
        .collect();
    let (level_rows, trace) = fetch::<HourLevelsRow>(
        store,
        "insight_account_concurrency.sql",
        ACCOUNT_CONCURRENCY_SQL,
        &[],
        tenant,
        range,
        1,
    )
    .await?;
    queries.push(trace);
    let mut levels: BTreeMap<String, Vec<WindowLevels>> = BTreeMap::new();
    for r in level_rows {
        levels
            .entry(format!("{}/{}/{}", r.provider, r.account, r.region))
            .or_default()
            .push(WindowLevels {
                start_ms: r.hour_epoch * 1_000,
                start_events: r.start_events,
                start_level: r.start_level,
                highest_after_start: r.highest_after_start,
                last: r.last_level,
            });
    }
    const HOUR_MS: i64 = 3_600_000;
    let first_hour_ms = range.from.timestamp_millis().div_euclid(HOUR_MS) * HOUR_MS;
    let hours = (range.to.timestamp_millis() - first_hour_ms + HOUR_MS - 1)
        .div_euclid(HOUR_MS)
        .max(0) as usize;
    let account_series = peaks
        .iter()
        .map(|p| ConcurrencySeries {
            scope: p.scope.clone(),
            limit: (p.provider == aws).then_some(options.account_limit),
            from: instant(first_hour_ms),
            step_seconds: 3_600,
            peaks: peaks_from_levels(
                levels.get(&p.scope).map_or(&[][..], Vec::as_slice),
                first_hour_ms,
                HOUR_MS,
                hours,
            ),
        })
        .collect();
    let (function_peak_rows, trace) = fetch::<FunctionPeakRow>(
        store,
        "insight_function_peaks.sql",
        FUNCTION_PEAKS_SQL,
        &[],
        tenant,
        range,
        1,
    )
    .await?;
    queries.push(trace);
    let function_peaks = function_peak_rows
        .into_iter()
        .map(|p| ConcurrencyPeak {
            scope: format!("{}/{}/{}/{}", p.provider, p.account, p.region, p.function),
            concurrency: p.peak,
            at: instant(p.peak_at_ms),
            limit: None,
        })
        .collect();
    let half_rate = (SCALING_RATE / 2).to_string();
    let (candidates, trace) = fetch::<CandidateRow>(
        store,
        "insight_scaling_candidates.sql",
        SCALING_CANDIDATES_SQL,
        &[half_rate.as_str()],
        tenant,
        range,
        1,
    )
    .await?;
    queries.push(trace);
    let mut bursts = Vec::new();
    for c in &candidates {
        let leading = ["1", &c.provider, &c.account, &c.region, &c.function];
        let (starts, trace) = fetch::<StartRow>(
            store,
            "insight_function_invocations.sql",
            FUNCTION_INVOCATIONS_SQL,
            &leading,
            tenant,
            range,
            1,
        )
        .await?;
        queries.push(trace);
        let (new_environments, at_ms) = densest_window(
            starts.iter().map(|s| s.start_ms).collect(),
            SCALING_WINDOW_MS,
        );
        let key = format!("{}/{}/{}/{}", c.provider, c.account, c.region, c.function);
        let provisioned_hour_a_day_pico = functions.get(&key).map(|f| {
            let hour = faasight_pricing::aws_lambda::provisioned_concurrency_cost(
                u64::from(f.memory_mb) * new_environments,
                3_600,
                &f.arch,
                &f.region,
                at,
            );
            (hour.0 as f64 * crate::rightsizing::DAYS_PER_MONTH).round() as i64
        });
        bursts.push(ScalingBurst {
            function: key,
            new_environments,
            at_ms,
            provisioned_hour_a_day_pico,
        });
    }
    findings.extend(above_scaling_rate(&bursts));

    // 5. Idle provisioned concurrency.
    let (inventory, trace) = super::bill::fetch_inventory(store, tenant, range.to).await?;
    queries.push(trace);
    let mut configs: BTreeMap<
        (String, String, String, String),
        Vec<&faasight_store::FunctionConfigRow>,
    > = BTreeMap::new();
    for s in inventory.iter().filter(|s| {
        s.provider == aws && s.kind == faasight_store::rows::inventory::KIND_PROVISIONED
    }) {
        configs
            .entry((
                s.account.clone(),
                s.region.clone(),
                s.function.clone(),
                s.qualifier.clone(),
            ))
            .or_default()
            .push(s);
    }
    for ((account, region, function, qualifier), mut snaps) in configs {
        snaps.sort_by_key(|s| s.seen_at);
        let key = format!("{aws}/{account}/{region}/{function}");
        // Memory and architecture: the function's latest configuration
        // snapshot, else its latest invocation.
        let latest_config = inventory
            .iter()
            .filter(|s| {
                s.provider == aws
                    && s.kind != faasight_store::rows::inventory::KIND_PROVISIONED
                    && s.account == account
                    && s.region == region
                    && s.function == function
            })
            .max_by_key(|s| s.seen_at);
        let (memory_mb, arch) = match (latest_config, functions.get(&key)) {
            (Some(c), _) if c.memory_mb > 0 => (c.memory_mb, c.arch.clone()),
            (_, Some(f)) => (f.memory_mb, f.arch.clone()),
            _ => continue,
        };
        let leading = [
            "0",
            aws,
            account.as_str(),
            region.as_str(),
            function.as_str(),
        ];
        let (rows, trace) = fetch::<StartRow>(
            store,
            "insight_function_invocations.sql",
            FUNCTION_INVOCATIONS_SQL,
            &leading,
            tenant,
            range,
            1,
        )
        .await?;
        queries.push(trace);
        let busy: Vec<Busy> = rows
            .iter()
            .map(|r| Busy::new(r.start_ms, r.duration_ms))
            .collect();
        for (i, s) in snaps.iter().enumerate() {
            let next = snaps.get(i + 1).map_or(range.to, |n| n.seen_at);
            let (from, to) = (s.seen_at.max(range.from), next.min(range.to));
            if from >= to || s.provisioned_allocated == 0 {
                continue;
            }
            let seconds = (to - from).num_seconds().max(0) as u64;
            let charge = faasight_pricing::aws_lambda::provisioned_concurrency_cost(
                u64::from(memory_mb) * u64::from(s.provisioned_allocated),
                seconds,
                &arch,
                &region,
                from,
            );
            let config = Provisioned {
                function: key.clone(),
                qualifier: qualifier.clone(),
                allocated: u64::from(s.provisioned_allocated),
                from_ms: from.timestamp_millis(),
                to_ms: to.timestamp_millis(),
                charge_pico: charge.0,
            };
            findings.extend(idle_provisioned(&config, &busy));
        }
    }

    sort_findings(&mut findings);
    Ok(InsightsReport {
        window_days,
        account_limit: options.account_limit,
        findings,
        account_peaks,
        function_peaks,
        account_series,
        traced_invocations: traced.values().sum(),
        queries,
    })
}
