//! Cloudflare Workers (Standard usage model): rules and list prices.
//!
//! Source: <https://developers.cloudflare.com/workers/platform/pricing/>
//! (checked November 2026): $0.30 per million requests beyond 10 M a month,
//! $0.02 per million CPU milliseconds beyond 30 M a month, $5 a month minimum.
//! Workers bill CPU time, not wall time, so the "billed duration" of a
//! Worker invocation is its CPU time in whole ms. The included quantities
//! and the monthly minimum are applied by the analyzer's monthly bill.

use crate::{ceil_ms, round_pico};
use faasight_store::{InvocationRow, PicoUsd};

/// Per request: $0.30 per million.
pub const REQUEST_PICO: i128 = 300_000;
/// Per CPU millisecond: $0.02 per million.
pub const CPU_MS_PICO: i128 = 20_000;

/// Billed CPU time in whole ms (wall duration when CPU time is unknown).
pub fn billed_cpu_ms(row: &InvocationRow) -> u64 {
    if row.cpu_time_ms > 0.0 {
        ceil_ms(row.cpu_time_ms)
    } else {
        ceil_ms(row.duration_ms)
    }
}

/// List price: one request plus billed CPU ms.
pub fn list_cost(row: &InvocationRow) -> PicoUsd {
    round_pico(
        REQUEST_PICO + CPU_MS_PICO * row.billed_duration_ms as i128,
        1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_not_wall_time_is_billed() {
        let mut r = InvocationRow {
            provider: "cloudflare_workers".into(),
            duration_ms: 180.0,
            cpu_time_ms: 6.2,
            ..Default::default()
        };
        assert_eq!(billed_cpu_ms(&r), 7);
        r.billed_duration_ms = 7;
        assert_eq!(list_cost(&r), PicoUsd(300_000 + 140_000));
    }
}
