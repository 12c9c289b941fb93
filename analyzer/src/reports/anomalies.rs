//! The anomaly report: hourly cost, invocations, errors and cold starts per
//! function (`hourly_series.sql`, from the rollup), judged by
//! [`crate::anomalies::detect_anomalies`]. The series is fetched from
//! [`HISTORY_WEEKS`] weeks before the report's window, so the window's first
//! hours are judged on the same history as its last; only what lies in the
//! window is reported.

use super::QueryTrace;
use crate::anomalies::{detect_anomalies, AnomalyOptions, AnomalyReport};
use crate::explore::FunctionKey;
use crate::{Error, Result, TimeRange};
use faasight_store::{PicoUsd, Store};
use polars::prelude::{df, DataFrame};
use serde::{Deserialize, Serialize};

/// Weeks of history fetched before a report's window, at most (the
/// default lookback).
pub const HISTORY_WEEKS: usize = 6;

/// SQL of the hourly series query.
pub const HOURLY_SERIES_SQL: &str = include_str!("../queries/hourly_series.sql");
/// SQL of one function's hourly series.
pub const FUNCTION_HOURLY_SERIES_SQL: &str = include_str!("../queries/function_hourly_series.sql");

#[derive(Debug, clickhouse::Row, Deserialize)]
struct HourRow {
    key: String,
    hour_epoch: i64,
    invocations: u64,
    errors: u64,
    cold_starts: u64,
    cost_usd: String,
}

/// The anomaly report with the query behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnomaliesReport {
    /// Anomalies (highest |score| first) and counts per function.
    #[serde(flatten)]
    pub result: AnomalyReport,
    /// Queries behind the numbers.
    pub queries: Vec<QueryTrace>,
}

fn hourly_frame(rows: &[HourRow]) -> Result<DataFrame> {
    let costs = rows
        .iter()
        .map(|r| {
            PicoUsd::parse_decimal(&r.cost_usd)
                .map(PicoUsd::as_usd_f64)
                .ok_or_else(|| Error::BadValue {
                    query: "hourly_series.sql",
                    what: "cost_usd",
                    value: r.cost_usd.clone(),
                })
        })
        .collect::<Result<Vec<f64>>>()?;
    df!(
        "key" => rows.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
        "hour" => rows.iter().map(|r| r.hour_epoch).collect::<Vec<i64>>(),
        "cost_usd" => costs,
        "invocations" => rows.iter().map(|r| r.invocations as f64).collect::<Vec<f64>>(),
        "errors" => rows.iter().map(|r| r.errors as f64).collect::<Vec<f64>>(),
        "cold_starts" => rows.iter().map(|r| r.cold_starts as f64).collect::<Vec<f64>>(),
    )
    .map_err(|e| Error::Model(format!("cannot build the hourly series frame: {e}")))
}

/// Anomalies in the hourly series of `tenant`'s functions over `range`.
pub async fn anomalies_report(
    store: &Store,
    tenant: &str,
    range: TimeRange,
    options: AnomalyOptions,
) -> Result<AnomaliesReport> {
    judge(store, tenant, None, range, options).await
}

/// The same for one function (its page).
pub async fn function_anomalies_report(
    store: &Store,
    tenant: &str,
    key: &FunctionKey,
    range: TimeRange,
    options: AnomalyOptions,
) -> Result<AnomaliesReport> {
    judge(store, tenant, Some(key), range, options).await
}

async fn judge(
    store: &Store,
    tenant: &str,
    key: Option<&FunctionKey>,
    range: TimeRange,
    options: AnomalyOptions,
) -> Result<AnomaliesReport> {
    let with_history = TimeRange {
        from: range.from
            - chrono::Duration::weeks(options.lookback_weeks.min(HISTORY_WEEKS) as i64),
        to: range.to,
    };
    let (rows, trace) = match key {
        None => {
            super::fetch_window::<HourRow>(
                store,
                "hourly_series.sql",
                HOURLY_SERIES_SQL,
                &[],
                tenant,
                with_history,
            )
            .await?
        }
        Some(k) => {
            let leading = [
                k.provider.as_str(),
                k.account.as_str(),
                k.region.as_str(),
                k.function.as_str(),
            ];
            super::fetch_window::<HourRow>(
                store,
                "function_hourly_series.sql",
                FUNCTION_HOURLY_SERIES_SQL,
                &leading,
                tenant,
                with_history,
            )
            .await?
        }
    };
    let result = detect_anomalies(&hourly_frame(&rows)?, options)
        .map_err(Error::from)?
        .since(range.from.timestamp());
    Ok(AnomaliesReport {
        result,
        queries: vec![trace],
    })
}

impl TryFrom<&super::ReportRequest> for AnomalyOptions {
    type Error = Error;

    fn try_from(r: &super::ReportRequest) -> Result<Self> {
        let mut options = AnomalyOptions::default();
        if let Some(t) = r.threshold {
            options.threshold = t;
        }
        Ok(options)
    }
}
