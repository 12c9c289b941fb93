//! AWS Lambda: billing rules and on-demand list prices.
//!
//! Sources (checked November 2026):
//! - Prices: <https://aws.amazon.com/lambda/pricing/> — requests $0.20 per
//!   million; duration $0.0000166667 per GB-second on x86_64 and
//!   $0.0000133334 on arm64 (first monthly tier, US East (N. Virginia); the
//!   lower tiers above 6 B / 7.5 B GB-s a month are applied by the
//!   analyzer's monthly bill).
//! - 1 ms billing granularity from 2020-12-01 (100 ms before):
//!   <https://aws.amazon.com/about-aws/whats-new/2020/12/aws-lambda-changes-duration-billing-granularity-from-100ms-to-1ms/>
//! - INIT phase billed for on-demand functions packaged as ZIP on managed
//!   runtimes from 2025-08-01 (custom runtimes and container images were
//!   always billed for it): <https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/>
//!
//! Region: the catalog has one price list; every region is priced at US East
//! (N. Virginia)'s list until regional lists are added (see the analyzer's
//! pricing issue), which is exact for the regions the demo uses.

use crate::{ceil_ms, ceil_to_step, round_pico};
use chrono::{DateTime, TimeZone, Utc};
use faasight_store::{InvocationRow, PicoUsd};

/// Per request: $0.20 per million = 200,000 pico-dollars.
pub const REQUEST_PICO: i128 = 200_000;
/// Per GB-second on x86_64: $0.0000166667.
pub const GB_SECOND_X86_PICO: i128 = 16_666_700;
/// Per GB-second on arm64: $0.0000133334.
pub const GB_SECOND_ARM_PICO: i128 = 13_333_400;

/// When billing moved from 100 ms to 1 ms steps.
pub fn one_ms_billing_from() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 12, 1, 0, 0, 0).unwrap()
}

/// When the INIT phase became billed for on-demand ZIP functions on managed
/// runtimes.
pub fn init_billing_from() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 8, 1, 0, 0, 0).unwrap()
}

/// Custom runtimes (`provided`, `provided.al2`, `provided.al2023`) run their
/// own bootstrap, whose INIT has always been billed.
fn is_custom_runtime(runtime: &str) -> bool {
    runtime.starts_with("provided")
}

/// Whether this invocation's INIT phase is part of its billed duration.
pub fn init_is_billed(row: &InvocationRow) -> bool {
    row.start_type == "cold"
        && row.init_duration_ms > 0.0
        && (row.start_time >= init_billing_from() || is_custom_runtime(&row.runtime))
}

/// Billed duration in ms: duration (plus INIT where billed), rounded up to
/// 1 ms, or to 100 ms before 2020-12-01.
pub fn billed_duration_ms(row: &InvocationRow) -> u64 {
    let mut ms = row.duration_ms;
    if init_is_billed(row) {
        ms += row.init_duration_ms;
    }
    let ms = ceil_ms(ms).max(1);
    if row.start_time < one_ms_billing_from() {
        ceil_to_step(ms, 100)
    } else {
        ms
    }
}

/// List price: one request plus memory × billed duration at the
/// architecture's first-tier GB-second price.
pub fn list_cost(row: &InvocationRow) -> PicoUsd {
    let per_gb_s = if row.arch == "arm64" {
        GB_SECOND_ARM_PICO
    } else {
        GB_SECOND_X86_PICO
    };
    // price × (memory_mb / 1024 GB) × (billed_ms / 1000 s) + request
    let denominator: i128 = 1024 * 1000;
    let numerator = per_gb_s * row.memory_mb as i128 * row.billed_duration_ms as i128
        + REQUEST_PICO * denominator;
    round_pico(numerator, denominator)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(start: &str, arch: &str, memory_mb: u32, duration_ms: f64) -> InvocationRow {
        InvocationRow {
            provider: "aws_lambda".into(),
            arch: arch.into(),
            runtime: "python3.12".into(),
            memory_mb,
            duration_ms,
            start_type: "warm".into(),
            start_time: start.parse().unwrap(),
            ..Default::default()
        }
    }

    #[test]
    fn one_ms_rounding_since_december_2020_and_100_ms_before() {
        assert_eq!(
            billed_duration_ms(&row("2020-11-30T23:59:59Z", "x86_64", 128, 101.2)),
            200
        );
        assert_eq!(
            billed_duration_ms(&row("2020-12-01T00:00:00Z", "x86_64", 128, 101.2)),
            102
        );
        assert_eq!(
            billed_duration_ms(&row("2024-01-01T00:00:00Z", "x86_64", 128, 0.4)),
            1
        );
    }

    #[test]
    fn init_is_billed_for_on_demand_cold_starts_from_august_2025() {
        let mut before = row("2025-07-31T23:59:59Z", "x86_64", 512, 100.0);
        before.start_type = "cold".into();
        before.init_duration_ms = 250.5;
        assert_eq!(billed_duration_ms(&before), 100);
        let mut after = before.clone();
        after.start_time = "2025-08-01T00:00:00Z".parse().unwrap();
        assert_eq!(billed_duration_ms(&after), 351);
        // Custom runtimes were always billed for INIT.
        before.runtime = "provided.al2023".into();
        assert_eq!(billed_duration_ms(&before), 351);
        // Provisioned environments are initialised ahead and billed separately.
        after.start_type = "provisioned".into();
        assert_eq!(billed_duration_ms(&after), 100);
    }

    #[test]
    fn hand_computed_list_prices() {
        // 1,024 MB × 1,000 ms = 1 GB-s → $0.0000166667 + $0.0000002 request.
        let mut r = row("2026-01-01T00:00:00Z", "x86_64", 1024, 1000.0);
        r.billed_duration_ms = 1000;
        assert_eq!(list_cost(&r), PicoUsd(16_866_700));
        // arm64 128 MB × 10 ms = 0.00125 GB-s × $0.0000133334 = $0.0000000166667500
        // → 16,666.75 pico, rounds to 16,667; + 200,000 request.
        let mut a = row("2026-01-01T00:00:00Z", "arm64", 128, 10.0);
        a.billed_duration_ms = 10;
        assert_eq!(list_cost(&a), PicoUsd(216_667));
    }
}
