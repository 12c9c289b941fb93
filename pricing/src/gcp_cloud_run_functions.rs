//! Google Cloud Run functions (request-based billing): rules and list prices.
//!
//! Sources (checked November 2026):
//! - <https://cloud.google.com/run/pricing>: tier 1 regions, request-based
//!   billing: CPU $0.00002400 per vCPU-second, memory $0.00000250 per
//!   GiB-second, requests $0.40 per million; billable time is rounded up to
//!   the nearest 100 ms. The monthly free tier (180,000 vCPU-s, 360,000
//!   GiB-s, 2 M requests) is applied by the analyzer's monthly bill.
//! - <https://cloud.google.com/functions/docs/configuring/memory>: the
//!   default CPU for a memory size (128 MB → 0.083 vCPU … 32 GiB → 8 vCPU),
//!   used when the record does not say how many vCPUs were allocated.

use crate::{ceil_ms, ceil_to_step, round_pico};
use faasight_store::{InvocationRow, PicoUsd};

/// Per request: $0.40 per million.
pub const REQUEST_PICO: i128 = 400_000;
/// Per vCPU-second: $0.000024.
pub const VCPU_SECOND_PICO: i128 = 24_000_000;
/// Per GiB-second: $0.0000025.
pub const GIB_SECOND_PICO: i128 = 2_500_000;
/// Billing step.
pub const BILLING_STEP_MS: u64 = 100;

/// Default vCPU for a memory size, in thousandths of a vCPU.
pub fn default_vcpu_milli(memory_mb: u32) -> i128 {
    match memory_mb {
        0..=128 => 83,
        129..=256 => 167,
        257..=512 => 333,
        513..=1024 => 583,
        1025..=2048 => 1000,
        2049..=8192 => 2000,
        8193..=16384 => 4000,
        _ => 8000,
    }
}

/// Billed time: rounded up to 100 ms.
pub fn billed_duration_ms(row: &InvocationRow) -> u64 {
    ceil_to_step(ceil_ms(row.duration_ms), BILLING_STEP_MS)
}

/// List price: request + vCPU-seconds + GiB-seconds.
pub fn list_cost(row: &InvocationRow) -> PicoUsd {
    let ms = row.billed_duration_ms as i128;
    // vcpu: price × (milli / 1000) × (ms / 1000); memory: price × (MB / 1024) × (ms / 1000)
    let denominator: i128 = 1000 * 1000 * 1024;
    let cpu = VCPU_SECOND_PICO * default_vcpu_milli(row.memory_mb) * ms * 1024;
    let mem = GIB_SECOND_PICO * row.memory_mb as i128 * ms * 1000;
    round_pico(cpu + mem + REQUEST_PICO * denominator, denominator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_price() {
        let mut r = InvocationRow {
            provider: "gcp_cloud_run_functions".into(),
            memory_mb: 2048,
            duration_ms: 250.1,
            ..Default::default()
        };
        assert_eq!(billed_duration_ms(&r), 300);
        r.billed_duration_ms = 300;
        // 1 vCPU × 0.3 s × $0.000024 = $0.0000072; 2 GiB × 0.3 s × $0.0000025
        // = $0.0000015; + $0.0000004 request = $0.0000091.
        assert_eq!(list_cost(&r), PicoUsd(9_100_000));
    }
}
