//! Azure Functions (Consumption plan): billing rules and list prices.
//!
//! Source: <https://azure.microsoft.com/en-us/pricing/details/functions/>
//! (checked November 2026): execution time $0.000016 per GB-s, executions
//! $0.20 per million. Memory is the *observed* memory of the execution
//! rounded up to the nearest 128 MB (up to the 1,536 MB instance size) and
//! execution time is rounded up to the nearest 1 ms with a 100 ms minimum.
//! The monthly free grant (400,000 GB-s and 1 M executions) is applied by
//! the analyzer's monthly bill. Flex Consumption is priced there too.

use crate::{ceil_ms, round_pico};
use faasight_store::{InvocationRow, PicoUsd};

/// Per execution: $0.20 per million.
pub const EXECUTION_PICO: i128 = 200_000;
/// Per GB-second: $0.000016.
pub const GB_SECOND_PICO: i128 = 16_000_000;
/// Minimum billed execution time.
pub const MIN_BILLED_MS: u64 = 100;
/// Memory is billed in steps of this size.
pub const MEMORY_STEP_MB: u32 = 128;
/// Largest memory a Consumption instance bills.
pub const MAX_MEMORY_MB: u32 = 1536;

/// Billed execution time: whole ms, at least 100 ms.
pub fn billed_duration_ms(row: &InvocationRow) -> u64 {
    ceil_ms(row.duration_ms).max(MIN_BILLED_MS)
}

/// Billed memory: observed memory rounded up to 128 MB, at least 128 MB and
/// at most 1,536 MB. Without an observation, the configured size is used.
pub fn billed_memory_mb(row: &InvocationRow) -> u32 {
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

/// List price: one execution plus billed memory × billed time.
pub fn list_cost(row: &InvocationRow) -> PicoUsd {
    let denominator: i128 = 1024 * 1000;
    let numerator = GB_SECOND_PICO * billed_memory_mb(row) as i128 * row.billed_duration_ms as i128
        + EXECUTION_PICO * denominator;
    round_pico(numerator, denominator)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
