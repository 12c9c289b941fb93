//! Self-hosted platforms (Knative, OpenFaaS): the cluster is paid for, not
//! each invocation, so the per-invocation list price is zero and the
//! billed duration is the duration rounded up to whole milliseconds (used
//! for capacity questions, not money).

use crate::ceil_ms;
use faasight_store::{InvocationRow, PicoUsd};

/// The duration rounded up to whole milliseconds.
pub fn billed_duration_ms(row: &InvocationRow) -> u64 {
    ceil_ms(row.duration_ms)
}

/// Nothing per invocation.
pub fn list_cost(_row: &InvocationRow) -> PicoUsd {
    PicoUsd(0)
}
