//! The memory sizes each provider offers and the safety floor: the smallest
//! size that holds the function's memory use with headroom, rounded to a
//! size the provider can be set to. Every candidate is at or above the
//! floor, so no strategy can trade memory safety for cost.

use faasight_pricing::{azure_functions, Provider};

/// Sizes recommended on AWS Lambda (MB). Lambda accepts any size from 128 to
/// 10,240 MB in 1 MB steps (configuration-memory page above); a grid keeps
/// advice readable and includes 1,769 MB, the one-vCPU size.
pub const AWS_MEMORY_GRID_MB: [u32; 20] = [
    128, 256, 384, 512, 640, 768, 896, 1024, 1280, 1536, 1769, 2048, 3008, 4096, 5120, 6144, 7168,
    8192, 9216, 10240,
];
/// Smallest AWS Lambda memory size (MB).
pub const AWS_MIN_MEMORY_MB: u32 = 128;
/// Largest AWS Lambda memory size (MB).
pub const AWS_MAX_MEMORY_MB: u32 = 10240;

/// Memory tiers of Cloud Run functions (MiB), each with its default vCPU:
/// <https://cloud.google.com/functions/docs/configuring/memory>.
pub const GCP_MEMORY_TIERS_MB: [u32; 9] = [128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768];

/// The safety floor (MB): `p99 × (1 + headroom)`, never below `max`,
/// rounded up to what the provider can be set to — AWS Lambda 1 MB steps
/// from 128 MB; Cloud Run functions the next memory tier; Azure Functions
/// Consumption 128 MB steps (its billing step, `faasight_pricing`). A floor
/// above the provider's largest size is returned as is, for the caller to
/// flag. `None` for platforms without a memory setting (Cloudflare Workers,
/// self-hosted).
pub fn safety_floor_mb(
    provider: Provider,
    p99_mb: f64,
    max_mb: f64,
    headroom_pct: f64,
) -> Option<u32> {
    let need = memory_need_mb(p99_mb, max_mb, headroom_pct);
    // The epsilon keeps 250 × 1.2 = 300.00000000000006 from becoming 301.
    let whole = (need - 1e-6).ceil().max(1.0) as u32;
    match provider {
        Provider::AwsLambda => Some(whole.max(AWS_MIN_MEMORY_MB)),
        Provider::GcpCloudRunFunctions => Some(
            GCP_MEMORY_TIERS_MB
                .into_iter()
                .find(|&tier| tier >= whole)
                .unwrap_or(whole),
        ),
        Provider::AzureFunctions => Some(
            whole
                .div_ceil(azure_functions::MEMORY_STEP_MB)
                .max(1)
                .saturating_mul(azure_functions::MEMORY_STEP_MB),
        ),
        // Flex Consumption runs on instances of 512, 2,048 or 4,096 MB.
        Provider::AzureFunctionsFlex => Some(
            [512, 2048, 4096]
                .into_iter()
                .find(|&size| size >= whole)
                .unwrap_or(whole),
        ),
        // Cloud Functions (1st gen) memory sizes.
        Provider::GcpCloudFunctionsGen1 => Some(
            [128, 256, 512, 1024, 2048, 4096, 8192]
                .into_iter()
                .find(|&size| size >= whole)
                .unwrap_or(whole),
        ),
        // Function Compute sizes are multiples of 64 MB from 128 MB.
        Provider::AlibabaFunctionCompute => Some(
            u32::try_from(faasight_pricing::alibaba_function_compute::billed_memory_mb(whole))
                .unwrap_or(whole),
        ),
        Provider::CloudflareWorkers | Provider::Knative | Provider::OpenFaas => None,
    }
}

/// Memory a function needs before rounding to a step (MB).
pub(super) fn memory_need_mb(p99_mb: f64, max_mb: f64, headroom_pct: f64) -> f64 {
    (p99_mb * (1.0 + headroom_pct / 100.0)).max(max_mb)
}
