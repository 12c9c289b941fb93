//! The insights report: the anti-patterns and limits of [`crate::insights`]
//! found in the window's traces and invocations. The trace findings'
//! queries are in [`traces`], the invocation findings' in [`invocations`];
//! each hands its rows to the pure rule in `crate::insights`.

mod invocations;
mod traces;

use super::QueryTrace;
use crate::insights::calls::{waits_on_function, CallerPrice};
use crate::insights::fan_out::sequential_fan_out;
use crate::insights::limits::{above_scaling_rate, near_account_limit};
use crate::insights::routes::{doing_too_much, FunctionPrice};
use crate::insights::{sort_findings, Finding};
use crate::{Error, Result, TimeRange};
use chrono::{DateTime, Utc};
use faasight_store::Store;
use serde::Serialize;
use std::collections::BTreeMap;

/// SQL of the function-to-function calls per edge.
pub const CALLS_SQL: &str = include_str!("../../queries/insight_calls.sql");
/// SQL of the routes of each function's traced requests.
pub const ROUTES_SQL: &str = include_str!("../../queries/insight_routes.sql");
/// SQL of the same-named children of traced requests.
pub const FAN_OUT_SQL: &str = include_str!("../../queries/insight_fan_out.sql");
/// SQL of each account and region's concurrency hour by hour.
pub const ACCOUNT_CONCURRENCY_SQL: &str =
    include_str!("../../queries/insight_account_concurrency.sql");
/// SQL of one account's invocations during its busiest hour.
pub const ACCOUNT_HOUR_SQL: &str = include_str!("../../queries/insight_account_hour.sql");
/// SQL of each function's invocations and configuration.
pub const FUNCTIONS_SQL: &str = include_str!("../../queries/insight_functions.sql");
/// SQL of the functions that may have outrun the scaling rate.
pub const SCALING_CANDIDATES_SQL: &str =
    include_str!("../../queries/insight_scaling_candidates.sql");
/// SQL of one function's invocations (starts and durations).
pub const FUNCTION_INVOCATIONS_SQL: &str =
    include_str!("../../queries/insight_function_invocations.sql");

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
    type Error = Error;
    fn try_from(r: &super::ReportRequest) -> Result<Self> {
        let account_limit = r.account_limit.unwrap_or(AWS_DEFAULT_ACCOUNT_LIMIT);
        if account_limit == 0 {
            return Err(Error::Invalid(
                "account_limit must be at least 1 concurrent execution".into(),
            ));
        }
        Ok(InsightsOptions { account_limit })
    }
}

/// The busiest moment of an account and region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConcurrencyPeak {
    /// `provider/account/region`.
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
    /// Each account and region's concurrency hour by hour, in the order
    /// of `account_peaks`.
    pub account_series: Vec<ConcurrencySeries>,
    /// SERVER spans of functions in the window: the traced requests the
    /// trace findings rest on.
    pub traced_invocations: u64,
    /// Queries behind the numbers.
    pub queries: Vec<QueryTrace>,
}

/// The window a report reads, and the queries it ran.
struct Window<'a> {
    store: &'a Store,
    tenant: &'a str,
    range: TimeRange,
    queries: Vec<QueryTrace>,
}

impl Window<'_> {
    /// Days in the window.
    fn days(&self) -> f64 {
        (self.range.to - self.range.from).num_milliseconds() as f64 / 86_400_000.0
    }

    /// Runs `sql` (file `name`) with `leading` values bound first, then
    /// the tenant and the window `times` times (a query that reads several
    /// tables repeats the window for each), and records its trace.
    async fn fetch<T>(
        &mut self,
        name: &'static str,
        sql: &'static str,
        leading: &[&str],
        times: usize,
    ) -> Result<Vec<T>>
    where
        T: clickhouse::RowOwned + clickhouse::RowRead,
    {
        let window = (self.range.from.timestamp(), self.range.to.timestamp());
        self.fetch_over(name, sql, leading, &vec![window; times])
            .await
    }

    /// Like [`Window::fetch`], over other spans of time (epoch seconds),
    /// the tenant before each.
    async fn fetch_over<T>(
        &mut self,
        name: &'static str,
        sql: &'static str,
        leading: &[&str],
        spans: &[(i64, i64)],
    ) -> Result<Vec<T>>
    where
        T: clickhouse::RowOwned + clickhouse::RowRead,
    {
        let mut query = self.store.client().query(sql);
        let mut params: Vec<String> = leading.iter().map(|v| v.to_string()).collect();
        for value in leading {
            query = query.bind(*value);
        }
        for &(from, to) in spans {
            query = query.bind(self.tenant).bind(from).bind(to);
            params.extend([self.tenant.to_string(), from.to_string(), to.to_string()]);
        }
        let rows = super::traced_fetch(name, query).await?;
        self.queries.push(QueryTrace::new(name, sql, params));
        Ok(rows)
    }
}

/// Findings over `tenant`'s data in `range`.
pub async fn insights_report(
    store: &Store,
    tenant: &str,
    range: TimeRange,
    options: InsightsOptions,
) -> Result<InsightsReport> {
    let mut w = Window {
        store,
        tenant,
        range,
        queries: Vec::new(),
    };
    let window_days = w.days();
    let at = range.to;
    let functions = invocations::functions(&mut w).await?;

    // Traced requests per function, from their routes; traces are
    // sampled, so money from them is scaled by each function's
    // invocations per traced request.
    let routes = traces::routes(&mut w).await?;
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
    let edges = traces::call_edges(&mut w).await?;
    findings.extend(waits_on_function(
        &edges,
        |caller| {
            let f = functions.get(caller)?;
            Some(CallerPrice {
                pico_per_ms: f.pico_per_ms(f.memory_mb, at),
                scale: scale(caller),
            })
        },
        window_days,
    ));
    findings.extend(doing_too_much(
        &routes,
        |key| {
            let f = functions.get(key)?;
            let (min_memory_mb, step_mb) = invocations::memory_steps(&f.provider)?;
            Some(FunctionPrice {
                memory_mb: f.memory_mb,
                min_memory_mb,
                step_mb,
                scale: scale(key),
            })
        },
        |key, mb| functions.get(key).map(|f| f.pico_per_ms(mb, at)),
        window_days,
    ));
    let groups = traces::child_groups(&mut w).await?;
    findings.extend(sequential_fan_out(&groups, |key| {
        traced.get(key).copied().unwrap_or(0)
    }));

    let concurrency = invocations::concurrency(&mut w, options.account_limit).await?;
    findings.extend(near_account_limit(
        &concurrency.peaks,
        options.account_limit,
    ));
    let bursts = invocations::scaling_bursts(&mut w, &functions).await?;
    findings.extend(above_scaling_rate(&bursts));
    findings.extend(invocations::idle_provisioned(&mut w, &functions).await?);

    sort_findings(&mut findings);
    Ok(InsightsReport {
        window_days,
        account_limit: options.account_limit,
        findings,
        account_peaks: concurrency.account_peaks,
        account_series: concurrency.account_series,
        traced_invocations: traced.values().sum(),
        queries: w.queries,
    })
}
