//! Analyses as the CLI, the HTTP API and the web UI show them: each runs its
//! queries (files under `queries/`), hands the rows to a pure model, and
//! returns a serializable report that names the queries behind its numbers.
//!
//! This is the only part of the analyzer that does I/O besides `summary`.

pub mod anomalies;
pub mod bill;
pub mod cold_starts;
pub mod forecast;
pub mod recommend;
pub mod warnings;

use crate::monthly_bill::BillOptions;
use crate::{Error, Result, TimeRange};
use chrono::{DateTime, Utc};
use faasight_store::Store;
use serde::{Deserialize, Serialize};

/// The analyses offered through the CLI and the HTTP API, by the name both
/// use (`faasight bill`, `GET /api/v1/bill`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// Monthly bill with tiers and free allowances.
    Bill,
    /// Memory right-sizing advice.
    Recommendations,
    /// Cold-start rates, causes and INIT's share of cost.
    ColdStarts,
    /// Daily cost and invocation forecasts with prediction intervals.
    Forecast,
    /// Hourly anomalies against hour-of-week baselines.
    Anomalies,
    /// Per-function warnings (cold starts, memory, timeouts, cost increase).
    Warnings,
}

impl ReportKind {
    /// Every kind, in the order the README lists them.
    pub const ALL: [ReportKind; 6] = [
        ReportKind::Bill,
        ReportKind::Recommendations,
        ReportKind::ColdStarts,
        ReportKind::Forecast,
        ReportKind::Anomalies,
        ReportKind::Warnings,
    ];

    /// The name in URLs and commands.
    pub fn name(self) -> &'static str {
        match self {
            ReportKind::Bill => "bill",
            ReportKind::Recommendations => "recommendations",
            ReportKind::ColdStarts => "cold-starts",
            ReportKind::Forecast => "forecast",
            ReportKind::Anomalies => "anomalies",
            ReportKind::Warnings => "warnings",
        }
    }
}

impl std::str::FromStr for ReportKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        ReportKind::ALL
            .into_iter()
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
    /// Tenant (default: `default`, or the UI's configured tenant).
    pub tenant: Option<String>,
    /// Days of history, ending at `to` (default 30).
    pub days: Option<u32>,
    /// End of the window, RFC 3339 (default: now).
    pub to: Option<DateTime<Utc>>,
    /// Bill: apply the AWS Lambda free tier.
    pub aws_free_tier: Option<bool>,
    /// Recommendations: `cost`, `speed` or `balanced` (default `cost`).
    pub strategy: Option<String>,
    /// Recommendations: weight of cost against speed for `balanced`, 0–1.
    pub balanced_weight: Option<f64>,
    /// Recommendations: memory headroom over the p99 used, in % (default 20).
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
        TimeRange::new(to - chrono::Duration::days(i64::from(days)), to)
    }

    /// The tenant, or `default_tenant`.
    pub fn tenant_or<'a>(&'a self, default_tenant: &'a str) -> &'a str {
        self.tenant.as_deref().unwrap_or(default_tenant)
    }
}

/// A report of any kind; serializes as the report itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Report {
    /// See [`bill::BillReport`].
    Bill(bill::BillReport),
    /// See [`recommend::RecommendationsReport`].
    Recommendations(recommend::RecommendationsReport),
    /// See [`cold_starts::ColdStartsReport`].
    ColdStarts(cold_starts::ColdStartsReport),
    /// See [`forecast::ForecastReport`].
    Forecast(forecast::ForecastReport),
    /// See [`anomalies::AnomaliesReport`].
    Anomalies(anomalies::AnomaliesReport),
    /// See [`warnings::WarningsReport`].
    Warnings(warnings::WarningsReport),
}

/// Runs the analysis `kind` for `request`. The single entry point of the
/// CLI and the HTTP API, which is what makes them agree.
pub async fn run(
    store: &Store,
    kind: ReportKind,
    request: &ReportRequest,
    default_tenant: &str,
    now: DateTime<Utc>,
) -> Result<Report> {
    let range = request.range(now)?;
    let tenant = request.tenant_or(default_tenant);
    Ok(match kind {
        ReportKind::Bill => Report::Bill(
            bill::bill_report(
                store,
                tenant,
                range,
                BillOptions {
                    aws_free_tier: request.aws_free_tier.unwrap_or(false),
                },
            )
            .await?,
        ),
        ReportKind::Recommendations => {
            let mut options = crate::rightsizing::RightsizingOptions::default();
            if let Some(s) = &request.strategy {
                options.strategy = s
                    .parse()
                    .map_err(|e: crate::rightsizing::RightsizingError| Error::from(e))?;
            }
            if let Some(w) = request.balanced_weight {
                options.balanced_weight = w;
            }
            if let Some(h) = request.headroom_pct {
                options.headroom_pct = h;
            }
            Report::Recommendations(
                recommend::recommendations_report(store, tenant, range, options).await?,
            )
        }
        ReportKind::ColdStarts => Report::ColdStarts(
            cold_starts::cold_starts_report(
                store,
                tenant,
                range,
                request.by.as_deref().unwrap_or("function"),
            )
            .await?,
        ),
        ReportKind::Forecast => {
            let horizon = request.horizon_days.unwrap_or(30);
            if horizon == 0 || horizon > 366 {
                return Err(Error::Invalid(format!(
                    "the horizon must be 1 to 366 days, not {horizon}"
                )));
            }
            let options = crate::forecast::ForecastOptions {
                horizon: horizon as usize,
                level: request.level_pct.unwrap_or(80.0) / 100.0,
                ..Default::default()
            };
            Report::Forecast(
                forecast::forecast_report(
                    store,
                    tenant,
                    range,
                    request.by.as_deref().unwrap_or("total"),
                    options,
                )
                .await?,
            )
        }
        ReportKind::Anomalies => {
            let mut options = crate::anomalies::AnomalyOptions::default();
            if let Some(t) = request.threshold {
                options.threshold = t;
            }
            Report::Anomalies(anomalies::anomalies_report(store, tenant, range, options).await?)
        }
        ReportKind::Warnings => {
            let thresholds = match &request.thresholds {
                None => crate::warnings::WarningThresholds::default(),
                Some(spec) => {
                    crate::warnings::WarningThresholds::with_overrides(spec).map_err(Error::from)?
                }
            };
            Report::Warnings(warnings::warnings_report(store, tenant, range, thresholds).await?)
        }
    })
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
    let rows = query
        .bind(tenant)
        .bind(range.from.timestamp())
        .bind(range.to.timestamp())
        .fetch_all()
        .await
        .map_err(|source| Error::Query {
            query: name,
            source,
        })?;
    Ok((rows, QueryTrace::window(name, sql, leading, tenant, range)))
}
