//! Azure Functions, Consumption and Flex Consumption plans: billing rules
//! and list prices.
//!
//! Sources (checked 2026-11):
//! - Prices and free grants: <https://azure.microsoft.com/en-us/pricing/details/functions/>.
//!   Consumption: execution time $0.000016 per GB-s, $0.20 per million
//!   executions, monthly free grant of 400,000 GB-s and 1 M executions.
//!   Flex Consumption, on demand: $0.000026 per GB-s, $0.40 per million
//!   executions, monthly free grant of 250,000 executions and 100,000 GB-s
//!   per subscription (on-demand meters only; none with always-ready
//!   instances). The page fills its amounts in with JavaScript, so the Flex
//!   amounts were read from third-party cost write-ups quoting it (several
//!   agree; the free-grant sentence itself is quoted verbatim); the free
//!   grants are applied by the analyzer's monthly bill.
//! - Consumption rounding: resource consumption is the *average* memory
//!   observed during the execution (sampled memory of the process and its
//!   children, integrated over time) rounded up to the nearest 128 MB, at
//!   most 1,536 MB, times the execution time rounded up to 1 ms with a
//!   100 ms minimum: the pricing page, and
//!   <https://learn.microsoft.com/en-us/azure/azure-functions/functions-consumption-costs>
//!   (which also says executions running at once in one process share that
//!   memory). Telemetry reports each execution's *peak* memory
//!   (`max_memory_used_mb`), not its average, so faasight bills the peak:
//!   an upper bound of Azure's figure, said so on every Consumption bill
//!   line ([`crate::Provider::memory_rule_note`]).
//! - Flex rounding: "The minimum billable execution period for both
//!   execution modes is 1,000 ms. Past that, the billable activity period is
//!   rounded up to the nearest 100 ms", billed at the instance memory size
//!   (512, 2,048 or 4,096 MB):
//!   <https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#billing>.
//!
//! Flex bills an *instance's* active periods, not each execution: executions
//! that overlap on one instance share its GB-seconds and its 1 s minimum.
//! The per-invocation list price below treats every execution as its own
//! activity period, so for concurrent workloads it is an upper bound.
//!
//! Prices are not regional in the catalog (the demo uses East US and West
//! Europe, both at these prices).

use crate::catalog::{day, in_force, PriceEntry};
use crate::{ceil_ms, ceil_to_step, round_pico, Provider};
use chrono::{DateTime, Utc};
use faasight_store::{InvocationRow, PicoUsd};

/// The Azure Functions pricing page.
pub const PRICING_PAGE: &str = "https://azure.microsoft.com/en-us/pricing/details/functions/";

/// Consumption: per execution, $0.20 per million. Effective from the plan's
/// general availability (2016-11-15, a floor).
pub const CONSUMPTION_EXECUTION: &[PriceEntry] = &[PriceEntry {
    effective_from: day(2016, 11, 15),
    value_pico: 200_000,
    unit: "execution",
    source: PRICING_PAGE,
    certain: true,
    note: "",
}];
/// Consumption: per GB-second of observed memory, $0.000016.
pub const CONSUMPTION_GB_SECOND: &[PriceEntry] = &[PriceEntry {
    effective_from: day(2016, 11, 15),
    value_pico: 16_000_000,
    unit: "GB-second",
    source: PRICING_PAGE,
    certain: true,
    note: "",
}];
/// Flex Consumption on demand: per execution, $0.40 per million. Effective
/// from general availability at Ignite, November 2024 (day not confirmed
/// against a Microsoft page; a floor).
pub const FLEX_EXECUTION: &[PriceEntry] = &[PriceEntry {
    effective_from: day(2024, 11, 19),
    value_pico: 400_000,
    unit: "execution",
    source: PRICING_PAGE,
    certain: true,
    note: "",
}];
/// Flex Consumption on demand: per GB-second of instance memory while the
/// instance executes, $0.000026.
pub const FLEX_GB_SECOND: &[PriceEntry] = &[PriceEntry {
    effective_from: day(2024, 11, 19),
    value_pico: 26_000_000,
    unit: "GB-second of instance memory",
    source: PRICING_PAGE,
    certain: true,
    note: "",
}];

/// Minimum billed execution time on Consumption.
pub const MIN_BILLED_MS: u64 = 100;
/// Consumption memory is billed in steps of this size.
pub const MEMORY_STEP_MB: u32 = 128;
/// Largest memory a Consumption instance bills.
pub const MAX_MEMORY_MB: u32 = 1536;
/// Flex: minimum billable activity period.
pub const FLEX_MIN_BILLED_MS: u64 = 1000;
/// Flex: activity periods are rounded up to this step past the minimum.
pub const FLEX_STEP_MS: u64 = 100;
/// Flex instance memory sizes, smallest first.
pub const FLEX_INSTANCE_SIZES_MB: [u32; 3] = [512, 2048, 4096];
/// Flex instance size when the record does not say (the plan's default).
pub const FLEX_DEFAULT_INSTANCE_MB: u32 = 2048;

/// The hosting plan an Azure Functions invocation ran on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AzurePlan {
    /// The (legacy) Consumption plan: `provider` = `azure_functions`.
    Consumption,
    /// The Flex Consumption plan, on demand: `provider` =
    /// `azure_functions_flex`.
    FlexConsumption,
}

/// The plan of a row. The invocations table has no plan column, so the plan
/// is carried by the `provider` value: `azure_functions_flex` for Flex
/// Consumption, anything else (`azure_functions`) for Consumption. The
/// provider column is what the monthly bill groups by, and the two plans
/// have separate free grants, so it is the one marker that reaches every
/// analysis without a schema change.
pub fn plan_of(row: &InvocationRow) -> AzurePlan {
    if Provider::parse(&row.provider) == Some(Provider::AzureFunctionsFlex) {
        AzurePlan::FlexConsumption
    } else {
        AzurePlan::Consumption
    }
}

/// Billed execution time. Consumption: whole ms, at least 100 ms. Flex: at
/// least 1,000 ms, rounded up to 100 ms.
pub fn billed_duration_ms(row: &InvocationRow) -> u64 {
    let ms = ceil_ms(row.duration_ms);
    match plan_of(row) {
        AzurePlan::Consumption => ms.max(MIN_BILLED_MS),
        AzurePlan::FlexConsumption => ceil_to_step(ms, FLEX_STEP_MS).max(FLEX_MIN_BILLED_MS),
    }
}

/// Billed memory. Consumption: observed memory (the peak, standing in for
/// the average Azure meters — an upper bound) rounded up to 128 MB, at
/// least 128 MB and at most 1,536 MB (the configured size when nothing was
/// observed). Flex: the instance memory size, i.e. the configured size
/// rounded up to 512, 2,048 or 4,096 MB (2,048 MB when unknown).
pub fn billed_memory_mb(row: &InvocationRow) -> u32 {
    match plan_of(row) {
        AzurePlan::Consumption => {
            let observed = if row.max_memory_used_mb > 0 {
                row.max_memory_used_mb
            } else {
                row.memory_mb
            };
            observed
                .div_ceil(MEMORY_STEP_MB)
                .max(1)
                .saturating_mul(MEMORY_STEP_MB)
                .min(MAX_MEMORY_MB)
        }
        AzurePlan::FlexConsumption => flex_instance_mb(row.memory_mb),
    }
}

/// Flex instance size for a configured memory: the smallest size that
/// holds it, capped at the largest.
pub fn flex_instance_mb(memory_mb: u32) -> u32 {
    if memory_mb == 0 {
        return FLEX_DEFAULT_INSTANCE_MB;
    }
    FLEX_INSTANCE_SIZES_MB
        .into_iter()
        .find(|&size| memory_mb <= size)
        .unwrap_or(FLEX_INSTANCE_SIZES_MB[FLEX_INSTANCE_SIZES_MB.len() - 1])
}

/// The plan's prices at `at`: (per execution, per GB-second).
pub fn prices(plan: AzurePlan, at: DateTime<Utc>) -> (PriceEntry, PriceEntry) {
    let (executions, gb_seconds) = match plan {
        AzurePlan::Consumption => (CONSUMPTION_EXECUTION, CONSUMPTION_GB_SECOND),
        AzurePlan::FlexConsumption => (FLEX_EXECUTION, FLEX_GB_SECOND),
    };
    (in_force(executions, at), in_force(gb_seconds, at))
}

/// List price: one execution plus billed memory × billed time, at the
/// row's plan's prices.
pub fn list_cost(row: &InvocationRow) -> PicoUsd {
    let (execution, gb_second) = prices(plan_of(row), row.start_time);
    // price × (MB / 1024) × (ms / 1000) + execution, over 1024 × 1000.
    let denominator: i128 = 1024 * 1000;
    let numerator = gb_second.value_pico as i128
        * billed_memory_mb(row) as i128
        * row.billed_duration_ms as i128
        + execution.value_pico as i128 * denominator;
    round_pico(numerator, denominator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::is_well_formed;

    #[test]
    fn memory_rounds_up_to_128_mb_and_time_to_100_ms_minimum() {
        let mut r = InvocationRow {
            provider: "azure_functions".into(),
            memory_mb: 1536,
            max_memory_used_mb: 129,
            duration_ms: 42.3,
            ..Default::default()
        };
        assert_eq!(billed_memory_mb(&r), 256);
        assert_eq!(billed_duration_ms(&r), 100);
        r.billed_duration_ms = 100;
        // 0.25 GB × 0.1 s × $0.000016 = $0.0000004 + $0.0000002.
        assert_eq!(list_cost(&r), PicoUsd(600_000));
        r.max_memory_used_mb = 4000;
        assert_eq!(billed_memory_mb(&r), 1536);
        r.duration_ms = 100.2;
        assert_eq!(billed_duration_ms(&r), 101);
    }

    #[test]
    fn the_plan_is_read_from_the_provider_value() {
        let mut r = InvocationRow {
            provider: "azure_functions".into(),
            ..Default::default()
        };
        assert_eq!(plan_of(&r), AzurePlan::Consumption);
        r.provider = "azure_functions_flex".into();
        assert_eq!(plan_of(&r), AzurePlan::FlexConsumption);
    }

    #[test]
    fn flex_bills_instance_memory_with_a_one_second_minimum() {
        let mut r = InvocationRow {
            provider: "azure_functions_flex".into(),
            memory_mb: 2048,
            // Observed memory does not matter on Flex.
            max_memory_used_mb: 300,
            duration_ms: 42.3,
            ..Default::default()
        };
        assert_eq!(billed_memory_mb(&r), 2048);
        assert_eq!(billed_duration_ms(&r), 1000);
        r.billed_duration_ms = 1000;
        // 2 GB × 1 s × $0.000026 = $0.000052 + $0.0000004 execution.
        assert_eq!(list_cost(&r), PicoUsd(52_400_000));
        // Past the minimum, 100 ms steps: 1,000.1 ms → 1,100 ms.
        r.duration_ms = 1000.1;
        assert_eq!(billed_duration_ms(&r), 1100);
        // 4 GB instance, 1.1 s: 4.4 GB-s × $0.000026 = $0.0001144 + $0.0000004.
        r.memory_mb = 4096;
        r.billed_duration_ms = 1100;
        assert_eq!(list_cost(&r), PicoUsd(114_800_000));
        // 512 MB instance, 1 s: 0.5 GB-s × $0.000026 = 13,000,000 + 400,000.
        r.memory_mb = 512;
        r.billed_duration_ms = 1000;
        assert_eq!(list_cost(&r), PicoUsd(13_400_000));
    }

    #[test]
    fn flex_instance_sizes() {
        assert_eq!(flex_instance_mb(0), 2048);
        assert_eq!(flex_instance_mb(128), 512);
        assert_eq!(flex_instance_mb(512), 512);
        assert_eq!(flex_instance_mb(513), 2048);
        assert_eq!(flex_instance_mb(1536), 2048);
        assert_eq!(flex_instance_mb(4096), 4096);
        assert_eq!(flex_instance_mb(9000), 4096);
    }

    #[test]
    fn price_series_are_well_formed() {
        for s in [
            CONSUMPTION_EXECUTION,
            CONSUMPTION_GB_SECOND,
            FLEX_EXECUTION,
            FLEX_GB_SECOND,
        ] {
            assert!(is_well_formed(s));
        }
    }
}
