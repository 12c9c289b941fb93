//! Alibaba Cloud Function Compute 3.0 (pay-as-you-go, CPU functions on
//! elastic instances): rules and list prices.
//!
//! Sources (checked 2026-12):
//! - Pay-as-you-go prices:
//!   <https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/product-overview/pay-as-you-go-billing-method-1>.
//!   Since 2024-08-27 every billable item is converted to compute units
//!   (CU) and CUs are priced in monthly tiers per Alibaba Cloud account:
//!   up to 100 M CU a month $0.000020 per CU, 100 M–500 M $0.000017, above
//!   500 M $0.000014. From 2024-08-27 to 2025-08-27 the page listed a 20 %
//!   discount ($0.000016, $0.0000136, $0.0000112). Conversion factors: 75 CU
//!   per 10,000 invocations, 1 CU per active vCPU-second, 0 per idle
//!   vCPU-second, 0.15 CU per GB-second of memory, 0.05 CU per GB-second of
//!   disk. The same figures (and a worked example: 512 MB, 0.25 vCPU,
//!   200 ms → 0.0725 CU an invocation) are on
//!   <https://help.aliyun.com/en/functioncompute/fc-2-0/product-overview/pay-as-you-go-billing-method>,
//!   which also gives the billing granularity: on-demand CPU instances are
//!   metered in milliseconds (provisioned ones in 10 s steps, GPU instances
//!   in 1 s steps).
//! - The change to CUs and the discount window:
//!   <https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/product-overview/product-changes-changes-of-billable-items-resource-plans-and-trial-quota-of-function-compute>.
//! - vCPU and memory: vCPU in multiples of 0.05 from 0.05 to 16, memory in
//!   multiples of 64 MB from 128 MB to 32 GB, and vCPU to memory (in GB)
//!   between 1:1 and 1:4; disk 512 MB (default) or 10 GB:
//!   <https://www.alibabacloud.com/help/en/functioncompute/fc/developer-reference/api-fc-2023-03-30-struct-createfunctioninput>.
//!
//! The per-invocation list price below is
//! `(0.0075 + vCPU × s + 0.15 × GB × s) CU` at the first monthly tier's CU
//! price; the lower tiers above 100 M CU a month belong to the analyzer's
//! monthly bill ([`CU_TIERS`]). The invocations table records memory but
//! not vCPU, and Function Compute has no memory-to-vCPU table: the user
//! sets both. The price uses [`min_vcpu_milli`], the least vCPU the 1:4
//! ratio allows for the memory, so it is a lower bound for functions
//! configured with more CPU. Disk is taken to be the default 512 MB, which
//! is not charged (only disk beyond 512 MB is), so it adds nothing.
//!
//! Not priced: GPU functions (billed per GB-second of GPU memory at other
//! factors, and in 1 s steps), provisioned and idle (shallow hibernation)
//! instance time, the hourly minimum charge per CPU function that the
//! Chinese site introduced on 2025-12-09, and outbound traffic (billed by
//! Cloud Data Transfer). Rows before 2024-08-27, when Function Compute
//! billed each item separately, are priced at the first CU entry. The
//! prices are those of the international site (USD) and are not regional;
//! accounts on the Chinese site (aliyun.com) pay CNY prices with other tier
//! bounds.

use crate::catalog::{day, in_force, PriceEntry};
use crate::{ceil_ms, ceil_to_step, round_pico};
use faasight_store::{InvocationRow, PicoUsd};

/// The pay-as-you-go pricing page (international site).
pub const PRICING_PAGE: &str = "https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/product-overview/pay-as-you-go-billing-method-1";

/// Day the CU price and its 20 % discount took effect.
const CU_START: chrono::NaiveDate = day(2024, 8, 27);
/// Day the discount window on the pricing page ended.
const DISCOUNT_END: chrono::NaiveDate = day(2025, 8, 27);

const LIST_NOTE: &str = "the page names no discount after 2025-08-27 for USD prices \
     (the Chinese site extended its CNY discount to 2026-08-27); list price assumed";

const fn entry(
    effective_from: chrono::NaiveDate,
    value_pico: i64,
    unit: &'static str,
    certain: bool,
    note: &'static str,
) -> PriceEntry {
    PriceEntry {
        effective_from,
        value_pico,
        unit,
        source: PRICING_PAGE,
        certain,
        note,
    }
}

/// First monthly tier, per CU: $0.000016 (discounted) from 2024-08-27,
/// $0.000020 from 2025-08-27.
pub const CU: &[PriceEntry] = &[
    entry(CU_START, 16_000_000, "CU", true, ""),
    entry(DISCOUNT_END, 20_000_000, "CU", false, LIST_NOTE),
];

/// Per invocation: 75 CU per 10,000 = 0.0075 CU, i.e. $0.00000012
/// (discounted) and $0.00000015.
pub const INVOCATION: &[PriceEntry] = &[
    entry(CU_START, 120_000, "invocation", true, ""),
    entry(DISCOUNT_END, 150_000, "invocation", false, LIST_NOTE),
];

/// Per active vCPU-second: 1 CU, i.e. $0.000016 (discounted) and $0.00002.
pub const VCPU_SECOND: &[PriceEntry] = &[
    entry(CU_START, 16_000_000, "vCPU-second", true, ""),
    entry(DISCOUNT_END, 20_000_000, "vCPU-second", false, LIST_NOTE),
];

/// Per GB-second of configured memory (1 GB = 1,024 MB, as the page's
/// "512 MB (0.5 GB)" example shows): 0.15 CU, i.e. $0.0000024
/// (discounted) and $0.000003.
pub const GB_SECOND: &[PriceEntry] = &[
    entry(CU_START, 2_400_000, "GB-second", true, ""),
    entry(DISCOUNT_END, 3_000_000, "GB-second", false, LIST_NOTE),
];

/// Monthly CU tiers per Alibaba Cloud account at list price: (upper bound
/// of the tier in CU, `None` for the last; pico-dollars per CU). The first
/// tier's price is [`CU`]'s; the 2024-08-27..2025-08-27 discount took 20 %
/// off every tier.
pub const CU_TIERS: [(Option<u64>, i64); 3] = [
    (Some(100_000_000), 20_000_000),
    (Some(500_000_000), 17_000_000),
    (None, 14_000_000),
];

/// Smallest memory size a function can have.
pub const MIN_MEMORY_MB: u32 = 128;
/// Memory sizes are multiples of this.
pub const MEMORY_STEP_MB: u64 = 64;
/// Smallest vCPU a function can have, in thousandths of a vCPU.
pub const MIN_VCPU_MILLI: i128 = 50;
/// vCPU is set in steps of 0.05.
pub const VCPU_STEP_MILLI: u64 = 50;

/// The memory a function with `memory_mb` configured is billed for: the
/// size rounded up to a multiple of 64 MB, at least 128 MB, since Function
/// Compute accepts no other sizes (0, an unknown size, bills the smallest).
pub fn billed_memory_mb(memory_mb: u32) -> u64 {
    ceil_to_step(u64::from(memory_mb), MEMORY_STEP_MB).max(u64::from(MIN_MEMORY_MB))
}

/// The least vCPU (in thousandths) a function with `memory_mb` of memory
/// may have: memory in GB / 4, rounded up to a multiple of 0.05 vCPU, at
/// least 0.05. Used because the row does not say how many vCPUs were set.
pub fn min_vcpu_milli(memory_mb: u32) -> i128 {
    // GB / 4 in thousandths of a vCPU: MB × 1000 / (1024 × 4).
    let exact_milli = (billed_memory_mb(memory_mb) * 1000).div_ceil(4096);
    i128::from(ceil_to_step(exact_milli, VCPU_STEP_MILLI)).max(MIN_VCPU_MILLI)
}

/// Billed time: on-demand CPU instances are metered per millisecond, so the
/// duration rounded up to whole ms.
pub fn billed_duration_ms(row: &InvocationRow) -> u64 {
    ceil_ms(row.duration_ms)
}

/// List price of an invocation whose function has `vcpu_milli` thousandths
/// of a vCPU: invocation + active vCPU-seconds + memory GB-seconds over the
/// billed duration.
pub fn list_cost_with_vcpu(row: &InvocationRow, vcpu_milli: i128) -> PicoUsd {
    let at = row.start_time;
    let ms = i128::from(row.billed_duration_ms);
    let memory_mb = i128::from(billed_memory_mb(row.memory_mb));
    // vCPU: price × (milli / 1000) × (ms / 1000); memory: price × (MB / 1024)
    // × (ms / 1000); over one denominator of 1000 × 1000 × 1024.
    let denominator: i128 = 1000 * 1000 * 1024;
    let cpu = i128::from(in_force(VCPU_SECOND, at).value_pico) * vcpu_milli * ms * 1024;
    let memory = i128::from(in_force(GB_SECOND, at).value_pico) * memory_mb * ms * 1000;
    let invocation = i128::from(in_force(INVOCATION, at).value_pico) * denominator;
    round_pico(cpu + memory + invocation, denominator)
}

/// List price at the first monthly tier, with the least vCPU the memory
/// allows ([`min_vcpu_milli`]).
pub fn list_cost(row: &InvocationRow) -> PicoUsd {
    list_cost_with_vcpu(row, min_vcpu_milli(row.memory_mb))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::is_well_formed;

    fn row(memory_mb: u32, billed_ms: u64, at: &str) -> InvocationRow {
        InvocationRow {
            provider: "alibaba_function_compute".into(),
            region: "ap-southeast-1".into(),
            memory_mb,
            billed_duration_ms: billed_ms,
            start_time: at.parse().unwrap(),
            ..Default::default()
        }
    }

    const AFTER_DISCOUNT: &str = "2026-11-01T00:00:00Z";
    const DURING_DISCOUNT: &str = "2025-01-15T00:00:00Z";

    #[test]
    fn time_is_billed_in_whole_milliseconds() {
        let mut r = row(512, 0, AFTER_DISCOUNT);
        r.duration_ms = 12.3;
        assert_eq!(billed_duration_ms(&r), 13);
        r.duration_ms = 200.0;
        assert_eq!(billed_duration_ms(&r), 200);
        r.duration_ms = 0.4;
        assert_eq!(billed_duration_ms(&r), 1);
    }

    #[test]
    fn the_pricing_pages_worked_example() {
        // 512 MB, 0.25 vCPU, 200 ms: 0.0075 invocation + 0.25 × 0.2 vCPU-s
        // + 0.15 × 0.5 GB × 0.2 s = 0.0075 + 0.05 + 0.015 = 0.0725 CU
        // (the page: 217,500 CU for 3 M such invocations).
        // At $0.00002/CU: $0.00000145 = 1,450,000 pico.
        let r = row(512, 200, AFTER_DISCOUNT);
        assert_eq!(list_cost_with_vcpu(&r, 250), PicoUsd(1_450_000));
        // At the discounted $0.000016/CU: 0.0725 × 16,000,000 = 1,160,000.
        let r = row(512, 200, DURING_DISCOUNT);
        assert_eq!(list_cost_with_vcpu(&r, 250), PicoUsd(1_160_000));
    }

    #[test]
    fn vcpu_is_the_least_the_ratio_allows() {
        // 512 MB = 0.5 GB; / 4 = 0.125 vCPU, up to the 0.05 step: 0.15.
        assert_eq!(min_vcpu_milli(512), 150);
        // 128 MB: 0.03125 → the 0.05 minimum.
        assert_eq!(min_vcpu_milli(128), 50);
        assert_eq!(min_vcpu_milli(0), 50);
        // 1,536 MB: 0.375 → 0.4; 2,048 MB: 0.5 exactly; 32 GB: 8.
        assert_eq!(min_vcpu_milli(1536), 400);
        assert_eq!(min_vcpu_milli(2048), 500);
        assert_eq!(min_vcpu_milli(32768), 8000);
        // 1,000 MB is billed as 1,024 MB: 0.25 vCPU.
        assert_eq!(billed_memory_mb(1000), 1024);
        assert_eq!(min_vcpu_milli(1000), 250);
        assert_eq!(billed_memory_mb(0), 128);
        assert_eq!(billed_memory_mb(100), 128);
        assert_eq!(billed_memory_mb(192), 192);
    }

    #[test]
    fn hand_computed_list_prices() {
        // 512 MB, 200 ms, 0.15 vCPU: 0.0075 + 0.15 × 0.2 + 0.15 × 0.5 × 0.2
        // = 0.0075 + 0.03 + 0.015 = 0.0525 CU × 20,000,000 = 1,050,000 pico.
        assert_eq!(
            list_cost(&row(512, 200, AFTER_DISCOUNT)),
            PicoUsd(1_050_000)
        );
        // Discounted: 0.0525 × 16,000,000 = 840,000.
        assert_eq!(list_cost(&row(512, 200, DURING_DISCOUNT)), PicoUsd(840_000));
        // 2,048 MB, 1 s, 0.5 vCPU: 0.0075 + 0.5 + 0.15 × 2 = 0.8075 CU
        // × 20,000,000 = 16,150,000.
        assert_eq!(
            list_cost(&row(2048, 1000, AFTER_DISCOUNT)),
            PicoUsd(16_150_000)
        );
        // 128 MB, 1 ms, 0.05 vCPU: 0.0075 + 0.05 × 0.001 + 0.15 × 0.125 × 0.001
        // = 0.0075 + 0.00005 + 0.00001875 = 0.00756875 CU × 20,000,000 = 151,375.
        assert_eq!(list_cost(&row(128, 1, AFTER_DISCOUNT)), PicoUsd(151_375));
        // 0 ms bills only the invocation: 0.0075 × 20,000,000 = 150,000.
        assert_eq!(list_cost(&row(128, 0, AFTER_DISCOUNT)), PicoUsd(150_000));
    }

    #[test]
    fn older_rows_get_the_first_cu_price() {
        // Before the CU model the catalog has no prices; the first entry
        // (discounted) applies: 0.0525 CU × 16,000,000 = 840,000.
        assert_eq!(
            list_cost(&row(512, 200, "2024-01-01T00:00:00Z")),
            PicoUsd(840_000)
        );
    }

    #[test]
    fn unit_prices_are_the_cu_price_times_the_factors() {
        // 75 CU / 10,000 invocations, 1 CU / vCPU-s, 0.15 CU / GB-s.
        for (i, cu) in CU.iter().enumerate() {
            assert_eq!(INVOCATION[i].value_pico * 10_000, cu.value_pico * 75);
            assert_eq!(VCPU_SECOND[i].value_pico, cu.value_pico);
            assert_eq!(GB_SECOND[i].value_pico * 100, cu.value_pico * 15);
            assert_eq!(INVOCATION[i].effective_from, cu.effective_from);
        }
        // The discount is 20 % off the list price.
        assert_eq!(CU[0].value_pico * 5, CU[1].value_pico * 4);
        assert_eq!(CU[1].value_pico, CU_TIERS[0].1);
    }

    #[test]
    fn price_series_are_well_formed() {
        for s in [CU, INVOCATION, VCPU_SECOND, GB_SECOND] {
            assert!(is_well_formed(s));
        }
    }
}
