//! Analyses as the CLI, the HTTP API and the web UI show them: each runs its
//! queries (files under `queries/`), hands the rows to a pure model, and
//! returns a serializable report that names the queries behind its numbers.
//!
//! This is the only part of the analyzer that does I/O besides `summary`.

pub mod anomalies;
pub mod bill;
pub mod cold_starts;
pub mod forecast;
mod function_usage;
pub mod insights;
pub mod rightsizing;
pub mod warnings;

use crate::{Error, Result, TimeRange};
use chrono::{DateTime, Utc};
use faasight_store::Store;
use serde::{Deserialize, Serialize};

/// Declares the analyses once: each line names the kind, its name in URLs
/// and commands, its module, its report type and the function that makes
/// it. From the list come [`ReportKind`] with [`ReportKind::ALL`], the
/// [`Report`] enum and [`run`]'s dispatch, so adding an analysis is one
/// line here plus its module; the compiler asks for the rest (the
/// function's last argument is built from the request with `TryFrom`).
macro_rules! analyses {
    ($(
        $(#[doc = $doc:literal])*
        $kind:ident => $name:literal, $module:ident :: $report:ident, $make:ident;
    )*) => {
        /// The analyses offered through the CLI and the HTTP API, by the
        /// name both use (`faasight bill`, `GET /api/v1/bill`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ReportKind {
            $($(#[doc = $doc])* $kind,)*
        }

        impl ReportKind {
            /// Every kind, in the order the README lists them.
            pub const ALL: &'static [ReportKind] = &[$(ReportKind::$kind),*];

            /// The name in URLs and commands.
            pub fn name(self) -> &'static str {
                match self {
                    $(ReportKind::$kind => $name,)*
                }
            }
        }

        /// A report of any kind; serializes as the report itself.
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(untagged)]
        pub enum Report {
            $($(#[doc = $doc])* $kind($module::$report),)*
        }

        /// Runs the analysis `kind` for `request` over `tenant`'s data.
        /// The single entry point of the CLI and the HTTP API, which is
        /// what makes them agree. `tenant` is the caller's decision (the
        /// API passes the tenant it authorised), never read from
        /// `request` here.
        pub async fn run(
            store: &Store,
            kind: ReportKind,
            request: &ReportRequest,
            tenant: &str,
            now: DateTime<Utc>,
        ) -> Result<Report> {
            use tracing::Instrument;
            let range = request.range(now)?;
            let span = faasight_telemetry::export_span!(
                "analysis",
                otel.name = %format_args!("analysis {}", kind.name()),
                faasight.analysis = kind.name(),
                faasight.tenant = tenant,
                faasight.range.from = %range.from.to_rfc3339(),
                faasight.range.to = %range.to.to_rfc3339(),
            );
            async {
                Ok::<_, Error>(match kind {
                    $(ReportKind::$kind => Report::$kind(
                        $module::$make(store, tenant, range, TryFrom::try_from(request)?).await?,
                    ),)*
                })
            }
            .instrument(span)
            .await
        }
    };
}

analyses! {
    /// Monthly bill with tiers and free allowances.
    Bill => "bill", bill::BillReport, bill_report;
    /// Memory right-sizing advice.
    Rightsizing => "rightsizing", rightsizing::RightsizingReport, rightsizing_report;
    /// Cold-start rates, causes and INIT's share of cost.
    ColdStarts => "cold-starts", cold_starts::ColdStartsReport, cold_starts_report;
    /// Daily cost and invocation forecasts with prediction intervals.
    Forecast => "forecast", forecast::ForecastReport, forecast_report;
    /// Hourly anomalies against hour-of-week baselines.
    Anomalies => "anomalies", anomalies::AnomaliesReport, anomalies_report;
    /// Per-function warnings (cold starts, memory, timeouts, cost increase).
    Warnings => "warnings", warnings::WarningsReport, warnings_report;
    /// Serverless anti-patterns, concurrency limits and idle money.
    Insights => "insights", insights::InsightsReport, insights_report;
}

impl std::str::FromStr for ReportKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        ReportKind::ALL
            .iter()
            .copied()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = ReportKind::ALL.iter().map(|k| k.name()).collect();
                Error::Invalid(format!(
                    "unknown analysis {s:?}; the analyses are {}",
                    names.join(", ")
                ))
            })
    }
}

/// What a report is asked for: the same fields whether they come from CLI
/// flags or from an HTTP query string, so both give the same answer.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportRequest {
    /// The tenant asked for. [`run`] does not read it: the HTTP API
    /// authorises it against the user (their first tenant when absent)
    /// and the CLI takes `--tenant`.
    pub tenant: Option<String>,
    /// Days of history, ending at `to` (default 30).
    pub days: Option<u32>,
    /// End of the window, RFC 3339 (default: now).
    pub to: Option<DateTime<Utc>>,
    /// Bill: apply the AWS Lambda free tier.
    pub aws_free_tier: Option<bool>,
    /// Bill: the price of self-hosted capacity (Knative, OpenFaaS), e.g.
    /// `vcpu-hour=0.0316,gb-hour=0.0042,vcpu-per-gb=0.5`.
    pub node_price: Option<String>,
    /// Right-sizing: `cost`, `speed` or `balanced` (default `cost`).
    pub strategy: Option<String>,
    /// Right-sizing: weight of cost against speed for `balanced`, 0–1.
    pub balanced_weight: Option<f64>,
    /// Right-sizing: memory headroom over the p99 used, in % (default 20).
    pub headroom_pct: Option<f64>,
    /// Cold starts: rates by `function` (default), `version`, `region`,
    /// `runtime`, `memory`, `trigger` or `day`. Forecast: by `function`,
    /// `provider` or `total` (default).
    pub by: Option<String>,
    /// Forecast: days ahead (default 30).
    pub horizon_days: Option<u32>,
    /// Forecast: prediction interval level in % (51–99, default 80).
    pub level_pct: Option<f64>,
    /// Anomalies: the |score| from which an hour is an anomaly (default 4).
    pub threshold: Option<f64>,
    /// Warnings: threshold overrides, e.g. `cold_start_pct=2,memory_pct=90`.
    pub thresholds: Option<String>,
    /// Insights: concurrent executions an AWS account allows per region
    /// (default 1,000, AWS's default quota).
    pub account_limit: Option<u32>,
}

impl ReportRequest {
    /// Default length of the window, in days.
    pub const DEFAULT_DAYS: u32 = 30;

    /// The window `[to - days, to)`; `now` stands in for a missing `to`.
    pub fn range(&self, now: DateTime<Utc>) -> Result<TimeRange> {
        let days = self.days.unwrap_or(Self::DEFAULT_DAYS);
        if days == 0 || days > 3660 {
            return Err(Error::Invalid(format!(
                "days must be between 1 and 3660, not {days}"
            )));
        }
        let to = self.to.unwrap_or(now);
        let from = to
            .checked_sub_signed(chrono::Duration::days(i64::from(days)))
            .ok_or_else(|| {
                Error::Invalid(format!("to {to} minus {days} days leaves the calendar"))
            })?;
        TimeRange::new(from, to)
    }
}

/// One query behind a report: its file, its text and the values bound to
/// its placeholders, in order, so a number can be traced and re-run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryTrace {
    /// File name under `analyzer/src/queries/`.
    pub name: &'static str,
    /// The SQL as sent (placeholders `?` bound to `params`).
    pub sql: &'static str,
    /// Bound values, in placeholder order, as text.
    pub params: Vec<String>,
}

impl QueryTrace {
    /// A trace of `sql` from file `name` with its bound values.
    pub fn new(name: &'static str, sql: &'static str, params: Vec<String>) -> Self {
        QueryTrace { name, sql, params }
    }

    /// A trace of a query shaped as [`fetch_window`] runs it: `leading`
    /// values, then the tenant and the window's bounds in epoch seconds.
    fn window(
        name: &'static str,
        sql: &'static str,
        leading: &[&str],
        tenant: &str,
        range: TimeRange,
    ) -> Self {
        let mut params: Vec<String> = leading.iter().map(|v| v.to_string()).collect();
        params.extend([
            tenant.to_string(),
            range.from.timestamp().to_string(),
            range.to.timestamp().to_string(),
        ]);
        QueryTrace::new(name, sql, params)
    }
}

/// Runs the query `sql` (file `name`) whose placeholders are `leading`
/// values followed by the tenant and the window's bounds in epoch seconds —
/// the shape of every report query — and returns its rows with its trace.
async fn fetch_window<T>(
    store: &Store,
    name: &'static str,
    sql: &'static str,
    leading: &[&str],
    tenant: &str,
    range: TimeRange,
) -> Result<(Vec<T>, QueryTrace)>
where
    T: clickhouse::RowOwned + clickhouse::RowRead,
{
    let mut query = store.client().query(sql);
    for value in leading {
        query = query.bind(*value);
    }
    let rows = traced_fetch(
        name,
        query
            .bind(tenant)
            .bind(range.from.timestamp())
            .bind(range.to.timestamp()),
    )
    .await?;
    Ok((rows, QueryTrace::window(name, sql, leading, tenant, range)))
}

/// Runs a bound query (file `name`) inside a span of its own, so that an
/// analysis' waterfall shows each query and its rows.
pub(crate) async fn traced_fetch<T>(
    name: &'static str,
    query: clickhouse::query::Query,
) -> Result<Vec<T>>
where
    T: clickhouse::RowOwned + clickhouse::RowRead,
{
    use tracing::Instrument;
    let span = faasight_telemetry::db::statement_span("SELECT", name);
    let result = query.fetch_all().instrument(span.clone()).await;
    match &result {
        Ok(rows) => faasight_telemetry::db::record_rows(&span, "SELECT", rows.len()),
        Err(_) => faasight_telemetry::db::record_error(&span, "clickhouse"),
    }
    result.map_err(|source| Error::Query {
        query: name,
        source,
    })
}
