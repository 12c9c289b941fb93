//! The warnings report: per-function figures of the window (the
//! materialized usage, [`super::function_usage`], added up per function)
//! and the cost of the window before it (`cost_per_function.sql`), checked
//! by [`crate::warnings::function_warnings`].

use super::QueryTrace;
use crate::warnings::{function_warnings, Warning, WarningThresholds};
use crate::{Error, Result, TimeRange};
use faasight_store::{PicoUsd, Store};
use polars::prelude::{df, DataFrame};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// SQL of the previous period's cost per function.
pub const COST_PER_FUNCTION_SQL: &str = include_str!("../queries/cost_per_function.sql");

/// One function's figures over the window.
#[derive(Debug)]
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
    cost_pico: i64,
}

/// Each function's figures from its rows per memory size and
/// architecture: sums over all of them; memory size, timeout and memory
/// used those of the latest size (memory used at an older size says
/// nothing about the current one); the p99 duration from the merged
/// histograms. In function-key order. Pure.
fn function_rows(usage: &[super::function_usage::FunctionUsage]) -> Result<Vec<FunctionRow>> {
    use super::function_usage::{merge_histograms, FunctionUsage};
    use std::collections::BTreeMap;
    let mut by_function: BTreeMap<String, Vec<&FunctionUsage>> = BTreeMap::new();
    for u in usage {
        by_function.entry(u.key()).or_default().push(u);
    }
    by_function
        .into_iter()
        .map(|(function, rows)| {
            let latest = rows
                .iter()
                .max_by_key(|u| u.last_seen)
                .expect("a function has a row");
            let parts: Vec<(&[u16], &[u64])> = rows
                .iter()
                .map(|u| (u.duration_buckets.as_slice(), u.duration_counts.as_slice()))
                .collect();
            let (duration_buckets, duration_counts) = merge_histograms(&parts);
            let merged = FunctionUsage {
                duration_buckets,
                duration_counts,
                ..(*latest).clone()
            };
            let cost_pico = rows
                .iter()
                .map(|u| cost("function_usage.sql", &u.cost_usd))
                .sum::<Result<i64>>()?;
            Ok(FunctionRow {
                function,
                invocations: rows.iter().map(|u| u.invocations).sum(),
                cold_starts: rows.iter().map(|u| u.cold_starts).sum(),
                memory_mb: latest.memory_mb,
                max_memory_used_mb: rows
                    .iter()
                    .filter(|u| u.memory_mb == latest.memory_mb)
                    .map(|u| u.max_memory_max)
                    .max()
                    .unwrap_or(0),
                timeout_ms: latest.timeout_ms_last,
                duration_p99_ms: merged.duration_quantile(0.99),
                duration_max_ms: rows.iter().map(|u| u.duration_max).fold(0.0, f64::max),
                timeouts: rows.iter().map(|u| u.timeouts).sum(),
                oom_errors: rows.iter().map(|u| u.oom_errors).sum(),
                cost_pico,
            })
        })
        .collect()
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
    let costs: Vec<i64> = rows.iter().map(|r| r.cost_pico).collect();
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
    let ((usage, current_trace), (previous, previous_trace)) = tokio::try_join!(
        super::function_usage::function_usage(store, tenant, range, false),
        super::fetch_window::<CostRow>(
            store,
            "cost_per_function.sql",
            COST_PER_FUNCTION_SQL,
            &[],
            tenant,
            TimeRange::new(previous_from, range.from)?,
        ),
    )?;
    let rows = function_rows(&usage)?;
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
    use crate::reports::function_usage::FunctionUsage;

    fn usage(memory_mb: u32, last_seen: i64, durations: (&[u16], &[u64])) -> FunctionUsage {
        FunctionUsage {
            provider: "aws_lambda".into(),
            account: "1".into(),
            region: "eu-west-1".into(),
            function: "api".into(),
            memory_mb,
            arch: "arm64".into(),
            runtime: "python3.12".into(),
            last_seen,
            timeout_ms_max: 3_000,
            timeout_ms_last: u32::try_from(last_seen).unwrap(),
            invocations: durations.1.iter().sum(),
            cold_starts: 1,
            timeouts: 2,
            oom_errors: 0,
            duration_sum: "0".into(),
            duration_max: last_seen as f64,
            billed_ms: 0,
            cost_usd: "0.000000000001".into(),
            max_memory_max: memory_mb / 2,
            duration_buckets: durations.0.to_vec(),
            duration_counts: durations.1.to_vec(),
            memory_values: vec![],
            memory_counts: vec![],
        }
    }

    #[test]
    fn a_functions_sizes_add_up_and_the_latest_size_speaks_for_memory() {
        // 512 MB until t = 5, then 1024 MB (t = 9); 100 calls in all.
        let rows = [
            usage(512, 5, (&[10, 20], &[40, 10])),
            usage(1024, 9, (&[20, 30], &[49, 1])),
        ];
        let f = function_rows(&rows).unwrap();
        assert_eq!(f.len(), 1);
        let f = &f[0];
        assert_eq!(f.function, "aws_lambda/1/eu-west-1/api");
        assert_eq!((f.invocations, f.cold_starts, f.timeouts), (100, 2, 4));
        assert_eq!(
            (f.memory_mb, f.max_memory_used_mb, f.timeout_ms),
            (1024, 512, 9)
        );
        assert_eq!(f.cost_pico, 2);
        assert_eq!(f.duration_max_ms, 9.0);
        // Merged: bucket 10 ×40, 20 ×59, 30 ×1. p99 is rank ⌊99⌋ = 99 of
        // 0..99: the last, bucket 30.
        let bucket_30 = 0.001 * 1.005f64.powf(29.5);
        assert!(
            (f.duration_p99_ms - bucket_30).abs() < 1e-12,
            "{}",
            f.duration_p99_ms
        );
    }

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
            cost_pico: 200_000,
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
