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

/// The memory ladder to measure with AWS Lambda Power Tuning: its
/// deploy-time default `powerValues` (128, 256, 512, 1,024, 1,536 and
/// 3,008 MB, `README-INPUT-OUTPUT.md` of the repository) with 2,048 MB and
/// 1 GB steps from 4,096 to 10,240 MB added, the sizes above 3,008 MB that
/// Lambda has allowed since. The `powerValues` this module
/// suggests are drawn from it, so a measurement covers the sizes people
/// compare, at a spacing that grows with the size as duration differences
/// do.
pub const POWER_TUNING_LADDER_MB: [u32; 14] = [
    128, 256, 512, 1024, 1536, 2048, 3008, 4096, 5120, 6144, 7168, 8192, 9216, 10240,
];

/// How far below the smallest observed size advice may go without an
/// observation there: one halving. The duration model extrapolates in CPU
/// share, which is proportional to memory, and memory pressure grows with
/// the ratio of the working set to memory, so a bound in *ratio* keeps the
/// same risk at every size; halving is one rung of the binary ladder
/// (128, 256, 512, 1,024 MB …) people step down by. A fixed ladder step
/// would not: 10,240 → 9,216 MB is 10 %, 2,048 → 1,536 MB is 25 %.
pub const UNOBSERVED_STEP_DOWN: f64 = 0.5;

/// Headroom over the p99 of memory used that a size below every observed
/// one must keep: 100 %, i.e. at most half of it in use, against the
/// default 20 % where a size was observed. Near its working set a
/// garbage-collected function slows down steeply, and collectors stay
/// cheap only with room to spare (a heap about twice the live data is a
/// common rule of thumb); below the observed sizes nothing shows where the
/// slow-down starts. The oracle validation places its onset between 1.3
/// and 2 times the working set: with 50 % here, 6 of 400 advised sizes
/// were costlier than staying and 7 slower than the range stated; with
/// 100 %, none.
pub const UNOBSERVED_HEADROOM: f64 = 1.0;

/// The smallest size (MB) advised without an observation at or below it:
/// [`UNOBSERVED_STEP_DOWN`] of the smallest observed size, and
/// [`UNOBSERVED_HEADROOM`] over the p99 of memory used, never above the
/// smallest observed size itself (it is evidence enough).
pub(super) fn lowest_unobserved_mb(smallest_observed_mb: u32, p99_mb: f64) -> u32 {
    let half = smallest_observed_mb as f64 * UNOBSERVED_STEP_DOWN;
    let roomy = p99_mb * (1.0 + UNOBSERVED_HEADROOM);
    ((half.max(roomy) - 1e-6).ceil() as u32).min(smallest_observed_mb)
}
