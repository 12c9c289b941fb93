//! INIT's weight in the bill before and after 2025-08-01, when AWS began
//! billing the INIT phase of on-demand ZIP functions on managed runtimes.
//! Comparing the two eras separates what the billing change did to the
//! bill's composition from how the workload's own INIT changed.

use super::{key_strings, pct, present, ColdStartError, Result};
use crate::frame_input;
use chrono::{DateTime, TimeZone, Utc};
use faasight_store::PicoUsd;
use polars::prelude::DataFrame;
use serde::Serialize;
use std::collections::HashMap;

/// When AWS Lambda began billing the INIT phase of on-demand functions
/// packaged as ZIP on managed runtimes (custom runtimes and container
/// images were always billed for it):
/// <https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/>.
pub fn init_billing_from() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 8, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// One function's (or key's) usage over one side of 2025-08-01.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EraUsage {
    /// Invocations.
    pub invocations: u64,
    /// Cold starts.
    pub cold_starts: u64,
    /// Σ INIT duration of on-demand cold starts, billed or not, ms.
    pub init_ms: f64,
    /// The part of `init_ms` that was billed, ms.
    pub init_billed_ms: f64,
    /// Σ billed duration, billed INIT included, ms.
    pub billed_ms: f64,
    /// Cost of billed INIT.
    pub init_cost: PicoUsd,
    /// All cost.
    pub cost: PicoUsd,
}

/// INIT's weight in one era.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EraInitShare {
    /// Invocations.
    pub invocations: u64,
    /// `cold_starts / invocations`, percent.
    pub cold_start_pct: f64,
    /// INIT ms per invocation (`init_ms / invocations`): how much INIT the
    /// workload does, billed or not.
    pub init_ms_per_invocation: f64,
    /// `init_billed_ms / billed_ms`, percent.
    pub init_billed_share_pct: f64,
    /// `init_cost / cost`, percent.
    pub init_cost_share_pct: f64,
    /// The share of billed duration INIT takes when all of it is billed:
    /// `init_ms / (billed_ms − init_billed_ms + init_ms)`, percent. Before
    /// 2025-08-01 a what-if; after it, close to `init_billed_share_pct`.
    pub init_share_if_billed_pct: f64,
}

/// INIT's weight before and after 2025-08-01 for one key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InitBillingChange {
    /// The key (usually a function).
    pub key: String,
    /// Before 2025-08-01, when there was usage.
    pub before: Option<EraInitShare>,
    /// From 2025-08-01, when there was usage.
    pub after: Option<EraInitShare>,
    /// `after.init_cost_share_pct − before.init_cost_share_pct`, percentage
    /// points: what the change did to the bill's composition.
    pub init_cost_share_change_pp: Option<f64>,
    /// `after.init_share_if_billed_pct − before.init_share_if_billed_pct`,
    /// percentage points: how the workload's INIT itself changed (more
    /// cold starts, slower inits), billing aside.
    pub init_share_if_billed_change_pp: Option<f64>,
}

/// INIT's weight in one era's usage.
pub fn era_init_share(usage: &EraUsage) -> Result<EraInitShare> {
    let u = usage;
    let bad = |problem: &str| ColdStartError::Usage(problem.to_string());
    for (v, what) in [
        (u.init_ms, "init_ms"),
        (u.init_billed_ms, "init_billed_ms"),
        (u.billed_ms, "billed_ms"),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(bad(&format!("{what} must be a finite number ≥ 0")));
        }
    }
    if u.cold_starts > u.invocations {
        return Err(bad("more cold starts than invocations"));
    }
    if u.init_billed_ms > u.init_ms || u.init_billed_ms > u.billed_ms {
        return Err(bad("init_billed_ms exceeds init_ms or billed_ms"));
    }
    if u.init_cost.0 < 0 || u.init_cost.0 > u.cost.0 {
        return Err(bad("init_cost must be between 0 and cost"));
    }
    let if_billed_total = u.billed_ms - u.init_billed_ms + u.init_ms;
    Ok(EraInitShare {
        invocations: u.invocations,
        cold_start_pct: pct(u.cold_starts as f64, u.invocations as f64),
        init_ms_per_invocation: if u.invocations == 0 {
            0.0
        } else {
            u.init_ms / u.invocations as f64
        },
        init_billed_share_pct: pct(u.init_billed_ms, u.billed_ms),
        init_cost_share_pct: pct(u.init_cost.0 as f64, u.cost.0 as f64),
        init_share_if_billed_pct: pct(u.init_ms, if_billed_total),
    })
}

/// Compares INIT's weight before and after 2025-08-01, per key.
///
/// `frame` has at most one row per (key, era), aggregated by SQL that
/// splits at [`init_billing_from`]: `key` (String or integer), `era`
/// (String, `before` or `after`), `invocations`, `cold_starts`,
/// `init_cost_pico`, `cost_pico` (integers), `init_ms`, `init_billed_ms`,
/// `billed_ms` (numbers, see [`EraUsage`]). Keys come out in order of first
/// appearance.
pub fn init_billing_change(frame: &DataFrame) -> Result<Vec<InitBillingChange>> {
    let keys = key_strings(frame)?;
    let eras = frame_input::strings(frame, "era")?;
    let invocations = frame_input::integers(frame, "invocations")?;
    let cold_starts = frame_input::integers(frame, "cold_starts")?;
    let init_costs = frame_input::integers(frame, "init_cost_pico")?;
    let costs = frame_input::integers(frame, "cost_pico")?;
    let init_ms = frame_input::floats(frame, "init_ms")?;
    let init_billed_ms = frame_input::floats(frame, "init_billed_ms")?;
    let billed_ms = frame_input::floats(frame, "billed_ms")?;
    let mut its = (
        eras.iter(),
        invocations.iter(),
        cold_starts.iter(),
        init_costs.iter(),
        costs.iter(),
        init_ms.iter(),
        init_billed_ms.iter(),
        billed_ms.iter(),
    );
    let mut order: Vec<InitBillingChange> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (row, key) in keys.iter().enumerate() {
        let era = present(its.0.next(), "era", row)?;
        let count = |v: i64, column: &'static str| {
            u64::try_from(v).map_err(|_| ColdStartError::BadValue {
                column,
                row,
                problem: "must be ≥ 0",
            })
        };
        let usage = EraUsage {
            invocations: count(present(its.1.next(), "invocations", row)?, "invocations")?,
            cold_starts: count(present(its.2.next(), "cold_starts", row)?, "cold_starts")?,
            init_cost: PicoUsd(present(its.3.next(), "init_cost_pico", row)?),
            cost: PicoUsd(present(its.4.next(), "cost_pico", row)?),
            init_ms: present(its.5.next(), "init_ms", row)?,
            init_billed_ms: present(its.6.next(), "init_billed_ms", row)?,
            billed_ms: present(its.7.next(), "billed_ms", row)?,
        };
        let inconsistent = |problem: String| ColdStartError::Inconsistent {
            row,
            key: key.clone(),
            problem,
        };
        let share = era_init_share(&usage).map_err(|e| inconsistent(e.to_string()))?;
        let i = *index.entry(key.clone()).or_insert_with(|| {
            order.push(InitBillingChange {
                key: key.clone(),
                before: None,
                after: None,
                init_cost_share_change_pp: None,
                init_share_if_billed_change_pp: None,
            });
            order.len() - 1
        });
        let slot = match era {
            "before" => &mut order[i].before,
            "after" => &mut order[i].after,
            other => {
                return Err(inconsistent(format!(
                    "era {other:?} is neither \"before\" nor \"after\""
                )))
            }
        };
        if slot.is_some() {
            return Err(inconsistent(format!("era {era:?} appears twice")));
        }
        *slot = Some(share);
    }
    for change in &mut order {
        if let (Some(b), Some(a)) = (&change.before, &change.after) {
            change.init_cost_share_change_pp = Some(a.init_cost_share_pct - b.init_cost_share_pct);
            change.init_share_if_billed_change_pp =
                Some(a.init_share_if_billed_pct - b.init_share_if_billed_pct);
        }
    }
    Ok(order)
}
