//! The list price of one invocation at any size and mean duration, by the
//! provider's own rounding and price catalog. The pricing crate prices
//! recorded invocations in whole billed milliseconds; the advice also needs
//! fractional durations (a projected mean, the observed billing overhead),
//! so the same arithmetic is repeated here without the final rounding.

use chrono::{DateTime, Utc};
use faasight_pricing::{
    aws_lambda, azure_functions, ceil_ms, ceil_to_step, gcp_cloud_run_functions, Provider,
};
use faasight_store::PicoUsd;

/// Billed duration (ms) for a mean duration under the provider's rounding:
/// AWS whole ms (at least 1); GCP 100 ms steps; Azure whole ms, at least
/// 100 ms (rules and sources in `faasight_pricing`).
pub(super) fn billed_ms(provider: Provider, mean_ms: f64) -> f64 {
    match provider {
        Provider::AwsLambda => ceil_ms(mean_ms).max(1) as f64,
        Provider::GcpCloudRunFunctions => {
            ceil_to_step(ceil_ms(mean_ms), gcp_cloud_run_functions::BILLING_STEP_MS) as f64
        }
        Provider::AzureFunctions => ceil_ms(mean_ms).max(azure_functions::MIN_BILLED_MS) as f64,
        _ => ceil_ms(mean_ms) as f64,
    }
}

/// List price of one invocation, in (fractional) pico-dollars, at `memory_mb`
/// for `billed` ms — the arithmetic of `faasight_pricing::*::list_cost`
/// without its final rounding, so a fractional billed duration (the
/// observed extra) can be priced. `None` for unpriced platforms.
pub(super) fn cost_pico(
    provider: Provider,
    arch: &str,
    region: &str,
    memory_mb: u32,
    billed: f64,
    at: DateTime<Utc>,
) -> Option<f64> {
    use faasight_pricing::catalog::in_force;
    let mb = memory_mb as f64;
    match provider {
        Provider::AwsLambda => {
            let charge = if arch == "arm64" {
                aws_lambda::Charge::DurationArm
            } else {
                aws_lambda::Charge::DurationX86
            };
            let per_gb_s = aws_lambda::price(region, charge, at).value_pico as f64;
            let request = aws_lambda::price(region, aws_lambda::Charge::Request, at).value_pico;
            // price × (MB / 1,024) GB × (ms / 1,000) s + request
            Some(per_gb_s * mb * billed / 1_024_000.0 + request as f64)
        }
        Provider::GcpCloudRunFunctions => {
            let vcpu = gcp_cloud_run_functions::default_vcpu_milli(memory_mb) as f64 / 1000.0;
            let vcpu_s = in_force(gcp_cloud_run_functions::VCPU_SECOND, at).value_pico as f64;
            let gib_s = in_force(gcp_cloud_run_functions::GIB_SECOND, at).value_pico as f64;
            let request = in_force(gcp_cloud_run_functions::REQUEST, at).value_pico as f64;
            Some(vcpu_s * vcpu * billed / 1000.0 + gib_s * mb * billed / 1_024_000.0 + request)
        }
        Provider::AzureFunctions => {
            let step = azure_functions::MEMORY_STEP_MB;
            let billed_mb = memory_mb
                .div_ceil(step)
                .max(1)
                .saturating_mul(step)
                .min(azure_functions::MAX_MEMORY_MB) as f64;
            let (execution, gb_s) =
                azure_functions::prices(azure_functions::AzurePlan::Consumption, at);
            Some(
                gb_s.value_pico as f64 * billed_mb * billed / 1_024_000.0
                    + execution.value_pico as f64,
            )
        }
        _ => None,
    }
}

pub(super) fn pico(value: f64) -> PicoUsd {
    PicoUsd(value.round() as i64)
}
