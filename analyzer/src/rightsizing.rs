//! Memory right-sizing advice: which memory size each function should run
//! at, what that would cost a month, and how sure we are.
//!
//! The advice follows the two tools AWS users know, without their limits:
//! - AWS Compute Optimizer's Lambda recommendations (a safety floor from
//!   the memory actually used, and a *projected range* of duration and cost
//!   at other sizes: <https://docs.aws.amazon.com/compute-optimizer/latest/ug/view-lambda-recommendations.html>,
//!   `LowerBound | UpperBound | Expected` in
//!   <https://docs.aws.amazon.com/compute-optimizer/latest/APIReference/API_LambdaFunctionMemoryProjectedMetric.html>),
//!   but for every function with enough data: no 1,792 MB ceiling and no
//!   50-invocation floor. When data is missing the result says which.
//! - AWS Lambda Power Tuning's strategies `cost`, `speed` and `balanced`
//!   (<https://github.com/alexcasalboni/aws-lambda-power-tuning>, README
//!   and `lambda/analyzer.js`), applied to sizes the function was observed
//!   at or that a duration model projects, instead of test invocations.
//!
//! # Input frame
//!
//! One row per function key (`provider`, `account`, `region`, `function`)
//! and memory size observed in the analysis window, aggregated by the caller
//! in ClickHouse. Every column must be present; numeric columns may be of
//! any integer or float type and (except where noted) may hold nulls, which
//! mean "not reported". A float NaN (what ClickHouse's quantiles return for
//! no values) also counts as not reported.
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `provider` | String, not null | `aws_lambda`, `gcp_cloud_run_functions`, … |
//! | `account`, `region`, `function` | String (`function` not null) | the key |
//! | `runtime` | String | e.g. `python3.12`, `java21`, `provided.al2023` |
//! | `arch` | String | `x86_64` or `arm64` |
//! | `memory_mb` | integer, not null, > 0 | configured memory of this row |
//! | `timeout_ms` | number | configured timeout |
//! | `invocations` | integer, not null | invocations at this size |
//! | `duration_p50_ms` … `duration_p999_ms` | float | quantiles of duration (`_p50`, `_p90`, `_p99`, `_p999`) |
//! | `duration_mean_ms` | float | mean duration |
//! | `max_memory_p99_mb` | number | p99 of the per-invocation maximum memory used |
//! | `max_memory_max_mb` | number | largest maximum memory used |
//! | `timeouts`, `oom_errors` | integer | invocations that timed out / ran out of memory |
//! | `billed_duration_mean_ms` | float | mean billed duration |
//! | `is_current` | Boolean, not null | true on exactly one row per function: the size it runs at now (the caller's latest size in the window) |
//!
//! The caller marks the current row with `is_current` rather than this
//! module picking the latest `last_seen`: the caller already knows it from
//! the same query, and a flag cannot be confused by clock skew between rows.
//! Rows of one function must not repeat a (`memory_mb`, `arch`) pair.
//!
//! # Rules
//!
//! - **Safety floor**: p99 of max memory used (at the current size) ×
//!   (1 + headroom), never below the largest maximum seen in the window at
//!   any size, rounded up to the provider's memory step ([`safety_floor_mb`]).
//! - **Duration across sizes**: CPU share follows memory (AWS: "Lambda
//!   allocates CPU power in proportion to the amount of memory configured
//!   … At 1,769 MB, a function has the equivalent of one vCPU",
//!   <https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html>,
//!   up to 6 vCPUs at 10,240 MB,
//!   <https://aws.amazon.com/blogs/aws/new-for-aws-lambda-functions-with-up-to-10-gb-of-memory-and-6-vcpus/>;
//!   GCP: the default vCPU per memory tier, `faasight_pricing`). Duration is
//!   modelled as `a + b / vcpus(memory)` where `vcpus` is capped by the
//!   runtime's usable parallelism (1 vCPU for single-threaded runtimes).
//!   Observed at two or more sizes with different CPU: `a`, `b` are fitted
//!   by least squares on the per-size means, weighted by invocations, with
//!   `b ≥ 0` and `a ≥ 0`. Observed at one size: a projected range between
//!   "not CPU-bound" (duration unchanged) and "fully CPU-bound" (duration ×
//!   vcpus(now) / vcpus(size)), as Compute Optimizer reports a range; the
//!   expected value is the midpoint (a function half CPU-bound). A fitted
//!   curve is used at every size, observed ones included: it pools all
//!   sizes' invocations, while one size's mean over few invocations is
//!   noisy (in the validation test, using observed means at observed sizes
//!   matched the oracle less often). The current size's cost *now* is
//!   always priced from its observed mean.
//! - **Cost per invocation** at a size: the provider's list price
//!   (`faasight_pricing` constants and rounding) at the mean duration
//!   rounded by the provider's rule, plus the part of the mean billed
//!   duration that rounding the mean does not explain (INIT billed on cold
//!   starts, durations spread over rounding steps), measured at the current
//!   size and assumed the same at every size. Monthly costs are list
//!   prices × volume, before free allowances and volume tiers (those belong
//!   to an account's month: [`crate::monthly_bill`]).
//! - **Strategy** picks among the sizes at or above the floor
//!   ([`Strategy`]). Monthly volume = invocations in the window (all sizes)
//!   × [`DAYS_PER_MONTH`] / window days. Keeping the current size is
//!   `keep`, any other choice `recommend`.
//! - **Risk** ([`Risk`]): high when timeouts or out-of-memory errors were
//!   observed at the current size, or the chosen size is less than 10 %
//!   above the memory needed with headroom (before the provider's minimum
//!   size, which only adds margin), or no size is large enough; medium when
//!   a new size's duration is a projected range, or the current size has
//!   fewer than 100 invocations; low otherwise.
//! - **Flags**: over-provisioned below 10 % of memory used at p99; near-OOM
//!   above 95 % at the maximum (one invocation over the limit is an OOM,
//!   so the maximum is what matters) or with OOM errors.
//! - **Timeout** and **arm64** advice: [`TimeoutAdvice`], [`Arm64Migration`].
//! - **Platforms without a memory setting** are `not-applicable`, with the
//!   reason: Cloudflare Workers (fixed 128 MB, CPU time billed), self-hosted
//!   Knative and OpenFaaS (no list price), and Azure Functions Consumption,
//!   which has no per-function memory setting and bills each execution's
//!   *observed* memory in 128 MB steps (`faasight_pricing::azure_functions`):
//!   its safety floor (128 MB steps) and cost now are still reported, with
//!   a warning when the floor exceeds the 1,536 MB instance.
//!
//! Pure functions: no I/O.

use crate::frame_input::{self, FrameError};
use chrono::{DateTime, Utc};
use faasight_pricing::{
    aws_lambda, azure_functions, ceil_ms, ceil_to_step, gcp_cloud_run_functions, Provider,
};
use faasight_store::PicoUsd;
use polars::prelude::{DataFrame, DataType};
use serde::Serialize;
use std::collections::BTreeMap;
use std::str::FromStr;

/// Days in an average month (365.25 / 12), to turn a window's invocations
/// into a monthly volume.
pub const DAYS_PER_MONTH: f64 = 30.4375;

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
/// Memory that buys one vCPU on AWS Lambda (configuration-memory page).
pub const AWS_MB_PER_VCPU: f64 = 1769.0;

/// Memory tiers of Cloud Run functions (MiB), each with its default vCPU:
/// <https://cloud.google.com/functions/docs/configuring/memory>.
pub const GCP_MEMORY_TIERS_MB: [u32; 9] = [128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768];

/// Share of the "fully CPU-bound" bound in the expected duration of a
/// projected range: 0.5 is the midpoint, the least committal guess when
/// nothing tells how CPU-bound the function is.
const PROJECTED_CPU_BOUND_SHARE: f64 = 0.5;

/// Invocations below which the p99 of max memory is, in effect, the
/// maximum of a handful of values (ClickHouse interpolates between the top
/// two of fewer than 100): the advice is then at least medium risk.
const FEW_INVOCATIONS_FOR_P99: u64 = 100;

/// A recommendation closer than this to the memory requirement (fraction
/// above it) leaves no margin beyond the headroom: high risk.
const THIN_MARGIN: f64 = 0.10;

/// Less than this share of memory used at p99: over-provisioned.
const OVER_PROVISIONED_SHARE: f64 = 0.10;
/// More than this share used at the maximum: near out-of-memory.
const NEAR_OOM_SHARE: f64 = 0.95;

/// How a size is chosen among the safe ones, as Lambda Power Tuning
/// defines its strategies (README and `lambda/analyzer.js` of
/// <https://github.com/alexcasalboni/aws-lambda-power-tuning>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// The cheapest mean cost per invocation; among equal costs, the faster.
    Cost,
    /// The shortest mean duration; among equal durations, the cheaper.
    Speed,
    /// The smallest `w × cost / max cost + (1 − w) × duration / max
    /// duration` over the candidate sizes, with `w` the balanced weight:
    /// 1 is `cost`, 0 is `speed`.
    Balanced,
}

impl Strategy {
    /// The name `FromStr` accepts.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Cost => "cost",
            Strategy::Speed => "speed",
            Strategy::Balanced => "balanced",
        }
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Strategy {
    type Err = RightsizingError;

    /// `cost`, `speed` or `balanced` (any case), as the CLI and the HTTP
    /// API receive them.
    fn from_str(s: &str) -> Result<Strategy, RightsizingError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cost" => Ok(Strategy::Cost),
            "speed" => Ok(Strategy::Speed),
            "balanced" => Ok(Strategy::Balanced),
            _ => Err(RightsizingError::UnknownStrategy(s.to_string())),
        }
    }
}

/// Options of [`recommend`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RightsizingOptions {
    /// How to choose among safe sizes.
    pub strategy: Strategy,
    /// Weight of cost against speed for [`Strategy::Balanced`], 0..=1
    /// (Power Tuning's `balancedWeight`, default 0.5 there and here).
    pub balanced_weight: f64,
    /// Headroom over the p99 of max memory used, in percent.
    pub headroom_pct: f64,
    /// Invocations needed at the current size before advising; with fewer,
    /// the result is `insufficient-data` and says so.
    pub min_invocations: u64,
    /// Length of the window the frame aggregates, in days (for the monthly
    /// volume).
    pub window_days: f64,
    /// Prices in force at this time are applied (the catalog is dated).
    /// The reports use now, also for a past window: advice is about what
    /// the function will cost from now on, at the volume the window shows.
    pub priced_at: DateTime<Utc>,
}

impl Default for RightsizingOptions {
    /// Cost strategy, 20 % headroom, 10 invocations, a 14-day window (the
    /// look-back of Compute Optimizer).
    fn default() -> Self {
        RightsizingOptions {
            strategy: Strategy::Cost,
            balanced_weight: 0.5,
            headroom_pct: 20.0,
            min_invocations: 10,
            window_days: 14.0,
            priced_at: Utc::now(),
        }
    }
}

/// Input that cannot be advised on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RightsizingError {
    /// A column is absent or has the wrong type (the module documentation
    /// lists the columns).
    #[error(transparent)]
    Input(#[from] FrameError),
    /// A row holds an impossible value.
    #[error("row {row}: {message}")]
    BadRow {
        /// Row index in the frame.
        row: usize,
        /// What is wrong.
        message: String,
    },
    /// A function's rows contradict each other.
    #[error("function {function}: {message}")]
    BadFunction {
        /// `provider/account/region/function`.
        function: String,
        /// What is wrong.
        message: String,
    },
    /// An option is out of range.
    #[error("invalid option: {0}")]
    BadOption(String),
    /// A strategy name that is not `cost`, `speed` or `balanced`.
    #[error("unknown strategy `{0}`: expected cost, speed or balanced")]
    UnknownStrategy(String),
}

/// What the advice for a function amounts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Change the memory size to `recommended_memory_mb`.
    Recommend,
    /// The current size is the strategy's choice.
    Keep,
    /// Not enough data to advise; `reason` says what is missing.
    InsufficientData,
    /// The platform has no memory setting to change.
    NotApplicable,
}

/// How far to trust a recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    /// Durations at the new size come from a fit on observed sizes, with
    /// memory margin to spare.
    Low,
    /// Durations are a projected range, or the memory quantile rests on few
    /// invocations.
    Medium,
    /// Little memory margin, or timeouts or out-of-memory errors observed.
    High,
}

/// Where the durations at other sizes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// `a + b / vcpus` fitted on two or more observed sizes.
    Fitted,
    /// A range projected from one size (not CPU-bound … fully CPU-bound).
    ProjectedRange,
}

/// The duration model of a function: mean duration (ms) at a size is
/// `fixed_ms + cpu_ms_at_one_vcpu / vcpus(size)`, with `vcpus` capped at
/// `usable_vcpus`. For a projected range these are the midpoint curve's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DurationModel {
    /// Fitted or projected.
    pub kind: ModelKind,
    /// `a`: milliseconds that more CPU does not shorten.
    pub fixed_ms: f64,
    /// `b`: milliseconds of CPU-bound work at one usable vCPU.
    pub cpu_ms_at_one_vcpu: f64,
    /// Parallelism the runtime can use (None: as many vCPUs as the size
    /// gives).
    pub usable_vcpus: Option<f64>,
    /// Sizes (MB) the model was fitted on, or the one it projects from.
    pub sizes_mb: Vec<u32>,
}

/// One size considered, at or above the safety floor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidateSize {
    /// Memory (MB).
    pub memory_mb: u32,
    /// Expected mean duration (ms).
    pub expected_duration_ms: f64,
    /// Lower end of the projected mean duration (ms).
    pub duration_low_ms: f64,
    /// Upper end of the projected mean duration (ms).
    pub duration_high_ms: f64,
    /// Mean duration observed at this size (same architecture, enough
    /// invocations), if the function ran at it.
    pub observed_mean_ms: Option<f64>,
    /// List price of one invocation at the expected duration.
    pub cost_per_invocation: PicoUsd,
    /// At the monthly volume.
    pub monthly_cost: PicoUsd,
}

/// Savings from moving an AWS x86_64 function to arm64 (Graviton) at the
/// size it would run at after the memory advice. Assumes the same duration
/// on arm64: AWS reports up to 34 % better price-performance, but how much
/// of it is speed depends on the code, so only the price difference is
/// counted (<https://aws.amazon.com/blogs/aws/aws-lambda-functions-powered-by-aws-graviton2-processor-run-your-functions-on-arm-and-get-up-to-34-better-price-performance/>).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Arm64Migration {
    /// The size priced (MB).
    pub memory_mb: u32,
    /// Monthly cost on x86_64.
    pub monthly_cost_x86_64: PicoUsd,
    /// Monthly cost on arm64.
    pub monthly_cost_arm64: PicoUsd,
    /// x86_64 − arm64.
    pub monthly_savings: PicoUsd,
    /// Savings as a percentage of the x86_64 cost.
    pub savings_pct: f64,
}

/// What to do with the timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeoutAction {
    /// The timeout is far above any observed duration: a hung invocation
    /// bills until it, so lower it.
    Lower,
    /// Invocations timed out: raise the timeout or find why they hang.
    RaiseOrInvestigate,
}

/// Timeout advice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeoutAdvice {
    /// Lower, or raise/investigate.
    pub action: TimeoutAction,
    /// Configured timeout (ms).
    pub current_timeout_ms: u64,
    /// Suggested timeout (ms), when the data supports a number.
    pub suggested_timeout_ms: Option<u64>,
    /// Why, in a sentence.
    pub reason: String,
}

/// One observed size of a function, as evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObservedSize {
    /// Memory (MB).
    pub memory_mb: u32,
    /// Architecture.
    pub arch: String,
    /// Invocations at this size in the window.
    pub invocations: u64,
    /// Mean duration (ms).
    pub duration_mean_ms: Option<f64>,
    /// p99 duration (ms).
    pub duration_p99_ms: Option<f64>,
    /// p99 of max memory used (MB).
    pub max_memory_p99_mb: Option<f64>,
    /// Whether this is the current size.
    pub is_current: bool,
    /// Whether its mean entered the duration fit.
    pub used_in_fit: bool,
}

/// The data behind a recommendation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// Invocations at the current size.
    pub invocations_current: u64,
    /// Invocations at all sizes in the window.
    pub invocations_window: u64,
    /// Window length (days).
    pub window_days: f64,
    /// Every size observed.
    pub sizes_observed: Vec<ObservedSize>,
    /// Duration quantiles at the current size (ms): p50, p90, p99, p99.9.
    pub duration_p50_ms: Option<f64>,
    /// p90 (ms).
    pub duration_p90_ms: Option<f64>,
    /// p99 (ms).
    pub duration_p99_ms: Option<f64>,
    /// p99.9 (ms).
    pub duration_p999_ms: Option<f64>,
    /// Mean duration at the current size (ms).
    pub duration_mean_ms: Option<f64>,
    /// Mean billed duration at the current size (ms).
    pub billed_duration_mean_ms: Option<f64>,
    /// p99 of max memory used at the current size (MB).
    pub max_memory_p99_mb: Option<f64>,
    /// Largest max memory used at any size in the window (MB).
    pub max_memory_max_mb: Option<f64>,
    /// Timeouts at the current size.
    pub timeouts_current: u64,
    /// Out-of-memory errors at the current size.
    pub oom_errors_current: u64,
    /// Timeouts at all sizes.
    pub timeouts_window: u64,
    /// Out-of-memory errors at all sizes.
    pub oom_errors_window: u64,
}

/// Right-sizing advice for one function.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// Provider.
    pub provider: String,
    /// Account, subscription or project.
    pub account: String,
    /// Region.
    pub region: String,
    /// Function name.
    pub function: String,
    /// Runtime at the current size.
    pub runtime: String,
    /// Architecture at the current size.
    pub arch: String,
    /// Recommend, keep, insufficient data or not applicable.
    pub status: Status,
    /// Why, in a sentence or two.
    pub reason: String,
    /// Strategy used.
    pub strategy: Strategy,
    /// Current memory size (MB).
    pub current_memory_mb: u32,
    /// The strategy's size (MB), for `recommend` and `keep`.
    pub recommended_memory_mb: Option<u32>,
    /// Smallest safe size (MB) under the provider's step.
    pub safety_floor_mb: Option<u32>,
    /// How durations at other sizes were obtained.
    pub duration_model: Option<DurationModel>,
    /// Expected mean duration at the recommended size (ms).
    pub expected_duration_ms: Option<f64>,
    /// Projected range of the mean duration there (ms).
    pub duration_range_ms: Option<(f64, f64)>,
    /// Invocations a month at the window's rate.
    pub monthly_invocations: f64,
    /// List price of one invocation now.
    pub cost_per_invocation_now: Option<PicoUsd>,
    /// List price of one invocation at the recommended size (expected).
    pub cost_per_invocation_after: Option<PicoUsd>,
    /// Monthly cost now.
    pub monthly_cost_now: Option<PicoUsd>,
    /// Monthly cost at the recommended size (expected).
    pub monthly_cost_after: Option<PicoUsd>,
    /// Monthly cost at the recommended size at the ends of the duration
    /// range.
    pub monthly_cost_after_range: Option<(PicoUsd, PicoUsd)>,
    /// Now − after (negative: the advice costs more, e.g. to be safe or
    /// fast).
    pub monthly_savings: Option<PicoUsd>,
    /// Savings as a percentage of the cost now.
    pub savings_pct: Option<f64>,
    /// How far to trust the advice.
    pub risk: Option<Risk>,
    /// What set the risk level.
    pub risk_reasons: Vec<String>,
    /// arm64 savings, for AWS x86_64 functions whose runtime has arm64.
    pub arm64: Option<Arm64Migration>,
    /// Timeout advice, when there is some.
    pub timeout: Option<TimeoutAdvice>,
    /// Less than 10 % of memory used at p99.
    pub over_provisioned: bool,
    /// More than 95 % of memory used at the maximum, or out-of-memory
    /// errors at the current size.
    pub near_oom: bool,
    /// Sizes considered, smallest first.
    pub candidates: Vec<CandidateSize>,
    /// The data behind the advice.
    pub evidence: Evidence,
}

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
        Provider::CloudflareWorkers | Provider::Knative | Provider::OpenFaas => None,
    }
}

/// Memory a function needs before rounding to a step (MB).
fn memory_need_mb(p99_mb: f64, max_mb: f64, headroom_pct: f64) -> f64 {
    (p99_mb * (1.0 + headroom_pct / 100.0)).max(max_mb)
}

/// Advice for every function in `frame` (see the module documentation for
/// its columns), ordered by provider, account, region and function.
pub fn recommend(
    frame: &DataFrame,
    options: &RightsizingOptions,
) -> Result<Vec<Recommendation>, RightsizingError> {
    check_options(options)?;
    let rows = read_rows(frame)?;
    let mut functions: BTreeMap<(String, String, String, String), Vec<SizeRow>> = BTreeMap::new();
    for row in rows {
        let key = (
            row.provider.clone(),
            row.account.clone(),
            row.region.clone(),
            row.function.clone(),
        );
        functions.entry(key).or_default().push(row);
    }
    let mut out = Vec::with_capacity(functions.len());
    for ((provider, account, region, function), mut rows) in functions {
        let name = format!("{provider}/{account}/{region}/{function}");
        rows.sort_by(|x, y| (x.memory_mb, &x.arch).cmp(&(y.memory_mb, &y.arch)));
        if let Some(pair) = rows
            .windows(2)
            .find(|w| w[0].memory_mb == w[1].memory_mb && w[0].arch == w[1].arch)
        {
            return Err(RightsizingError::BadFunction {
                function: name,
                message: format!(
                    "two rows for {} MB on {}; aggregate them into one",
                    pair[0].memory_mb, pair[0].arch
                ),
            });
        }
        let current: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].is_current).collect();
        if current.len() != 1 {
            return Err(RightsizingError::BadFunction {
                function: name,
                message: format!(
                    "{} rows have is_current = true; exactly one must (the size the function runs at now)",
                    current.len()
                ),
            });
        }
        out.push(advise(&rows, current[0], options));
    }
    Ok(out)
}

fn check_options(options: &RightsizingOptions) -> Result<(), RightsizingError> {
    let w = options.balanced_weight;
    if !(0.0..=1.0).contains(&w) {
        return Err(RightsizingError::BadOption(format!(
            "balanced_weight must be between 0 (speed) and 1 (cost), got {w}"
        )));
    }
    let h = options.headroom_pct;
    if !(h.is_finite() && h >= 0.0) {
        return Err(RightsizingError::BadOption(format!(
            "headroom_pct must be a non-negative percentage, got {h}"
        )));
    }
    let d = options.window_days;
    if !(d.is_finite() && d > 0.0) {
        return Err(RightsizingError::BadOption(format!(
            "window_days must be a positive number of days, got {d}"
        )));
    }
    Ok(())
}

/// One row of the frame, checked.
#[derive(Debug, Clone)]
struct SizeRow {
    provider: String,
    account: String,
    region: String,
    function: String,
    runtime: String,
    arch: String,
    memory_mb: u32,
    timeout_ms: Option<f64>,
    invocations: u64,
    duration_p50_ms: Option<f64>,
    duration_p90_ms: Option<f64>,
    duration_p99_ms: Option<f64>,
    duration_p999_ms: Option<f64>,
    duration_mean_ms: Option<f64>,
    max_memory_p99_mb: Option<f64>,
    max_memory_max_mb: Option<f64>,
    timeouts: u64,
    oom_errors: u64,
    billed_duration_mean_ms: Option<f64>,
    is_current: bool,
}

/// A column of nulls only (SQL NULLs of an all-NULL column come without
/// a type): read as missing values of any type.
fn all_null(frame: &DataFrame, name: &str) -> bool {
    frame
        .column(name)
        .is_ok_and(|c| matches!(c.dtype(), DataType::Null))
}

fn strings(frame: &DataFrame, name: &str) -> Result<Vec<Option<String>>, RightsizingError> {
    if all_null(frame, name) {
        return Ok(vec![None; frame.height()]);
    }
    let values = frame_input::strings(frame, name)?;
    Ok(values.iter().map(|v| v.map(str::to_string)).collect())
}

fn numbers(frame: &DataFrame, name: &str) -> Result<Vec<Option<f64>>, RightsizingError> {
    if all_null(frame, name) {
        return Ok(vec![None; frame.height()]);
    }
    Ok(frame_input::floats(frame, name)?.iter().collect())
}

fn booleans(frame: &DataFrame, name: &str) -> Result<Vec<Option<bool>>, RightsizingError> {
    Ok(frame_input::booleans(frame, name)?.iter().collect())
}

fn bad_row(row: usize, message: String) -> RightsizingError {
    RightsizingError::BadRow { row, message }
}

/// A measurement: NaN means not reported; negative or infinite is an error.
fn measurement(
    value: Option<f64>,
    row: usize,
    name: &str,
) -> Result<Option<f64>, RightsizingError> {
    match value {
        None => Ok(None),
        Some(v) if v.is_nan() => Ok(None),
        Some(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
        Some(v) => Err(bad_row(
            row,
            format!("`{name}` is {v}, expected a non-negative number"),
        )),
    }
}

/// A count: a whole non-negative number.
fn count(value: Option<f64>, row: usize, name: &str) -> Result<Option<u64>, RightsizingError> {
    match measurement(value, row, name)? {
        None => Ok(None),
        Some(v) if v.fract() == 0.0 => Ok(Some(v as u64)),
        Some(v) => Err(bad_row(
            row,
            format!("`{name}` is {v}, expected a whole number"),
        )),
    }
}

fn read_rows(frame: &DataFrame) -> Result<Vec<SizeRow>, RightsizingError> {
    let provider = strings(frame, "provider")?;
    let account = strings(frame, "account")?;
    let region = strings(frame, "region")?;
    let function = strings(frame, "function")?;
    let runtime = strings(frame, "runtime")?;
    let arch = strings(frame, "arch")?;
    let memory_mb = numbers(frame, "memory_mb")?;
    let timeout_ms = numbers(frame, "timeout_ms")?;
    let invocations = numbers(frame, "invocations")?;
    let p50 = numbers(frame, "duration_p50_ms")?;
    let p90 = numbers(frame, "duration_p90_ms")?;
    let p99 = numbers(frame, "duration_p99_ms")?;
    let p999 = numbers(frame, "duration_p999_ms")?;
    let mean = numbers(frame, "duration_mean_ms")?;
    let mem_p99 = numbers(frame, "max_memory_p99_mb")?;
    let mem_max = numbers(frame, "max_memory_max_mb")?;
    let timeouts = numbers(frame, "timeouts")?;
    let oom_errors = numbers(frame, "oom_errors")?;
    let billed_mean = numbers(frame, "billed_duration_mean_ms")?;
    let is_current = booleans(frame, "is_current")?;

    let mut rows = Vec::with_capacity(frame.height());
    for i in 0..frame.height() {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let provider = text(&provider[i]);
        if provider.is_empty() {
            return Err(bad_row(i, "`provider` is empty".into()));
        }
        let function = text(&function[i]);
        if function.is_empty() {
            return Err(bad_row(i, "`function` is empty".into()));
        }
        let memory = count(memory_mb[i], i, "memory_mb")?
            .filter(|&m| m > 0 && m <= u32::MAX as u64)
            .ok_or_else(|| bad_row(i, "`memory_mb` must be a positive whole number".into()))?;
        let invocations = count(invocations[i], i, "invocations")?
            .ok_or_else(|| bad_row(i, "`invocations` is null".into()))?;
        let is_current = is_current[i].ok_or_else(|| bad_row(i, "`is_current` is null".into()))?;
        rows.push(SizeRow {
            provider,
            account: text(&account[i]),
            region: text(&region[i]),
            function,
            runtime: text(&runtime[i]),
            arch: text(&arch[i]),
            memory_mb: memory as u32,
            timeout_ms: measurement(timeout_ms[i], i, "timeout_ms")?.filter(|&t| t > 0.0),
            invocations,
            duration_p50_ms: measurement(p50[i], i, "duration_p50_ms")?,
            duration_p90_ms: measurement(p90[i], i, "duration_p90_ms")?,
            duration_p99_ms: measurement(p99[i], i, "duration_p99_ms")?,
            duration_p999_ms: measurement(p999[i], i, "duration_p999_ms")?,
            duration_mean_ms: measurement(mean[i], i, "duration_mean_ms")?,
            // Zero memory used means the source did not report it.
            max_memory_p99_mb: measurement(mem_p99[i], i, "max_memory_p99_mb")?
                .filter(|&m| m > 0.0),
            max_memory_max_mb: measurement(mem_max[i], i, "max_memory_max_mb")?
                .filter(|&m| m > 0.0),
            timeouts: count(timeouts[i], i, "timeouts")?.unwrap_or(0),
            oom_errors: count(oom_errors[i], i, "oom_errors")?.unwrap_or(0),
            billed_duration_mean_ms: measurement(billed_mean[i], i, "billed_duration_mean_ms")?,
            is_current,
        });
    }
    Ok(rows)
}

/// Parallelism a runtime can use. Node.js, Python, Ruby and PHP run a
/// handler on one thread (an event loop or a global interpreter lock), so
/// CPU beyond one vCPU does not shorten it; Java, .NET, Go and custom
/// runtimes (`provided*`) can use every vCPU. An unknown runtime is treated
/// as single-threaded, so no gain above one vCPU is ever promised.
fn usable_vcpus(runtime: &str) -> f64 {
    let r = runtime.to_ascii_lowercase();
    let multi = ["java", "dotnet", "go", "provided"];
    if multi.iter().any(|p| r.starts_with(p)) {
        f64::INFINITY
    } else {
        1.0
    }
}

/// vCPUs a size is given: AWS in proportion to memory (1,769 MB = 1 vCPU);
/// Cloud Run functions the tier's default. `None` where memory does not
/// set CPU.
fn cpu_share(provider: Provider, memory_mb: u32) -> Option<f64> {
    match provider {
        Provider::AwsLambda => Some(memory_mb as f64 / AWS_MB_PER_VCPU),
        Provider::GcpCloudRunFunctions => {
            Some(gcp_cloud_run_functions::default_vcpu_milli(memory_mb) as f64 / 1000.0)
        }
        _ => None,
    }
}

/// Billed duration (ms) for a mean duration under the provider's rounding:
/// AWS whole ms (at least 1); GCP 100 ms steps; Azure whole ms, at least
/// 100 ms (rules and sources in `faasight_pricing`).
fn billed_ms(provider: Provider, mean_ms: f64) -> f64 {
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
fn cost_pico(
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

fn pico(value: f64) -> PicoUsd {
    PicoUsd(value.round() as i64)
}

fn usd(amount: PicoUsd) -> String {
    let dollars = amount.as_usd_f64();
    if dollars.abs() >= 0.01 {
        format!("${dollars:.2}")
    } else {
        format!("${dollars:.6}")
    }
}

/// Mean duration (ms) at a size: expected, low, high, and whether it is an
/// observation rather than a projection.
#[derive(Debug, Clone, Copy, PartialEq)]
struct DurationAt {
    expected: f64,
    low: f64,
    high: f64,
    observed: bool,
}

/// A function's duration curve.
#[derive(Debug, Clone)]
struct Curve {
    provider: Provider,
    usable_vcpus: f64,
    kind: ModelKind,
    fixed_ms: f64,
    cpu_ms: f64,
    /// Projected range: mean and vCPUs at the size projected from.
    anchor: Option<(f64, f64)>,
    /// Observed means by size (same architecture, enough invocations): a
    /// projected range uses them as they are.
    observed: Vec<(u32, f64)>,
    sizes_mb: Vec<u32>,
}

impl Curve {
    fn vcpus(&self, memory_mb: u32) -> f64 {
        cpu_share(self.provider, memory_mb)
            .unwrap_or(1.0)
            .min(self.usable_vcpus)
    }

    fn at(&self, memory_mb: u32) -> DurationAt {
        let observed = self.observed.iter().find(|(m, _)| *m == memory_mb);
        if let (Some(&(_, mean)), ModelKind::ProjectedRange) = (observed, self.kind) {
            return DurationAt {
                expected: mean,
                low: mean,
                high: mean,
                observed: true,
            };
        }
        let vcpus = self.vcpus(memory_mb);
        match self.anchor {
            Some((mean, anchor_vcpus)) => {
                let not_cpu_bound = mean;
                let fully_cpu_bound = mean * anchor_vcpus / vcpus;
                DurationAt {
                    expected: not_cpu_bound * (1.0 - PROJECTED_CPU_BOUND_SHARE)
                        + fully_cpu_bound * PROJECTED_CPU_BOUND_SHARE,
                    low: not_cpu_bound.min(fully_cpu_bound),
                    high: not_cpu_bound.max(fully_cpu_bound),
                    observed: false,
                }
            }
            None => {
                let d = self.fixed_ms + self.cpu_ms / vcpus;
                DurationAt {
                    expected: d,
                    low: d,
                    high: d,
                    observed: false,
                }
            }
        }
    }

    fn summary(&self) -> DurationModel {
        DurationModel {
            kind: self.kind,
            fixed_ms: self.fixed_ms,
            cpu_ms_at_one_vcpu: self.cpu_ms,
            usable_vcpus: self.usable_vcpus.is_finite().then_some(self.usable_vcpus),
            sizes_mb: self.sizes_mb.clone(),
        }
    }
}

/// Weighted least squares of `y = a + b z` over (z, y, weight), with
/// `b ≥ 0` (more CPU never slows a function down) and `a ≥ 0` (no negative
/// time). `None` unless two distinct `z` carry weight.
fn fit_cpu_curve(points: &[(f64, f64, f64)]) -> Option<(f64, f64)> {
    let w: f64 = points.iter().map(|p| p.2).sum();
    if points.len() < 2 || w <= 0.0 {
        return None;
    }
    let z_mean = points.iter().map(|p| p.2 * p.0).sum::<f64>() / w;
    let y_mean = points.iter().map(|p| p.2 * p.1).sum::<f64>() / w;
    let szz: f64 = points.iter().map(|p| p.2 * (p.0 - z_mean).powi(2)).sum();
    let szy: f64 = points
        .iter()
        .map(|p| p.2 * (p.0 - z_mean) * (p.1 - y_mean))
        .sum();
    if szz <= 1e-12 * w {
        return None;
    }
    let mut b = szy / szz;
    let mut a = y_mean - b * z_mean;
    if b < 0.0 {
        b = 0.0;
        a = y_mean;
    }
    if a < 0.0 {
        // Through the origin: minimise Σ w (y − b z)².
        a = 0.0;
        let szz0: f64 = points.iter().map(|p| p.2 * p.0 * p.0).sum();
        b = (points.iter().map(|p| p.2 * p.0 * p.1).sum::<f64>() / szz0).max(0.0);
    }
    Some((a, b))
}

/// A size scored for the strategies.
#[derive(Debug, Clone, Copy)]
struct Scored {
    cost: f64,
    duration: f64,
}

/// Index of the size a strategy picks (Power Tuning's `findCheapest`,
/// `findFastest` and `findBalanced`: ties on cost go to the faster, ties on
/// duration to the cheaper; remaining ties to the smaller size, which comes
/// first). `None` for no candidates.
fn choose(strategy: Strategy, weight: f64, scored: &[Scored]) -> Option<usize> {
    let max_cost = scored.iter().map(|s| s.cost).fold(0.0, f64::max);
    let max_duration = scored.iter().map(|s| s.duration).fold(0.0, f64::max);
    let share = |value: f64, max: f64| if max > 0.0 { value / max } else { 0.0 };
    let balanced = |s: &Scored| {
        weight * share(s.cost, max_cost) + (1.0 - weight) * share(s.duration, max_duration)
    };
    scored
        .iter()
        .enumerate()
        .min_by(|&(i, a), &(j, b)| {
            match strategy {
                Strategy::Cost => a
                    .cost
                    .total_cmp(&b.cost)
                    .then(a.duration.total_cmp(&b.duration)),
                Strategy::Speed => a
                    .duration
                    .total_cmp(&b.duration)
                    .then(a.cost.total_cmp(&b.cost)),
                Strategy::Balanced => balanced(a).total_cmp(&balanced(b)),
            }
            .then(i.cmp(&j))
        })
        .map(|(i, _)| i)
}

/// Whether AWS offers arm64 for this runtime: every managed runtime since
/// Graviton2 support except the ones that never got it (Go 1.x, Java 8 on
/// Amazon Linux 1, Python ≤ 3.7, Node.js ≤ 10, Ruby 2.5, .NET Core ≤ 2.1,
/// the Amazon Linux 1 custom runtime `provided`), and not unknown runtimes
/// (e.g. container images that do not report one).
/// <https://docs.aws.amazon.com/lambda/latest/dg/foundation-arch.html>,
/// <https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html>,
/// <https://docs.aws.amazon.com/lambda/latest/dg/lambda-golang.html>.
fn aws_runtime_has_arm64(runtime: &str) -> bool {
    let r = runtime.to_ascii_lowercase();
    let never = [
        "go1.x",
        "java8",
        "python2.7",
        "python3.6",
        "python3.7",
        "nodejs",
        "nodejs4.3",
        "nodejs6.10",
        "nodejs8.10",
        "nodejs10.x",
        "ruby2.5",
        "dotnetcore1.0",
        "dotnetcore2.0",
        "dotnetcore2.1",
        "provided",
    ];
    if never.contains(&r.as_str()) {
        return false;
    }
    [
        "nodejs",
        "python3",
        "java",
        "dotnet",
        "ruby",
        "provided.al2",
    ]
    .iter()
    .any(|p| r.starts_with(p))
}

/// Everything about one function that the steps below share.
struct Context<'a> {
    provider: Option<Provider>,
    rows: &'a [SizeRow],
    current: &'a SizeRow,
    options: &'a RightsizingOptions,
    monthly_invocations: f64,
    /// Billed ms beyond the provider rounding of the mean (see module docs).
    billed_extra_ms: f64,
}

impl Context<'_> {
    /// Per-invocation cost (fractional pico) at a size and mean duration.
    fn cost(&self, arch: &str, memory_mb: u32, mean_ms: f64) -> Option<f64> {
        let provider = self.provider?;
        cost_pico(
            provider,
            arch,
            &self.current.region,
            memory_mb,
            billed_ms(provider, mean_ms) + self.billed_extra_ms,
            self.options.priced_at,
        )
    }

    fn monthly(&self, per_invocation: f64) -> PicoUsd {
        pico(per_invocation * self.monthly_invocations)
    }
}

fn advise(rows: &[SizeRow], current_index: usize, options: &RightsizingOptions) -> Recommendation {
    let current = &rows[current_index];
    let provider = Provider::parse(&current.provider);
    let invocations_window: u64 = rows.iter().map(|r| r.invocations).sum();
    let monthly_invocations = invocations_window as f64 * DAYS_PER_MONTH / options.window_days;
    let billed_extra_ms = match (
        provider,
        current.duration_mean_ms,
        current.billed_duration_mean_ms,
    ) {
        (Some(p), Some(mean), Some(billed)) => (billed - billed_ms(p, mean)).max(0.0),
        _ => 0.0,
    };
    let ctx = Context {
        provider,
        rows,
        current,
        options,
        monthly_invocations,
        billed_extra_ms,
    };
    let window_max = rows
        .iter()
        .filter_map(|r| r.max_memory_max_mb)
        .fold(None, |acc: Option<f64>, m| {
            Some(acc.map_or(m, |a| a.max(m)))
        });
    let mut rec = Recommendation {
        provider: current.provider.clone(),
        account: current.account.clone(),
        region: current.region.clone(),
        function: current.function.clone(),
        runtime: current.runtime.clone(),
        arch: current.arch.clone(),
        status: Status::NotApplicable,
        reason: String::new(),
        strategy: options.strategy,
        current_memory_mb: current.memory_mb,
        recommended_memory_mb: None,
        safety_floor_mb: None,
        duration_model: None,
        expected_duration_ms: None,
        duration_range_ms: None,
        monthly_invocations,
        cost_per_invocation_now: None,
        cost_per_invocation_after: None,
        monthly_cost_now: None,
        monthly_cost_after: None,
        monthly_cost_after_range: None,
        monthly_savings: None,
        savings_pct: None,
        risk: None,
        risk_reasons: Vec::new(),
        arm64: None,
        timeout: None,
        over_provisioned: false,
        near_oom: false,
        candidates: Vec::new(),
        evidence: Evidence {
            invocations_current: current.invocations,
            invocations_window,
            window_days: options.window_days,
            sizes_observed: rows
                .iter()
                .map(|r| ObservedSize {
                    memory_mb: r.memory_mb,
                    arch: r.arch.clone(),
                    invocations: r.invocations,
                    duration_mean_ms: r.duration_mean_ms,
                    duration_p99_ms: r.duration_p99_ms,
                    max_memory_p99_mb: r.max_memory_p99_mb,
                    is_current: r.is_current,
                    used_in_fit: false,
                })
                .collect(),
            duration_p50_ms: current.duration_p50_ms,
            duration_p90_ms: current.duration_p90_ms,
            duration_p99_ms: current.duration_p99_ms,
            duration_p999_ms: current.duration_p999_ms,
            duration_mean_ms: current.duration_mean_ms,
            billed_duration_mean_ms: current.billed_duration_mean_ms,
            max_memory_p99_mb: current.max_memory_p99_mb,
            max_memory_max_mb: window_max,
            timeouts_current: current.timeouts,
            oom_errors_current: current.oom_errors,
            timeouts_window: rows.iter().map(|r| r.timeouts).sum(),
            oom_errors_window: rows.iter().map(|r| r.oom_errors).sum(),
        },
    };

    let provider = match provider {
        Some(
            p @ (Provider::AwsLambda | Provider::GcpCloudRunFunctions | Provider::AzureFunctions),
        ) => p,
        Some(Provider::CloudflareWorkers) => {
            rec.reason =
                "Not applicable: Cloudflare Workers have no memory setting (every isolate \
                          gets the same 128 MB) and bill CPU time, so there is no size to choose."
                    .into();
            return rec;
        }
        Some(Provider::AzureFunctionsFlex | Provider::GcpCloudFunctionsGen1) => {
            rec.reason = format!(
                "Not modelled yet: `{}` prices are in the catalog, but its duration-vs-size \
                 model is not; the safety floor above is still the smallest safe size.",
                current.provider
            );
            return rec;
        }
        Some(Provider::Knative | Provider::OpenFaas) => {
            rec.reason = format!(
                "Not applicable: {} is self-hosted; memory is a container limit with no \
                 per-invocation price, so there is no list-price trade-off to advise on.",
                current.provider
            );
            return rec;
        }
        None => {
            rec.reason = format!(
                "Not applicable: provider `{}` is unknown to faasight's price catalog.",
                current.provider
            );
            return rec;
        }
    };

    // Flags, timeout advice and the cost now need only the current row.
    let memory = current.memory_mb as f64;
    rec.near_oom = current.oom_errors > 0
        || current
            .max_memory_max_mb
            .is_some_and(|m| m > NEAR_OOM_SHARE * memory);
    rec.over_provisioned = provider != Provider::AzureFunctions
        && current
            .max_memory_p99_mb
            .is_some_and(|m| m < OVER_PROVISIONED_SHARE * memory);
    let enough_invocations = current.invocations >= options.min_invocations.max(1);
    let durations_known = enough_invocations && current.duration_mean_ms.is_some();
    if let (true, Some(mean)) = (durations_known, current.duration_mean_ms) {
        // Azure bills the memory used, not a setting: price at the p99 used.
        let priced_mb = if provider == Provider::AzureFunctions {
            current
                .max_memory_p99_mb
                .map_or(current.memory_mb, |m| (m.ceil() as u32).max(1))
        } else {
            current.memory_mb
        };
        if let Some(now) = ctx.cost(&current.arch, priced_mb, mean) {
            rec.cost_per_invocation_now = Some(pico(now));
            rec.monthly_cost_now = Some(ctx.monthly(now));
        }
    }
    if enough_invocations {
        rec.timeout = timeout_advice(current, None);
    }
    let floor = match (current.max_memory_p99_mb, window_max) {
        (Some(p99), Some(max)) => safety_floor_mb(provider, p99, max, options.headroom_pct),
        _ => None,
    };
    rec.safety_floor_mb = floor;

    if provider == Provider::AzureFunctions {
        let limit = azure_functions::MAX_MEMORY_MB;
        rec.reason = match floor {
            Some(f) if f > limit => format!(
                "Not applicable: Azure Functions Consumption has no memory setting (each execution \
                 is billed for the memory it uses, in 128 MB steps). Warning: the safety floor of \
                 {f} MB exceeds the {limit} MB a Consumption instance has; consider a plan with \
                 larger instances."
            ),
            Some(f) => format!(
                "Not applicable: Azure Functions Consumption has no memory setting (each execution \
                 is billed for the memory it uses, in 128 MB steps); the safety floor of {f} MB \
                 fits in a {limit} MB instance."
            ),
            None => "Not applicable: Azure Functions Consumption has no memory setting (each \
                     execution is billed for the memory it uses, in 128 MB steps)."
                .into(),
        };
        return rec;
    }

    let mut missing = Vec::new();
    if !enough_invocations {
        missing.push(format!(
            "only {} invocations at the current size of {} MB in the window (at least {} needed)",
            current.invocations,
            current.memory_mb,
            options.min_invocations.max(1)
        ));
    }
    if current.max_memory_p99_mb.is_none() || window_max.is_none() {
        missing.push(
            "no max-memory data at the current size (the source does not report memory used, \
             e.g. traces without Lambda's REPORT line)"
                .into(),
        );
    }
    if current.duration_mean_ms.is_none() {
        missing.push("no mean duration at the current size".into());
    }
    let (Some(floor), Some(p99), Some(max), true, Some(mean_now)) = (
        floor,
        current.max_memory_p99_mb,
        window_max,
        enough_invocations,
        current.duration_mean_ms,
    ) else {
        rec.status = Status::InsufficientData;
        rec.reason = format!("Insufficient data: {}.", missing.join("; "));
        rec.arm64 = arm64_migration(&ctx, current.memory_mb, current.duration_mean_ms);
        return rec;
    };

    let (curve, fitted_sizes) = duration_curve(&ctx, provider);
    for size in &mut rec.evidence.sizes_observed {
        size.used_in_fit = size.arch == current.arch && fitted_sizes.contains(&size.memory_mb);
    }
    rec.duration_model = Some(curve.summary());

    // Candidates: the grid, the current size and the observed sizes, at or
    // above the floor and within the provider's range.
    let (grid, largest): (&[u32], u32) = match provider {
        Provider::GcpCloudRunFunctions => (
            &GCP_MEMORY_TIERS_MB,
            *GCP_MEMORY_TIERS_MB.last().unwrap_or(&0),
        ),
        _ => (&AWS_MEMORY_GRID_MB, AWS_MAX_MEMORY_MB),
    };
    let mut sizes: Vec<u32> = grid
        .iter()
        .copied()
        .chain(std::iter::once(current.memory_mb))
        .chain(curve.observed.iter().map(|(m, _)| *m))
        .filter(|&m| m >= floor && m <= largest)
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    let beyond_largest = sizes.is_empty();
    if beyond_largest {
        sizes.push(largest);
    }
    let mut scored = Vec::with_capacity(sizes.len());
    let mut ranges = Vec::with_capacity(sizes.len());
    for &m in &sizes {
        let d = curve.at(m);
        let cost = ctx.cost(&current.arch, m, d.expected).unwrap_or(0.0);
        scored.push(Scored {
            cost,
            duration: d.expected,
        });
        ranges.push(d);
        rec.candidates.push(CandidateSize {
            memory_mb: m,
            expected_duration_ms: d.expected,
            duration_low_ms: d.low,
            duration_high_ms: d.high,
            observed_mean_ms: curve.observed.iter().find(|o| o.0 == m).map(|o| o.1),
            cost_per_invocation: pico(cost),
            monthly_cost: ctx.monthly(cost),
        });
    }
    let Some(pick) = choose(options.strategy, options.balanced_weight, &scored) else {
        rec.status = Status::InsufficientData;
        rec.reason = "Insufficient data: no size could be priced.".into();
        return rec;
    };
    let chosen = sizes[pick];
    // Keeping the size changes nothing: "after" is what is observed now,
    // not the curve's value there.
    let (at, after) = if chosen == current.memory_mb {
        let now = DurationAt {
            expected: mean_now,
            low: mean_now,
            high: mean_now,
            observed: true,
        };
        let cost = ctx.cost(&current.arch, chosen, mean_now).unwrap_or(0.0);
        (now, cost)
    } else {
        (ranges[pick], scored[pick].cost)
    };
    rec.recommended_memory_mb = Some(chosen);
    rec.expected_duration_ms = Some(at.expected);
    rec.duration_range_ms = Some((at.low, at.high));
    rec.cost_per_invocation_after = Some(pico(after));
    rec.monthly_cost_after = Some(ctx.monthly(after));
    let cost_low = ctx.cost(&current.arch, chosen, at.low).unwrap_or(after);
    let cost_high = ctx.cost(&current.arch, chosen, at.high).unwrap_or(after);
    rec.monthly_cost_after_range = Some((ctx.monthly(cost_low), ctx.monthly(cost_high)));
    if let (Some(now), Some(after)) = (rec.monthly_cost_now, rec.monthly_cost_after) {
        let saved = PicoUsd(now.0 - after.0);
        rec.monthly_savings = Some(saved);
        rec.savings_pct = (now.0 != 0).then(|| 100.0 * saved.0 as f64 / now.0 as f64);
    }

    // Risk.
    let need = memory_need_mb(p99, max, options.headroom_pct);
    let mut risk = Risk::Low;
    let mut reasons = Vec::new();
    if current.timeouts > 0 || current.oom_errors > 0 {
        risk = risk.max(Risk::High);
        reasons.push(format!(
            "{} timeouts and {} out-of-memory errors at the current size",
            current.timeouts, current.oom_errors
        ));
    }
    if beyond_largest {
        risk = risk.max(Risk::High);
        reasons.push(format!(
            "the function needs {need:.0} MB, more than the largest size ({largest} MB)"
        ));
    } else if (chosen as f64) < need * (1.0 + THIN_MARGIN) {
        risk = risk.max(Risk::High);
        reasons.push(format!(
            "{chosen} MB is within {:.0} % of the {need:.0} MB needed with headroom",
            THIN_MARGIN * 100.0
        ));
    }
    if chosen != current.memory_mb && curve.kind == ModelKind::ProjectedRange && !at.observed {
        risk = risk.max(Risk::Medium);
        reasons
            .push("durations at the new size are a projected range from one observed size".into());
    }
    if current.invocations < FEW_INVOCATIONS_FOR_P99 {
        risk = risk.max(Risk::Medium);
        reasons.push(format!(
            "the p99 of memory rests on {} invocations",
            current.invocations
        ));
    }
    if reasons.is_empty() {
        reasons.push(match curve.kind {
            ModelKind::Fitted => {
                "durations fitted on observed sizes and memory margin to spare".into()
            }
            ModelKind::ProjectedRange => {
                "the size is unchanged and has memory margin to spare".into()
            }
        });
    }
    rec.risk = Some(risk);
    rec.risk_reasons = reasons;
    rec.arm64 = arm64_migration(&ctx, chosen, Some(at.expected));
    if chosen != current.memory_mb {
        // A smaller size may run longer: scale p99.9 by the upper end of the
        // projected slow-down before suggesting a timeout.
        let slowdown = current
            .duration_mean_ms
            .filter(|&m| m > 0.0)
            .map_or(1.0, |m| (at.high / m).max(1.0));
        rec.timeout = if enough_invocations {
            timeout_advice(current, Some(slowdown))
        } else {
            None
        };
    }

    let model = match curve.kind {
        ModelKind::Fitted => format!("fitted on {} sizes", curve.sizes_mb.len()),
        ModelKind::ProjectedRange => "projected from one size, not to fully CPU-bound".into(),
    };
    let floor_why = format!(
        "the safety floor is {floor} MB (p99 memory used {p99:.0} MB + {}% headroom, \
         largest seen {max:.0} MB)",
        options.headroom_pct
    );
    let money = match rec.monthly_savings {
        Some(s) if s.0 >= 0 => format!(
            "saves {}/month ({:.1} %) at {:.0} invocations/month",
            usd(s),
            rec.savings_pct.unwrap_or(0.0),
            monthly_invocations
        ),
        Some(s) => format!(
            "costs {}/month more at {:.0} invocations/month",
            usd(PicoUsd(-s.0)),
            monthly_invocations
        ),
        None => String::new(),
    };
    let pick_word = match options.strategy {
        Strategy::Cost => "cheapest",
        Strategy::Speed => "fastest",
        Strategy::Balanced => "best balanced",
    };
    if chosen == current.memory_mb {
        rec.status = Status::Keep;
        rec.reason = format!(
            "Keep {chosen} MB: it is the {pick_word} size at or above the floor; {floor_why}."
        );
    } else {
        rec.status = Status::Recommend;
        let verb = if current.memory_mb < floor {
            "Raise (the current size is below the safety floor)"
        } else if chosen < current.memory_mb {
            "Lower"
        } else {
            "Raise"
        };
        rec.reason = format!(
            "{verb} {} MB → {chosen} MB ({} strategy): {floor_why}; expected mean duration \
             {:.0} ms (range {:.0}–{:.0} ms, {model}); {money}.",
            current.memory_mb, options.strategy, at.expected, at.low, at.high
        );
    }
    if beyond_largest {
        rec.reason.push_str(&format!(
            " Warning: {need:.0} MB needed exceeds the largest size of {largest} MB."
        ));
    }
    rec
}

/// The duration curve of a function and the sizes it was fitted on.
fn duration_curve(ctx: &Context<'_>, provider: Provider) -> (Curve, Vec<u32>) {
    let current = ctx.current;
    let usable = usable_vcpus(&current.runtime);
    let vcpus = |m: u32| cpu_share(provider, m).unwrap_or(1.0).min(usable);
    // Sizes comparable with the current one: same architecture, enough
    // invocations and a mean.
    let observed: Vec<(u32, f64, u64)> = ctx
        .rows
        .iter()
        .filter(|r| r.arch == current.arch && r.invocations >= ctx.options.min_invocations.max(1))
        .filter_map(|r| r.duration_mean_ms.map(|d| (r.memory_mb, d, r.invocations)))
        .collect();
    let points: Vec<(f64, f64, f64)> = observed
        .iter()
        .map(|&(m, d, n)| (1.0 / vcpus(m), d, n as f64))
        .collect();
    let mut curve = Curve {
        provider,
        usable_vcpus: usable,
        kind: ModelKind::ProjectedRange,
        fixed_ms: 0.0,
        cpu_ms: 0.0,
        anchor: None,
        observed: observed.iter().map(|&(m, d, _)| (m, d)).collect(),
        sizes_mb: vec![current.memory_mb],
    };
    if let Some((a, b)) = fit_cpu_curve(&points) {
        curve.kind = ModelKind::Fitted;
        curve.fixed_ms = a;
        curve.cpu_ms = b;
        curve.sizes_mb = observed.iter().map(|o| o.0).collect();
        let sizes = curve.sizes_mb.clone();
        return (curve, sizes);
    }
    let mean = current.duration_mean_ms.unwrap_or(0.0);
    let anchor_vcpus = vcpus(current.memory_mb);
    curve.anchor = Some((mean, anchor_vcpus));
    // The midpoint curve: a = mean (1 − β), b = mean β vcpus(now).
    curve.fixed_ms = mean * (1.0 - PROJECTED_CPU_BOUND_SHARE);
    curve.cpu_ms = mean * PROJECTED_CPU_BOUND_SHARE * anchor_vcpus;
    (curve, Vec::new())
}

/// arm64 savings at `memory_mb` for an AWS x86_64 function whose runtime
/// has arm64, at the given mean duration.
fn arm64_migration(
    ctx: &Context<'_>,
    memory_mb: u32,
    mean_ms: Option<f64>,
) -> Option<Arm64Migration> {
    let current = ctx.current;
    if ctx.provider != Some(Provider::AwsLambda)
        || current.arch != "x86_64"
        || !aws_runtime_has_arm64(&current.runtime)
    {
        return None;
    }
    let mean = mean_ms?;
    if current.invocations < ctx.options.min_invocations.max(1) {
        return None;
    }
    let x86 = ctx.monthly(ctx.cost("x86_64", memory_mb, mean)?);
    let arm = ctx.monthly(ctx.cost("arm64", memory_mb, mean)?);
    let saved = x86.0 - arm.0;
    Some(Arm64Migration {
        memory_mb,
        monthly_cost_x86_64: x86,
        monthly_cost_arm64: arm,
        monthly_savings: PicoUsd(saved),
        savings_pct: if x86.0 != 0 {
            100.0 * saved as f64 / x86.0 as f64
        } else {
            0.0
        },
    })
}

/// Timeout advice from the current row. Timeouts observed → raise or
/// investigate. Otherwise, a timeout above 10 × p99.9 and above 3 s is
/// lowered to 3 × p99.9 (scaled by `slowdown` when the memory advice makes
/// the function slower), rounded up to whole seconds: a hung invocation
/// bills until the timeout, and three times the p99.9 still leaves room for
/// the slow tail.
fn timeout_advice(current: &SizeRow, slowdown: Option<f64>) -> Option<TimeoutAdvice> {
    let timeout = current.timeout_ms?;
    let timeout_whole = timeout.round() as u64;
    if current.timeouts > 0 {
        return Some(TimeoutAdvice {
            action: TimeoutAction::RaiseOrInvestigate,
            current_timeout_ms: timeout_whole,
            suggested_timeout_ms: None,
            reason: format!(
                "{} invocations hit the {:.1} s timeout: raise it if the work is legitimately \
                 long, or find what they wait on.",
                current.timeouts,
                timeout / 1000.0
            ),
        });
    }
    let p999 = current.duration_p999_ms?;
    if p999 <= 0.0 || timeout <= 10.0 * p999 || timeout <= 3000.0 {
        return None;
    }
    let scale = slowdown.unwrap_or(1.0);
    let seconds = ((p999 * scale * 3.0 - 1e-6) / 1000.0).ceil().max(1.0) as u64;
    let suggested = seconds * 1000;
    if suggested >= timeout_whole {
        return None;
    }
    let scaled = if scale > 1.0 {
        format!(" (×{scale:.2} for the slower recommended size)")
    } else {
        String::new()
    };
    Some(TimeoutAdvice {
        action: TimeoutAction::Lower,
        current_timeout_ms: timeout_whole,
        suggested_timeout_ms: Some(suggested),
        reason: format!(
            "The {:.1} s timeout is over 10× the p99.9 duration of {p999:.0} ms: a hung \
             invocation bills until it. Suggest {seconds} s (3 × p99.9{scaled}, rounded up to a \
             second).",
            timeout / 1000.0
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use polars::prelude::Column;

    /// A date in the current catalog's prices.
    fn test_date() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
    }

    /// One row of a test frame.
    #[derive(Debug, Clone)]
    struct Obs {
        provider: &'static str,
        function: String,
        runtime: &'static str,
        arch: &'static str,
        memory_mb: u32,
        timeout_ms: Option<f64>,
        invocations: u64,
        mean: Option<f64>,
        p999: Option<f64>,
        mem_p99: Option<f64>,
        mem_max: Option<f64>,
        timeouts: u64,
        oom_errors: u64,
        billed_mean: Option<f64>,
        is_current: bool,
    }

    fn obs(
        provider: &'static str,
        runtime: &'static str,
        memory_mb: u32,
        invocations: u64,
        mean: f64,
        mem_p99: f64,
        mem_max: f64,
    ) -> Obs {
        Obs {
            provider,
            function: "f".into(),
            runtime,
            arch: "x86_64",
            memory_mb,
            timeout_ms: None,
            invocations,
            mean: Some(mean),
            p999: Some(mean * 3.0),
            mem_p99: Some(mem_p99),
            mem_max: Some(mem_max),
            timeouts: 0,
            oom_errors: 0,
            billed_mean: None,
            is_current: true,
        }
    }

    fn frame(rows: &[Obs]) -> DataFrame {
        let text = |name: &str, f: &dyn Fn(&Obs) -> String| {
            Column::new(name.into(), rows.iter().map(f).collect::<Vec<String>>())
        };
        let float = |name: &str, f: &dyn Fn(&Obs) -> Option<f64>| {
            Column::new(
                name.into(),
                rows.iter().map(f).collect::<Vec<Option<f64>>>(),
            )
        };
        let whole = |name: &str, f: &dyn Fn(&Obs) -> u64| {
            Column::new(name.into(), rows.iter().map(f).collect::<Vec<u64>>())
        };
        DataFrame::new_infer_height(vec![
            text("provider", &|o| o.provider.into()),
            text("account", &|_| "123".into()),
            text("region", &|_| "us-east-1".into()),
            text("function", &|o| o.function.clone()),
            text("runtime", &|o| o.runtime.into()),
            text("arch", &|o| o.arch.into()),
            Column::new(
                "memory_mb".into(),
                rows.iter().map(|o| o.memory_mb).collect::<Vec<u32>>(),
            ),
            float("timeout_ms", &|o| o.timeout_ms),
            whole("invocations", &|o| o.invocations),
            float("duration_p50_ms", &|o| o.mean),
            float("duration_p90_ms", &|o| o.mean.map(|m| m * 1.5)),
            float("duration_p99_ms", &|o| o.mean.map(|m| m * 2.0)),
            float("duration_p999_ms", &|o| o.p999),
            float("duration_mean_ms", &|o| o.mean),
            float("max_memory_p99_mb", &|o| o.mem_p99),
            float("max_memory_max_mb", &|o| o.mem_max),
            whole("timeouts", &|o| o.timeouts),
            whole("oom_errors", &|o| o.oom_errors),
            float("billed_duration_mean_ms", &|o| o.billed_mean),
            Column::new(
                "is_current".into(),
                rows.iter().map(|o| o.is_current).collect::<Vec<bool>>(),
            ),
        ])
        .unwrap()
    }

    /// Options whose window is one average month, so the monthly volume
    /// equals the window's invocations.
    fn month(strategy: Strategy) -> RightsizingOptions {
        RightsizingOptions {
            strategy,
            window_days: DAYS_PER_MONTH,
            ..RightsizingOptions::default()
        }
    }

    fn one(rows: &[Obs], options: &RightsizingOptions) -> Recommendation {
        let mut out = recommend(&frame(rows), options).unwrap();
        assert_eq!(out.len(), 1);
        out.remove(0)
    }

    #[test]
    fn floor_rounds_to_each_providers_step() {
        let aws = Provider::AwsLambda;
        // 250 × 1.2 = 300 (not 301: the float error is absorbed).
        assert_eq!(safety_floor_mb(aws, 250.0, 260.0, 20.0), Some(300));
        // Never below the largest seen.
        assert_eq!(safety_floor_mb(aws, 250.0, 310.0, 20.0), Some(310));
        // 250.4 × 1.2 = 300.48 → 301 (1 MB steps).
        assert_eq!(safety_floor_mb(aws, 250.4, 0.0, 20.0), Some(301));
        // 50 × 1.2 = 60 → AWS minimum 128.
        assert_eq!(safety_floor_mb(aws, 50.0, 60.0, 20.0), Some(128));
        // Headroom 0: the largest seen.
        assert_eq!(safety_floor_mb(aws, 250.0, 255.5, 0.0), Some(256));
        let gcp = Provider::GcpCloudRunFunctions;
        // 300 → the 512 MiB tier; 120 → 128; 36,000 is beyond the tiers.
        assert_eq!(safety_floor_mb(gcp, 250.0, 260.0, 20.0), Some(512));
        assert_eq!(safety_floor_mb(gcp, 100.0, 110.0, 20.0), Some(128));
        assert_eq!(safety_floor_mb(gcp, 30000.0, 0.0, 20.0), Some(36000));
        let azure = Provider::AzureFunctions;
        // 300 → 3 × 128 = 384; 1,680 → 14 × 128 = 1,792 (above 1,536).
        assert_eq!(safety_floor_mb(azure, 250.0, 260.0, 20.0), Some(384));
        assert_eq!(safety_floor_mb(azure, 1400.0, 0.0, 20.0), Some(1792));
        assert_eq!(
            safety_floor_mb(Provider::CloudflareWorkers, 50.0, 60.0, 20.0),
            None
        );
        assert_eq!(safety_floor_mb(Provider::Knative, 50.0, 60.0, 20.0), None);
    }

    #[test]
    fn per_invocation_prices_match_the_pricing_crate() {
        use faasight_store::InvocationRow;
        let row = |provider: &str, arch: &str, memory_mb: u32, billed: u64, used: u32| {
            faasight_pricing::list_cost(&InvocationRow {
                provider: provider.into(),
                arch: arch.into(),
                memory_mb,
                billed_duration_ms: billed,
                max_memory_used_mb: used,
                ..Default::default()
            })
        };
        let aws = Provider::AwsLambda;
        let p = |v: Option<f64>| pico(v.unwrap());
        // 128 MB × 10 ms on arm64: 216,667 pico (pricing crate's own test).
        assert_eq!(
            p(cost_pico(aws, "arm64", "us-east-1", 128, 10.0, test_date())),
            PicoUsd(216_667)
        );
        assert_eq!(
            p(cost_pico(aws, "arm64", "us-east-1", 128, 10.0, test_date())),
            row("aws_lambda", "arm64", 128, 10, 0)
        );
        assert_eq!(
            p(cost_pico(
                aws,
                "x86_64",
                "us-east-1",
                1769,
                123.0,
                test_date()
            )),
            row("aws_lambda", "x86_64", 1769, 123, 0)
        );
        let gcp = Provider::GcpCloudRunFunctions;
        assert_eq!(
            p(cost_pico(gcp, "", "us-east-1", 2048, 300.0, test_date())),
            PicoUsd(9_100_000)
        );
        assert_eq!(
            p(cost_pico(gcp, "", "us-east-1", 512, 200.0, test_date())),
            row("gcp_cloud_run_functions", "", 512, 200, 0)
        );
        let azure = Provider::AzureFunctions;
        assert_eq!(
            p(cost_pico(azure, "", "us-east-1", 129, 100.0, test_date())),
            row("azure_functions", "", 1536, 100, 129)
        );
        // Rounding rules: AWS 1 ms (≥ 1), GCP 100 ms, Azure ≥ 100 ms.
        assert_eq!(billed_ms(aws, 100.2), 101.0);
        assert_eq!(billed_ms(aws, 0.3), 1.0);
        assert_eq!(billed_ms(gcp, 100.2), 200.0);
        assert_eq!(billed_ms(azure, 42.0), 100.0);
        assert_eq!(billed_ms(azure, 142.5), 143.0);
    }

    #[test]
    fn least_squares_with_clamps() {
        // Exact: y = 20 + 100 z.
        let (a, b) = fit_cpu_curve(&[(1.0, 120.0, 5.0), (2.0, 220.0, 1.0)]).unwrap();
        assert!((a - 20.0).abs() < 1e-9 && (b - 100.0).abs() < 1e-9);
        // Slower with more CPU (smaller z): b clamps to 0, a is the weighted
        // mean (3 × 90 + 1 × 100) / 4 = 92.5.
        let (a, b) = fit_cpu_curve(&[(2.0, 90.0, 3.0), (1.0, 100.0, 1.0)]).unwrap();
        assert_eq!((a, b), (92.5, 0.0));
        // y = −10 + 20 z: a clamps to 0, b = Σzy / Σz² = (10 + 60) / 5 = 14.
        let (a, b) = fit_cpu_curve(&[(1.0, 10.0, 1.0), (2.0, 30.0, 1.0)]).unwrap();
        assert_eq!(a, 0.0);
        assert!((b - 14.0).abs() < 1e-12);
        // One distinct CPU share: nothing to fit.
        assert_eq!(fit_cpu_curve(&[(1.0, 10.0, 1.0), (1.0, 12.0, 9.0)]), None);
    }

    /// A python function at 512 MB (not current) and 1,024 MB (current) whose
    /// means follow 20 + 100 × 1769 / memory ms exactly.
    fn two_sizes() -> Vec<Obs> {
        // 1769 / 512 = 3.455078125 → 20 + 345.5078125;
        // 1769 / 1024 = 1.7275390625 → 20 + 172.75390625.
        let mut small = obs(
            "aws_lambda",
            "python3.12",
            512,
            1000,
            365.5078125,
            150.0,
            160.0,
        );
        small.is_current = false;
        let big = obs(
            "aws_lambda",
            "python3.12",
            1024,
            1000,
            192.75390625,
            150.0,
            160.0,
        );
        vec![small, big]
    }

    #[test]
    fn fitted_on_two_sizes() {
        let r = one(&two_sizes(), &month(Strategy::Cost));
        let model = r.duration_model.clone().unwrap();
        assert_eq!(model.kind, ModelKind::Fitted);
        assert!((model.fixed_ms - 20.0).abs() < 1e-9);
        assert!((model.cpu_ms_at_one_vcpu - 100.0).abs() < 1e-9);
        assert_eq!(model.usable_vcpus, Some(1.0));
        assert_eq!(model.sizes_mb, vec![512, 1024]);
        assert!(r.evidence.sizes_observed.iter().all(|s| s.used_in_fit));
        // Floor: max(150 × 1.2, 160) = 180 MB.
        assert_eq!(r.safety_floor_mb, Some(180));
        // Cost per MB-ms: 256 MB × ceil(20 + 100 × 6.91015625 = 711.02) =
        // 256 × 712 = 182,272; 384 × ceil(480.68) = 184,704; 512 × 366
        // (the fit, equal to the observation) = 187,392; … → 256 MB.
        assert_eq!(r.status, Status::Recommend);
        assert_eq!(r.recommended_memory_mb, Some(256));
        assert!((r.expected_duration_ms.unwrap() - 711.015625).abs() < 1e-9);
        // After: 16,666,700 × 256 × 712 / 1,024,000 + 200,000 = 3,166,672.6.
        assert_eq!(r.cost_per_invocation_after, Some(PicoUsd(3_166_673)));
        // Now: 16,666,700 × 1024 × 193 / 1,024,000 + 200,000 = 3,416,673.1.
        assert_eq!(r.cost_per_invocation_now, Some(PicoUsd(3_416_673)));
        // 2,000 invocations a month (both sizes).
        assert_eq!(r.monthly_invocations, 2000.0);
        assert_eq!(r.monthly_cost_now, Some(PicoUsd(6_833_346_200)));
        assert_eq!(r.monthly_cost_after, Some(PicoUsd(6_333_345_200)));
        assert_eq!(r.monthly_savings, Some(PicoUsd(500_001_000)));
        // 500,001,000 / 6,833,346,200 = 7.3170 %.
        assert!((r.savings_pct.unwrap() - 7.31706).abs() < 1e-4);
        // 256 ≥ 180 × 1.1, fitted, 1,000 invocations: low risk.
        assert_eq!(r.risk, Some(Risk::Low));
        assert!(
            r.reason.starts_with("Lower 1024 MB → 256 MB"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn projected_range_from_one_size() {
        let rows = [obs(
            "aws_lambda",
            "nodejs20.x",
            1024,
            1_000_000,
            200.0,
            80.0,
            90.0,
        )];
        let r = one(&rows, &month(Strategy::Cost));
        let model = r.duration_model.clone().unwrap();
        assert_eq!(model.kind, ModelKind::ProjectedRange);
        // Floor: max(96, 90) → AWS minimum 128.
        assert_eq!(r.safety_floor_mb, Some(128));
        let at = |m: u32| r.candidates.iter().find(|c| c.memory_mb == m).unwrap();
        // 128 MB: unchanged 200 ms … fully CPU-bound 200 × 1024 / 128 =
        // 1,600 ms; expected the midpoint 900 ms.
        let c = at(128);
        assert_eq!((c.duration_low_ms, c.duration_high_ms), (200.0, 1600.0));
        assert_eq!(c.expected_duration_ms, 900.0);
        // 2,048 MB: node uses one vCPU, so at best 200 × (1024 / 1769) / 1.
        let c = at(2048);
        assert!((c.duration_low_ms - 200.0 * 1024.0 / 1769.0).abs() < 1e-9);
        assert_eq!(c.duration_high_ms, 200.0);
        assert_eq!(at(1024).observed_mean_ms, Some(200.0));
        assert_eq!(at(1024).expected_duration_ms, 200.0);
        // Cost: 128 × 900 = 115,200 MB-ms beats 256 × 500 = 128,000 and the
        // current 1,024 × 200 = 204,800.
        assert_eq!(r.recommended_memory_mb, Some(128));
        // 16,666,700 × 128 × 900 / 1,024,000 + 200,000 = 2,075,003.75
        // and 16,666,700 × 0.2 + 200,000 = 3,533,340, × 1,000,000 a month.
        assert_eq!(r.monthly_cost_now, Some(PicoUsd(3_533_340_000_000)));
        assert_eq!(r.monthly_cost_after, Some(PicoUsd(2_075_003_750_000)));
        assert_eq!(r.monthly_savings, Some(PicoUsd(1_458_336_250_000)));
        // Range: 200 ms → 416,667.5 + 200,000; 1,600 ms → 3,533,340.
        assert_eq!(
            r.monthly_cost_after_range,
            Some((PicoUsd(616_667_500_000), PicoUsd(3_533_340_000_000)))
        );
        // 128 ≥ 96 × 1.1 = 105.6, but projected: medium.
        assert_eq!(r.risk, Some(Risk::Medium));
        // 80 MB of 1,024 at p99 is under 10 %.
        assert!(r.over_provisioned);
        assert!(!r.near_oom);
    }

    #[test]
    fn strategies_follow_power_tuning() {
        // Hand-made sizes: (cost, duration) = (1, 10), (2, 4), (4, 2).
        let s = [
            Scored {
                cost: 1.0,
                duration: 10.0,
            },
            Scored {
                cost: 2.0,
                duration: 4.0,
            },
            Scored {
                cost: 4.0,
                duration: 2.0,
            },
        ];
        assert_eq!(choose(Strategy::Cost, 0.5, &s), Some(0));
        assert_eq!(choose(Strategy::Speed, 0.5, &s), Some(2));
        // Balanced 0.5: 0.5 × 1/4 + 0.5 × 10/10 = 0.625; 0.5 × 2/4 + 0.5 ×
        // 4/10 = 0.45; 0.5 × 4/4 + 0.5 × 2/10 = 0.6 → the middle one.
        assert_eq!(choose(Strategy::Balanced, 0.5, &s), Some(1));
        assert_eq!(choose(Strategy::Balanced, 1.0, &s), Some(0));
        assert_eq!(choose(Strategy::Balanced, 0.0, &s), Some(2));
        // Ties: equal cost → the faster; equal duration → the cheaper.
        let tie = [
            Scored {
                cost: 1.0,
                duration: 5.0,
            },
            Scored {
                cost: 1.0,
                duration: 3.0,
            },
            Scored {
                cost: 0.5,
                duration: 3.0,
            },
        ];
        assert_eq!(choose(Strategy::Cost, 0.5, &tie[..2]), Some(1));
        assert_eq!(choose(Strategy::Speed, 0.5, &tie), Some(2));
        assert_eq!(choose(Strategy::Cost, 0.5, &[]), None);

        // The same frame under each strategy.
        let pick = |strategy, weight| {
            let options = RightsizingOptions {
                balanced_weight: weight,
                ..month(strategy)
            };
            one(&two_sizes(), &options).recommended_memory_mb
        };
        assert_eq!(pick(Strategy::Cost, 0.5), Some(256));
        // Python gains nothing above one vCPU: every size from 1,769 MB runs
        // 20 + 100 = 120 ms, and 1,769 MB is the cheapest of them.
        assert_eq!(pick(Strategy::Speed, 0.5), Some(1769));
        assert_eq!(pick(Strategy::Balanced, 1.0), Some(256));
        assert_eq!(pick(Strategy::Balanced, 0.0), Some(1769));
        assert_eq!("Balanced".parse::<Strategy>(), Ok(Strategy::Balanced));
        assert_eq!(" cost ".parse::<Strategy>(), Ok(Strategy::Cost));
        assert_eq!(
            "fast".parse::<Strategy>(),
            Err(RightsizingError::UnknownStrategy("fast".into()))
        );
    }

    #[test]
    fn arm64_savings_at_the_advised_size() {
        // 1,024 MB, 1,000 ms, 1 M invocations a month; floor
        // max(800 × 1.2, 850) = 960 MB. 1,280 MB would cost 1,280 × 900 ms
        // (midpoint of 800 … 1,000) = 1,152,000 MB-ms > 1,024,000: keep.
        let rows = [obs(
            "aws_lambda",
            "python3.12",
            1024,
            1_000_000,
            1000.0,
            800.0,
            850.0,
        )];
        let r = one(&rows, &month(Strategy::Cost));
        assert_eq!(r.status, Status::Keep);
        // 1 GB-s: x86 16,666,700 + 200,000; arm 13,333,400 + 200,000.
        let arm = r.arm64.clone().unwrap();
        assert_eq!(arm.memory_mb, 1024);
        assert_eq!(arm.monthly_cost_x86_64, PicoUsd(16_866_700_000_000));
        assert_eq!(arm.monthly_cost_arm64, PicoUsd(13_533_400_000_000));
        assert_eq!(arm.monthly_savings, PicoUsd(3_333_300_000_000));
        // 3,333,300 / 16,866,700 = 19.7626 %.
        assert!((arm.savings_pct - 19.7626).abs() < 1e-4);
        // 1,024 < 960 × 1.1 = 1,056: thin margin.
        assert_eq!(r.risk, Some(Risk::High));
        // Runtimes without arm64, functions already on arm64, other clouds.
        let arm_of = |provider, runtime, arch| {
            let mut o = rows[0].clone();
            o.provider = provider;
            o.runtime = runtime;
            o.arch = arch;
            one(&[o], &month(Strategy::Cost)).arm64
        };
        assert!(arm_of("aws_lambda", "go1.x", "x86_64").is_none());
        assert!(arm_of("aws_lambda", "java8", "x86_64").is_none());
        assert!(arm_of("aws_lambda", "", "x86_64").is_none());
        assert!(arm_of("aws_lambda", "python3.12", "arm64").is_none());
        assert!(arm_of("aws_lambda", "provided.al2023", "x86_64").is_some());
        assert!(arm_of("gcp_cloud_run_functions", "python312", "x86_64").is_none());
    }

    #[test]
    fn timeout_advice_rules() {
        // 128 MB, the smallest size: kept, so no slow-down scaling.
        let base = {
            let mut o = obs("aws_lambda", "python3.12", 128, 5000, 100.0, 50.0, 60.0);
            o.timeout_ms = Some(30_000.0);
            o.p999 = Some(800.0);
            o
        };
        let advice = |o: &Obs| one(std::slice::from_ref(o), &month(Strategy::Cost)).timeout;
        // 30 s > 10 × 0.8 s and > 3 s: 3 × 800 = 2,400 ms → 3 s.
        let a = advice(&base).unwrap();
        assert_eq!(a.action, TimeoutAction::Lower);
        assert_eq!(a.current_timeout_ms, 30_000);
        assert_eq!(a.suggested_timeout_ms, Some(3000));
        // 5 s is not over 10 × 0.6 s.
        let mut o = base.clone();
        o.timeout_ms = Some(5000.0);
        o.p999 = Some(600.0);
        assert_eq!(advice(&o), None);
        // 2.5 s is over 10 × 0.1 s but not over 3 s.
        o.timeout_ms = Some(2500.0);
        o.p999 = Some(100.0);
        assert_eq!(advice(&o), None);
        // Timeouts observed: raise or investigate, and the advice is risky.
        let mut o = base.clone();
        o.timeouts = 3;
        let r = one(&[o], &month(Strategy::Cost));
        let a = r.timeout.unwrap();
        assert_eq!(a.action, TimeoutAction::RaiseOrInvestigate);
        assert_eq!(a.suggested_timeout_ms, None);
        assert_eq!(r.risk, Some(Risk::High));
        // A size that may run 1.5× slower scales p99.9: 800 × 1.5 × 3 =
        // 3,600 ms → 4 s.
        let row = read_rows(&frame(&[base])).unwrap().remove(0);
        let a = timeout_advice(&row, Some(1.5)).unwrap();
        assert_eq!(a.suggested_timeout_ms, Some(4000));
    }

    #[test]
    fn insufficient_data_says_why() {
        let few = obs("aws_lambda", "python3.12", 512, 5, 100.0, 50.0, 60.0);
        let r = one(&[few], &month(Strategy::Cost));
        assert_eq!(r.status, Status::InsufficientData);
        assert!(
            r.reason
                .contains("only 5 invocations at the current size of 512 MB in the window (at least 10 needed)"),
            "{}",
            r.reason
        );
        assert_eq!(r.recommended_memory_mb, None);
        assert!(r.arm64.is_none());
        // Memory not reported (OpenTelemetry without the REPORT line).
        let mut blind = obs("aws_lambda", "python3.12", 512, 5000, 100.0, 0.0, 0.0);
        blind.mem_p99 = None;
        let r = one(&[blind], &month(Strategy::Cost));
        assert_eq!(r.status, Status::InsufficientData);
        assert!(r.reason.contains("no max-memory data"), "{}", r.reason);
        assert_eq!(r.safety_floor_mb, None);
        // Durations are known, so arm64 savings still are.
        assert!(r.arm64.is_some());
        // A lower threshold admits the five invocations (medium risk at best).
        let few = obs("aws_lambda", "python3.12", 512, 5, 100.0, 50.0, 60.0);
        let options = RightsizingOptions {
            min_invocations: 5,
            ..month(Strategy::Cost)
        };
        let r = one(&[few], &options);
        assert_eq!(r.status, Status::Recommend);
        assert!(r.risk.unwrap() >= Risk::Medium);
    }

    #[test]
    fn platforms_without_a_memory_setting() {
        let r = one(
            &[obs("cloudflare_workers", "", 128, 5000, 10.0, 20.0, 30.0)],
            &month(Strategy::Cost),
        );
        assert_eq!(r.status, Status::NotApplicable);
        assert!(r
            .reason
            .contains("Cloudflare Workers have no memory setting"));
        let r = one(
            &[obs(
                "azure_functions",
                "node",
                1536,
                5000,
                42.0,
                250.0,
                260.0,
            )],
            &month(Strategy::Cost),
        );
        assert_eq!(r.status, Status::NotApplicable);
        // Floor 300 → 384 MB; billed at the memory used: 250 → 256 MB ×
        // 100 ms minimum × $0.000016 + $0.0000002 = 600,000 pico.
        assert_eq!(r.safety_floor_mb, Some(384));
        assert_eq!(r.cost_per_invocation_now, Some(PicoUsd(600_000)));
        assert!(!r.over_provisioned);
    }

    #[test]
    fn near_oom_and_undersized() {
        // 1,000 of 1,024 MB used: near OOM; floor max(900 × 1.2, 1000) =
        // 1,080 MB > 1,024 MB → raise to 1,280 MB.
        let rows = [obs(
            "aws_lambda",
            "python3.12",
            1024,
            5000,
            100.0,
            900.0,
            1000.0,
        )];
        let r = one(&rows, &month(Strategy::Cost));
        assert!(r.near_oom);
        assert_eq!(r.safety_floor_mb, Some(1080));
        assert_eq!(r.recommended_memory_mb, Some(1280));
        assert!(
            r.reason.starts_with("Raise (the current size is below"),
            "{}",
            r.reason
        );
        assert!(r.monthly_savings.unwrap().0 < 0);
        // OOM errors alone also flag it, and make the advice high risk.
        let mut o = obs("aws_lambda", "python3.12", 1024, 5000, 100.0, 300.0, 400.0);
        o.oom_errors = 2;
        let r = one(&[o], &month(Strategy::Cost));
        assert!(r.near_oom);
        assert_eq!(r.risk, Some(Risk::High));
    }

    #[test]
    fn bad_input_is_an_error_sentence() {
        let good = frame(&[obs("aws_lambda", "python3.12", 512, 50, 10.0, 50.0, 60.0)]);
        let options = RightsizingOptions::default();
        let no_arch = good.drop("arch").unwrap();
        assert_eq!(
            recommend(&no_arch, &options),
            Err(RightsizingError::Input(FrameError::MissingColumn {
                column: "arch".into()
            }))
        );
        let mut two = obs("aws_lambda", "python3.12", 512, 50, 10.0, 50.0, 60.0);
        let mut other = two.clone();
        other.memory_mb = 1024;
        let err = recommend(&frame(&[two.clone(), other.clone()]), &options).unwrap_err();
        assert!(
            err.to_string().contains("2 rows have is_current = true"),
            "{err}"
        );
        two.is_current = false;
        other.is_current = false;
        let err = recommend(&frame(&[two.clone(), other]), &options).unwrap_err();
        assert!(err.to_string().contains("0 rows have is_current"), "{err}");
        let mut dup = two.clone();
        dup.is_current = true;
        let err = recommend(&frame(&[two, dup]), &options).unwrap_err();
        assert!(err.to_string().contains("two rows for 512 MB"), "{err}");
        let mut negative = obs("aws_lambda", "python3.12", 512, 50, 10.0, 50.0, 60.0);
        negative.mean = Some(-1.0);
        assert!(matches!(
            recommend(&frame(&[negative]), &options),
            Err(RightsizingError::BadRow { row: 0, .. })
        ));
        let mut text_memory = good.clone();
        text_memory
            .with_column(Column::new("memory_mb".into(), vec!["512"]))
            .unwrap();
        let err = recommend(&text_memory, &options).unwrap_err();
        assert!(
            matches!(&err, RightsizingError::Input(e) if e.column() == "memory_mb"),
            "{err}"
        );
        for bad in [
            RightsizingOptions {
                balanced_weight: 1.5,
                ..options.clone()
            },
            RightsizingOptions {
                headroom_pct: -5.0,
                ..options.clone()
            },
            RightsizingOptions {
                window_days: 0.0,
                ..options.clone()
            },
        ] {
            assert!(matches!(
                recommend(&good, &bad),
                Err(RightsizingError::BadOption(_))
            ));
        }
    }

    /// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom
    /// number generators", OOPSLA 2014): seeded, so the validation is the
    /// same on every run.
    struct SplitMix64(u64);

    impl SplitMix64 {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
        /// Uniform in [0, 1).
        fn uniform(&mut self) -> f64 {
            (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
        }
        fn between(&mut self, lo: f64, hi: f64) -> f64 {
            lo + (hi - lo) * self.uniform()
        }
        fn log_between(&mut self, lo: f64, hi: f64) -> f64 {
            self.between(lo.ln(), hi.ln()).exp()
        }
        fn below(&mut self, n: usize) -> usize {
            (self.uniform() * n as f64) as usize % n.max(1)
        }
        /// Standard normal (Box–Muller).
        fn normal(&mut self) -> f64 {
            let u1 = 1.0 - self.uniform();
            let u2 = self.uniform();
            (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
        }
    }

    /// A synthetic function's true behaviour.
    struct Truth {
        provider: Provider,
        runtime: &'static str,
        arch: &'static str,
        cpu_fraction: f64,
        parallelism: f64,
        one_vcpu_ms: f64,
        need_mb: f64,
    }

    impl Truth {
        /// True mean duration: the CPU-bound part shrinks with vCPUs up to
        /// the code's real parallelism.
        fn duration(&self, memory_mb: u32) -> f64 {
            let vcpus = cpu_share(self.provider, memory_mb)
                .unwrap()
                .min(self.parallelism);
            self.one_vcpu_ms * ((1.0 - self.cpu_fraction) + self.cpu_fraction / vcpus)
        }

        fn true_cost(&self, memory_mb: u32) -> f64 {
            let d = self.duration(memory_mb);
            cost_pico(
                self.provider,
                self.arch,
                "us-east-1",
                memory_mb,
                billed_ms(self.provider, d),
                test_date(),
            )
            .unwrap()
        }

        fn grid(&self) -> &'static [u32] {
            match self.provider {
                Provider::GcpCloudRunFunctions => &GCP_MEMORY_TIERS_MB,
                _ => &AWS_MEMORY_GRID_MB,
            }
        }

        /// The cheapest grid size with 20 % headroom over the true need.
        fn oracle(&self) -> u32 {
            let safe = (self.need_mb * 1.2 - 1e-6).ceil() as u32;
            self.grid()
                .iter()
                .copied()
                .filter(|&m| m >= safe.max(AWS_MIN_MEMORY_MB))
                .min_by(|&a, &b| {
                    self.true_cost(a)
                        .total_cmp(&self.true_cost(b))
                        .then(self.duration(a).total_cmp(&self.duration(b)))
                        .then(a.cmp(&b))
                })
                .unwrap()
        }
    }

    #[test]
    fn synthetic_functions_match_the_oracle() {
        let mut rng = SplitMix64(0x5eed_2026);
        let single = ["nodejs20.x", "python3.12", "ruby3.3"];
        let multi = ["java21", "dotnet8", "provided.al2023"];
        let mut rows = Vec::new();
        let mut truths = Vec::new();
        let functions = 300;
        for i in 0..functions {
            let provider = if rng.uniform() < 0.8 {
                Provider::AwsLambda
            } else {
                Provider::GcpCloudRunFunctions
            };
            let threaded = rng.uniform() < 0.5;
            let runtime = if threaded {
                multi[rng.below(3)]
            } else {
                single[rng.below(3)]
            };
            let truth = Truth {
                provider,
                runtime,
                arch: if provider == Provider::AwsLambda && rng.uniform() < 0.3 {
                    "arm64"
                } else {
                    "x86_64"
                },
                cpu_fraction: rng.uniform(),
                parallelism: if threaded {
                    1.0 + rng.below(6) as f64
                } else {
                    1.0
                },
                one_vcpu_ms: rng.log_between(3.0, 3000.0),
                need_mb: rng.log_between(30.0, 4000.0),
            };
            // Sizes seen: one (60 %) or two to three, all large enough not to
            // run out of memory, among the eight smallest such sizes.
            let allowed: Vec<u32> = truth
                .grid()
                .iter()
                .copied()
                .filter(|&m| m as f64 >= truth.need_mb * 1.1)
                .take(8)
                .collect();
            let k = match rng.uniform() {
                u if u < 0.6 => 1,
                u if u < 0.85 => 2,
                _ => 3,
            }
            .min(allowed.len());
            let mut seen: Vec<u32> = Vec::new();
            while seen.len() < k {
                let m = allowed[rng.below(allowed.len())];
                if !seen.contains(&m) {
                    seen.push(m);
                }
            }
            for (j, &m) in seen.iter().enumerate() {
                let n = rng.log_between(30.0, 200_000.0) as u64;
                // Noise of a window's mean and memory p99: shrinking with
                // the invocation count, plus a floor for drift.
                let sd = 0.5 / (n as f64).sqrt() + 0.01;
                let mean = truth.duration(m) * (sd * rng.normal()).exp();
                let mem_sd = 0.1 / (n as f64).sqrt() + 0.01;
                let p99 = truth.need_mb * (1.0 + mem_sd * rng.normal());
                let max = (truth.need_mb * (1.0 + 0.12 * rng.uniform()))
                    .max(p99)
                    .min(m as f64);
                rows.push(Obs {
                    provider: truth.provider.as_str(),
                    function: format!("fn{i:03}"),
                    runtime: truth.runtime,
                    arch: truth.arch,
                    memory_mb: m,
                    timeout_ms: Some(30_000.0),
                    invocations: n,
                    mean: Some(mean),
                    p999: Some(mean * 4.0),
                    mem_p99: Some(p99),
                    mem_max: Some(max),
                    timeouts: 0,
                    oom_errors: 0,
                    billed_mean: Some(billed_ms(truth.provider, mean)),
                    is_current: j + 1 == seen.len(),
                });
            }
            truths.push(truth);
        }
        let recs = recommend(&frame(&rows), &RightsizingOptions::default()).unwrap();
        assert_eq!(recs.len(), functions);
        let (mut exact, mut near) = (0usize, 0usize);
        let mut misses = Vec::new();
        let mut by_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for rec in &recs {
            // Output is ordered by provider first; the name gives the index.
            let truth = &truths[rec.function[2..].parse::<usize>().unwrap()];
            let oracle = truth.oracle();
            let got = rec.recommended_memory_mb.expect("every function has data");
            let hit = got == oracle;
            if !hit {
                misses.push(format!(
                    "{}: {got} MB for {oracle} MB (need × 1.2 = {:.0}, floor {:?}, {:?})",
                    rec.function,
                    truth.need_mb * 1.2,
                    rec.safety_floor_mb,
                    rec.duration_model.as_ref().map(|m| m.kind)
                ));
            }
            exact += hit as usize;
            // Within 1 % of the oracle's true cost counts as near.
            near += (truth.true_cost(got) <= truth.true_cost(oracle) * 1.01) as usize;
            let kind = match (truth.provider, rec.duration_model.as_ref().map(|m| m.kind)) {
                (Provider::AwsLambda, Some(ModelKind::Fitted)) => "aws fitted",
                (Provider::AwsLambda, _) => "aws projected",
                (_, Some(ModelKind::Fitted)) => "gcp fitted",
                _ => "gcp projected",
            };
            let e = by_kind.entry(kind).or_default();
            e.0 += hit as usize;
            e.1 += 1;
        }
        let rate = exact as f64 / functions as f64;
        eprintln!(
            "right-sizing validation: {exact}/{functions} = {:.1} % equal to the oracle's size; \
             {near}/{functions} = {:.1} % within 1 % of its true cost; by kind {by_kind:?}",
            100.0 * rate,
            100.0 * near as f64 / functions as f64
        );
        eprintln!("misses: {misses:#?}");
        assert!(
            rate >= 0.85,
            "only {:.1} % matched the oracle",
            100.0 * rate
        );
    }
}
