//! Cloudflare Workers (Standard usage model): rules and list prices.
//!
//! Source: <https://developers.cloudflare.com/workers/platform/pricing/>
//! (checked 2026-11): $0.30 per million requests beyond 10 M a month,
//! $0.02 per million CPU milliseconds beyond 30 M a month, $5 a month minimum.
//! Workers bill CPU time, not wall time, so the "billed duration" of a
//! Worker invocation is its CPU time in whole ms. The included quantities
//! and the monthly minimum are applied by the analyzer's monthly bill.
//!
//! The Standard usage model was announced on 2023-09-28
//! (<https://blog.cloudflare.com/workers-pricing-scale-to-zero/>) and every
//! Workers Paid account was moved to it on 2024-03-01 (Cloudflare's docs).
//! The Bundled and Unbound models before it are not in the catalog: older
//! rows are priced as Standard.

use crate::catalog::{day, in_force, PriceEntry};
use crate::{ceil_ms, round_pico};
use faasight_store::{InvocationRow, PicoUsd};

/// The Workers pricing page.
pub const PRICING_PAGE: &str = "https://developers.cloudflare.com/workers/platform/pricing/";

/// Per request beyond the included 10 M: $0.30 per million.
pub const REQUEST: &[PriceEntry] = &[PriceEntry {
    effective_from: day(2024, 3, 1),
    value_pico: 300_000,
    unit: "request",
    source: PRICING_PAGE,
    certain: true,
    note: "",
}];
/// Per CPU millisecond beyond the included 30 M: $0.02 per million.
pub const CPU_MS: &[PriceEntry] = &[PriceEntry {
    effective_from: day(2024, 3, 1),
    value_pico: 20_000,
    unit: "CPU millisecond",
    source: PRICING_PAGE,
    certain: true,
    note: "",
}];

/// What Workers bill an invocation for: its CPU time in whole ms (the wall
/// duration when CPU time is unknown), kept in `billed_duration_ms`.
pub fn billed_duration_ms(row: &InvocationRow) -> u64 {
    billed_cpu_ms(row)
}

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
    let at = row.start_time;
    round_pico(
        in_force(REQUEST, at).value_pico as i128
            + in_force(CPU_MS, at).value_pico as i128 * row.billed_duration_ms as i128,
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

    #[test]
    fn price_series_are_well_formed() {
        assert!(crate::catalog::is_well_formed(REQUEST));
        assert!(crate::catalog::is_well_formed(CPU_MS));
    }
}
