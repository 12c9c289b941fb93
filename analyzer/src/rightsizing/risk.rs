//! How far to trust a recommendation: high when errors were seen or the
//! memory margin is thin, medium when durations are projected, the size is
//! below every observed one, memory pressure was seen, or the memory
//! quantile rests on few invocations. Stated with the reasons, because a
//! size change is a production change and the reader decides.

use super::advise::Candidates;
use super::duration::{Curve, DurationAt, ModelKind};
use super::input::SizeRow;
use serde::Serialize;

/// Invocations below which the p99 of max memory is, in effect, the
/// maximum of a handful of values (ClickHouse interpolates between the top
/// two of fewer than 100): the advice is then at least medium risk.
const FEW_INVOCATIONS_FOR_P99: u64 = 100;

/// A recommendation closer than this to the memory requirement (fraction
/// above it) leaves no margin beyond the headroom: high risk.
const THIN_MARGIN: f64 = 0.10;

/// How far to trust a recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    /// Durations at the new size come from a fit on observed sizes, with
    /// memory margin to spare.
    Low,
    /// Durations are a projected range, the size is below every observed
    /// one, memory pressure was seen, or the memory quantile rests on few
    /// invocations.
    Medium,
    /// Little memory margin, or timeouts or out-of-memory errors observed.
    High,
}

/// The risk of the advice and what set it (see the module documentation
/// for the rule); a sentence that nothing raised it when nothing did.
pub(super) fn assess_risk(
    current: &SizeRow,
    chosen: u32,
    need: f64,
    candidates: &Candidates,
    curve: &Curve,
    at: &DurationAt,
    below_observed: Option<u32>,
) -> (Risk, Vec<String>) {
    let (beyond_largest, largest) = (candidates.beyond_largest, candidates.largest);
    let mut risk = Risk::Low;
    let mut reasons = Vec::new();
    if current.timeouts > 0 || current.oom_errors > 0 {
        risk = risk.max(Risk::High);
        reasons.push(format!(
            "{} timeouts and {} out-of-memory errors at the current size",
            current.timeouts, current.oom_errors
        ));
    }
    if beyond_largest {
        risk = risk.max(Risk::High);
        reasons.push(format!(
            "the function needs {need:.0} MB, more than the largest size ({largest} MB)"
        ));
    } else if (chosen as f64) < need * (1.0 + THIN_MARGIN) {
        risk = risk.max(Risk::High);
        reasons.push(format!(
            "{chosen} MB is within {:.0} % of the {need:.0} MB needed with headroom",
            THIN_MARGIN * 100.0
        ));
    }
    if chosen != current.memory_mb && curve.kind == ModelKind::ProjectedRange && !at.observed {
        risk = risk.max(Risk::Medium);
        reasons
            .push("durations at the new size are a projected range from one observed size".into());
    }
    if let Some(smallest) = below_observed {
        risk = risk.max(Risk::Medium);
        reasons.push(format!(
            "{chosen} MB is below the smallest observed size ({smallest} MB): its duration is \
             extrapolated, and a slow-down from memory pressure there would not show before it \
             is measured"
        ));
    }
    if let Some(pressured) = curve.pressure_floor_mb() {
        if chosen != current.memory_mb && curve.in_pressure_gap(chosen) {
            risk = risk.max(Risk::Medium);
            reasons.push(format!(
                "memory pressure at {pressured} MB: how fast it fades above that size is \
                 interpolated"
            ));
        }
    }
    if current.invocations < FEW_INVOCATIONS_FOR_P99 {
        risk = risk.max(Risk::Medium);
        reasons.push(format!(
            "the p99 of memory rests on {} invocations",
            current.invocations
        ));
    }
    if reasons.is_empty() {
        reasons.push(match curve.kind {
            ModelKind::Fitted => {
                "durations fitted on observed sizes and memory margin to spare".into()
            }
            ModelKind::ProjectedRange => {
                "the size is unchanged and has memory margin to spare".into()
            }
        });
    }
    (risk, reasons)
}
