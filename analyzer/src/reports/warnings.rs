//! The warnings report: per-function figures of the window
//! (`warnings_input.sql`) and the cost of the window before it
//! (`cost_per_function.sql`), checked by [`crate::warnings::function_warnings`].

use super::QueryTrace;
use crate::warnings::{function_warnings, Warning, WarningThresholds};
use crate::{Error, Result, TimeRange};
use faasight_store::{PicoUsd, Store};
use polars::prelude::{df, DataFrame};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// SQL of the per-function figures.
pub const WARNINGS_INPUT_SQL: &str = include_str!("../queries/warnings_input.sql");
/// SQL of the previous period's cost per function.
pub const COST_PER_FUNCTION_SQL: &str = include_str!("../queries/cost_per_function.sql");

#[derive(Debug, clickhouse::Row, Deserialize)]
struct FunctionRow {
    function: String,
    invocations: u64,
    cold_starts: u64,
    memory_mb: u32,
    max_memory_used_mb: u32,
    timeout_ms: u32,
    duration_p99_ms: f64,
    duration_max_ms: f64,
    timeouts: u64,
    oom_errors: u64,
    cost_usd: String,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct CostRow {
    function: String,
    cost_usd: String,
}

/// The warnings report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WarningsReport {
    /// Thresholds applied.
    pub thresholds: WarningThresholds,
    /// Warnings, per function in name order.
    pub warnings: Vec<Warning>,
    /// Queries behind the numbers.
    pub queries: Vec<QueryTrace>,
}

fn cost(query: &'static str, text: &str) -> Result<i64> {
    PicoUsd::parse_decimal(text)
        .map(|p| p.0)
        .ok_or_else(|| Error::BadValue {
            query,
            what: "cost_usd",
            value: text.to_string(),
        })
}

fn warnings_frame(rows: &[FunctionRow], previous: &HashMap<String, i64>) -> Result<DataFrame> {
    let costs = rows
        .iter()
        .map(|r| cost("warnings_input.sql", &r.cost_usd))
        .collect::<Result<Vec<i64>>>()?;
    df!(
        "function" => rows.iter().map(|r| r.function.as_str()).collect::<Vec<_>>(),
        "invocations" => rows.iter().map(|r| r.invocations).collect::<Vec<u64>>(),
        "cold_starts" => rows.iter().map(|r| r.cold_starts).collect::<Vec<u64>>(),
        "memory_mb" => rows.iter().map(|r| r.memory_mb).collect::<Vec<u32>>(),
        "max_memory_used_mb" => rows.iter().map(|r| r.max_memory_used_mb).collect::<Vec<u32>>(),
        "timeout_ms" => rows.iter().map(|r| r.timeout_ms).collect::<Vec<u32>>(),
        "duration_p99_ms" => rows.iter().map(|r| r.duration_p99_ms).collect::<Vec<f64>>(),
        "duration_max_ms" => rows.iter().map(|r| r.duration_max_ms).collect::<Vec<f64>>(),
        "timeouts" => rows.iter().map(|r| r.timeouts).collect::<Vec<u64>>(),
        "oom_errors" => rows.iter().map(|r| r.oom_errors).collect::<Vec<u64>>(),
        "cost_pico" => costs,
        "previous_cost_pico" => rows.iter().map(|r| previous.get(&r.function).copied().unwrap_or(0)).collect::<Vec<i64>>(),
    )
    .map_err(|e| Error::Model(format!("cannot build the warnings frame: {e}")))
}

/// Warnings for `tenant`'s functions over `range`, the cost increase
/// measured against the window of the same length before it.
pub async fn warnings_report(
    store: &Store,
    tenant: &str,
    range: TimeRange,
    thresholds: WarningThresholds,
) -> Result<WarningsReport> {
    let previous_from = range.from - (range.to - range.from);
    let (rows, current_trace) = super::fetch_window::<FunctionRow>(
        store,
        "warnings_input.sql",
        WARNINGS_INPUT_SQL,
        &[],
        tenant,
        range,
    )
    .await?;
    let (previous, previous_trace) = super::fetch_window::<CostRow>(
        store,
        "cost_per_function.sql",
        COST_PER_FUNCTION_SQL,
        &[],
        tenant,
        TimeRange::new(previous_from, range.from)?,
    )
    .await?;
    let previous = previous
        .into_iter()
        .map(|r| Ok((r.function, cost("cost_per_function.sql", &r.cost_usd)?)))
        .collect::<Result<HashMap<String, i64>>>()?;
    let warnings =
        function_warnings(&warnings_frame(&rows, &previous)?, &thresholds).map_err(Error::from)?;
    Ok(WarningsReport {
        thresholds,
        warnings,
        queries: vec![current_trace, previous_trace],
    })
}

impl TryFrom<&super::ReportRequest> for WarningThresholds {
    type Error = Error;

    /// The defaults, with the request's overrides (`name=value,…`).
    fn try_from(r: &super::ReportRequest) -> Result<Self> {
        match &r.thresholds {
            None => Ok(WarningThresholds::default()),
            Some(spec) => WarningThresholds::with_overrides(spec).map_err(Error::from),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_new_in_this_window_has_no_previous_cost() {
        let row = FunctionRow {
            function: "new".into(),
            invocations: 1,
            cold_starts: 1,
            memory_mb: 128,
            max_memory_used_mb: 0,
            timeout_ms: 0,
            duration_p99_ms: 1.0,
            duration_max_ms: 1.0,
            timeouts: 0,
            oom_errors: 0,
            cost_usd: "0.000000200000".into(),
        };
        let previous = HashMap::from([("old".to_string(), 5)]);
        let frame = warnings_frame(&[row], &previous).unwrap();
        let p: Vec<Option<i64>> = frame
            .column("previous_cost_pico")
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(p, vec![Some(0)]);
        let c: Vec<Option<i64>> = frame
            .column("cost_pico")
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(c, vec![Some(200_000)]);
    }
}
