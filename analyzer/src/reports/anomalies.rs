//! The anomaly report: hourly cost, invocations, errors and cold-start rate
//! per function (`hourly_series.sql`, from the rollup) scored against their
//! hour-of-week baselines by [`crate::anomalies::detect_anomalies`].

use super::QueryTrace;
use crate::anomalies::{detect_anomalies, AnomalyOptions, AnomalyReport};
use crate::{Error, Result, TimeRange};
use faasight_store::{PicoUsd, Store};
use polars::prelude::{df, DataFrame};
use serde::{Deserialize, Serialize};

/// SQL of the hourly series query.
pub const HOURLY_SERIES_SQL: &str = include_str!("../queries/hourly_series.sql");

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
    // No invocations: no rate (not a rate of 0).
    let rate =
        |r: &HourRow| (r.invocations > 0).then(|| r.cold_starts as f64 / r.invocations as f64);
    df!(
        "key" => rows.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(),
        "hour" => rows.iter().map(|r| r.hour_epoch).collect::<Vec<i64>>(),
        "cost_usd" => costs,
        "invocations" => rows.iter().map(|r| r.invocations as f64).collect::<Vec<f64>>(),
        "errors" => rows.iter().map(|r| r.errors as f64).collect::<Vec<f64>>(),
        "cold_start_rate" => rows.iter().map(rate).collect::<Vec<Option<f64>>>(),
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
    let (rows, trace) = super::fetch_window::<HourRow>(
        store,
        "hourly_series.sql",
        HOURLY_SERIES_SQL,
        &[],
        tenant,
        range,
    )
    .await?;
    let result = detect_anomalies(&hourly_frame(&rows)?, options).map_err(Error::from)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_hour_without_invocations_has_no_cold_start_rate() {
        let row = |n: u64, cold: u64| HourRow {
            key: "f".into(),
            hour_epoch: 3600 * n as i64,
            invocations: n,
            errors: 0,
            cold_starts: cold,
            cost_usd: "0.000001000000".into(),
        };
        let frame = hourly_frame(&[row(0, 0), row(4, 1)]).unwrap();
        let rates: Vec<Option<f64>> = frame
            .column("cold_start_rate")
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(rates, vec![None, Some(0.25)]);
    }
}
