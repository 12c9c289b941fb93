//! Cold-start and INIT-cost percentages per value of a dimension (function,
//! version, region, runtime, memory, trigger, time bucket). ClickHouse does
//! the counting; this turns its rows into percentages and totals and
//! refuses rows that contradict each other, so a page never shows 120 %.

use super::{key_strings, pct, present, ColdStartError, Result};
use crate::frame_input;
use faasight_store::PicoUsd;
use polars::prelude::DataFrame;
use serde::Serialize;
use std::collections::HashSet;

/// What the rows of [`rates`] are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Function key.
    Function,
    /// Function version.
    Version,
    /// Region.
    Region,
    /// Runtime.
    Runtime,
    /// Configured memory.
    Memory,
    /// Trigger.
    Trigger,
    /// Time bucket (hour, day…), as the SQL formats it.
    TimeBucket,
}

/// One value of a dimension.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateRow {
    /// The dimension's value.
    pub key: String,
    /// Invocations.
    pub invocations: u64,
    /// Cold starts (as the SQL counts them).
    pub cold_starts: u64,
    /// `cold_starts / invocations`, percent.
    pub cold_start_pct: f64,
    /// Median INIT duration, ms (`None` without cold starts).
    pub init_ms_p50: Option<f64>,
    /// 90th percentile INIT duration, ms.
    pub init_ms_p90: Option<f64>,
    /// 99th percentile INIT duration, ms.
    pub init_ms_p99: Option<f64>,
    /// Cost of billed INIT.
    pub init_cost: PicoUsd,
    /// All cost.
    pub cost: PicoUsd,
    /// `init_cost / cost`, percent.
    pub init_cost_share_pct: f64,
}

/// Totals over the rows of a [`RateTable`] (percentiles do not add up, so
/// there are none).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateTotals {
    /// Invocations.
    pub invocations: u64,
    /// Cold starts.
    pub cold_starts: u64,
    /// `cold_starts / invocations`, percent.
    pub cold_start_pct: f64,
    /// Cost of billed INIT.
    pub init_cost: PicoUsd,
    /// All cost.
    pub cost: PicoUsd,
    /// `init_cost / cost`, percent.
    pub init_cost_share_pct: f64,
}

/// The result of [`rates`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateTable {
    /// What the rows are grouped by.
    pub dimension: Dimension,
    /// One row per key, in input order.
    pub rows: Vec<RateRow>,
    /// Over all rows.
    pub totals: RateTotals,
}

fn optional_ms(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

/// Cold-start and INIT-cost percentages per value of `by`.
///
/// `frame` has one row per key, aggregated by SQL: `key` (String or
/// integer), `invocations`, `cold_starts`, `init_cost_pico`, `cost_pico`
/// (integers; costs in pico-dollars), `init_ms_p50`, `init_ms_p90`,
/// `init_ms_p99` (numbers; null or NaN when there were no cold starts).
pub fn rates(frame: &DataFrame, by: Dimension) -> Result<RateTable> {
    let keys = key_strings(frame)?;
    let invocations = frame_input::integers(frame, "invocations")?;
    let cold_starts = frame_input::integers(frame, "cold_starts")?;
    let init_costs = frame_input::integers(frame, "init_cost_pico")?;
    let costs = frame_input::integers(frame, "cost_pico")?;
    let p50 = frame_input::floats(frame, "init_ms_p50")?;
    let p90 = frame_input::floats(frame, "init_ms_p90")?;
    let p99 = frame_input::floats(frame, "init_ms_p99")?;
    let mut seen: HashSet<&str> = HashSet::new();
    let mut rows = Vec::with_capacity(keys.len());
    let mut its = (
        invocations.iter(),
        cold_starts.iter(),
        init_costs.iter(),
        costs.iter(),
        p50.iter(),
        p90.iter(),
        p99.iter(),
    );
    for (row, key) in keys.iter().enumerate() {
        let n = present(its.0.next(), "invocations", row)?;
        let cold = present(its.1.next(), "cold_starts", row)?;
        let init_cost = present(its.2.next(), "init_cost_pico", row)?;
        let cost = present(its.3.next(), "cost_pico", row)?;
        let inconsistent = |problem: String| ColdStartError::Inconsistent {
            row,
            key: key.clone(),
            problem,
        };
        if n < 0 || cold < 0 || init_cost < 0 || cost < 0 {
            return Err(inconsistent("counts and costs must be ≥ 0".into()));
        }
        if cold > n {
            return Err(inconsistent(format!(
                "{cold} cold starts out of {n} invocations"
            )));
        }
        if init_cost > cost {
            return Err(inconsistent(format!(
                "INIT cost {init_cost} exceeds the total cost {cost} (pico-USD)"
            )));
        }
        if !seen.insert(key.as_str()) {
            return Err(inconsistent("the key appears twice".into()));
        }
        rows.push(RateRow {
            key: key.clone(),
            invocations: n as u64,
            cold_starts: cold as u64,
            cold_start_pct: pct(cold as f64, n as f64),
            init_ms_p50: optional_ms(its.4.next().flatten()),
            init_ms_p90: optional_ms(its.5.next().flatten()),
            init_ms_p99: optional_ms(its.6.next().flatten()),
            init_cost: PicoUsd(init_cost),
            cost: PicoUsd(cost),
            init_cost_share_pct: pct(init_cost as f64, cost as f64),
        });
    }
    let invocations: u64 = rows.iter().map(|r| r.invocations).sum();
    let cold_starts: u64 = rows.iter().map(|r| r.cold_starts).sum();
    let init_cost: PicoUsd = rows.iter().map(|r| r.init_cost).sum();
    let cost: PicoUsd = rows.iter().map(|r| r.cost).sum();
    Ok(RateTable {
        dimension: by,
        totals: RateTotals {
            invocations,
            cold_starts,
            cold_start_pct: pct(cold_starts as f64, invocations as f64),
            init_cost,
            cost,
            init_cost_share_pct: pct(init_cost.0 as f64, cost.0 as f64),
        },
        rows,
    })
}
