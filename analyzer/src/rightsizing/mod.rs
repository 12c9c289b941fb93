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
//!   matched the oracle less often). The current size is priced from its
//!   observed mean, now and as a candidate: a change has to beat what the
//!   function costs today, not the model's value there.
//!   Outside the fitted sizes the fit is an extrapolation, given the range
//!   CPU share alone allows ("fully CPU-bound" … "not CPU-bound" from the
//!   nearest fitted size).
//! - **Memory pressure** ([`MemoryPressure`]): near its working set a
//!   function slows down steeply (garbage collection, swapping), which the
//!   model cannot express. A size shows pressure when its p99 of max memory
//!   used is at least [`PRESSURE_MEMORY_SHARE`] of it, or when the next
//!   larger observed size runs faster than the extra CPU share explains
//!   (by more than 15 %). Sizes at or below the largest pressured one are
//!   priced at their observed means and left out of the fit; nothing below
//!   it is advised; between it and the next fitted size the duration is
//!   interpolated in log-log (an upper estimate for a convex curve), with
//!   the pressured observation as the upper end of the range.
//! - **Bound on extrapolation**: below the smallest observed size, advice
//!   goes no lower than half of it ([`UNOBSERVED_STEP_DOWN`], one halving)
//!   and keeps [`UNOBSERVED_HEADROOM`] over the p99 of memory used (at most
//!   half the memory in use); a size below every observed one is flagged
//!   `extrapolated_below_observed`, with the risk in the reason.
//!   `lowest_advisable_mb` is the resulting smallest choice. Validated in
//!   `oracles.rs` against true curves with pressure, imperfect multi-vCPU
//!   scaling and I/O-bound durations.
//! - **Cost per invocation** at a size: the provider's list price
//!   (`faasight_pricing` constants and rounding) at the mean duration
//!   rounded by the provider's rule, plus the part of the mean billed
//!   duration that rounding the mean does not explain (INIT billed on cold
//!   starts, durations spread over rounding steps), measured at the current
//!   size and assumed the same at every size. Monthly costs are list
//!   prices × volume, before free allowances and volume tiers (those belong
//!   to an account's month: [`crate::monthly_bill`]).
//! - **Strategy** picks among the sizes at or above `lowest_advisable_mb`
//!   ([`Strategy`]): the provider's grid, the observed sizes and, on AWS
//!   (1 MB steps), `lowest_advisable_mb` itself; sizes whose projected
//!   duration could exceed the configured timeout are left out. Monthly volume = invocations in the window (all sizes)
//!   × [`DAYS_PER_MONTH`] / window days. Keeping the current size is
//!   `keep`, any other choice `recommend`.
//! - **Risk** ([`Risk`]): high when timeouts or out-of-memory errors were
//!   observed at the current size, or the chosen size is less than 10 %
//!   above the memory needed with headroom (before the provider's minimum
//!   size, which only adds margin), or no size is large enough; medium when
//!   a new size's duration is a projected range, the size is below every
//!   observed one, its duration is interpolated above a pressured size, or
//!   the current size has fewer than 100 invocations; low otherwise.
//! - **Measure** ([`Measure`]): when the best size is uncertain (one
//!   observed size, a size below every observed one, memory pressure, a
//!   projected range wider than 25 %, or the bounds holding the model back
//!   from a smaller size), the sizes worth measuring and, on AWS Lambda,
//!   the input of AWS Lambda Power Tuning that measures them.
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

// The rules of the module documentation live in private submodules; this
// file holds the options, the result types and the entry point.
// - input: reading and checking the frame's rows;
// - memory: the providers' memory sizes and the safety floor;
// - duration: the duration-vs-memory model and its fit;
// - pricing: list price of one invocation at a size and duration;
// - strategy: the Power Tuning strategies that pick a size;
// - advise: the advice for one function, step by step;
// - measure: what to measure when the best size is uncertain;
// - risk: how far to trust the advice;
// - reason: the sentences that explain it;
// - timeout, arm64: the advice beside the memory size.
mod advise;
mod arm64;
mod duration;
mod input;
mod measure;
mod memory;
#[cfg(test)]
mod oracles;
mod pricing;
mod reason;
mod risk;
mod strategy;
#[cfg(test)]
mod tests;
mod timeout;

pub use arm64::Arm64Migration;
pub use duration::{
    DurationModel, MemoryPressure, ModelKind, PressureSign, AWS_MB_PER_VCPU, PRESSURE_MEMORY_SHARE,
};
pub use measure::{Measure, PowerTuningInput, POWER_TUNING_NUM};
pub use memory::{
    safety_floor_mb, AWS_MAX_MEMORY_MB, AWS_MEMORY_GRID_MB, AWS_MIN_MEMORY_MB, GCP_MEMORY_TIERS_MB,
    POWER_TUNING_LADDER_MB, UNOBSERVED_HEADROOM, UNOBSERVED_STEP_DOWN,
};
pub use risk::Risk;
pub use strategy::Strategy;
pub use timeout::{TimeoutAction, TimeoutAdvice};

use crate::frame_input::FrameError;
use advise::advise;
use chrono::{DateTime, Utc};
use faasight_store::PicoUsd;
use input::{read_rows, SizeRow};
use polars::prelude::DataFrame;
use serde::Serialize;
use std::collections::BTreeMap;

/// Days in an average month (365.25 / 12), to turn a window's invocations
/// into a monthly volume.
pub const DAYS_PER_MONTH: f64 = 30.4375;

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

/// A function's configuration from the inventory, compared with the
/// telemetry's current size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfiguredNow {
    /// Configured memory, MB.
    pub memory_mb: u32,
    /// Configured timeout, ms.
    pub timeout_ms: u32,
    /// Ephemeral storage, MB.
    pub ephemeral_storage_mb: u32,
    /// `Zip` or `Image`.
    pub package_type: String,
    /// When the configuration was seen, RFC 3339.
    pub seen_at: String,
    /// Whether the configured memory differs from the size the latest
    /// invocations ran at (a change not yet visible in the telemetry, or
    /// telemetry from another alias).
    pub memory_differs: bool,
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
    /// Smallest size the strategy could choose (MB): the safety floor,
    /// raised to the largest size with memory pressure and, below every
    /// observed size, to the bound on extrapolation (module docs).
    pub lowest_advisable_mb: Option<u32>,
    /// The recommended size is below every observed size: its duration is
    /// extrapolated, and the reason and risk say so.
    pub extrapolated_below_observed: bool,
    /// Observed sizes whose duration may be inflated by memory pressure.
    pub memory_pressure: Vec<MemoryPressure>,
    /// When the best size is uncertain: why, the sizes to measure and, on
    /// AWS Lambda, the AWS Lambda Power Tuning input that measures them.
    pub measure: Option<Measure>,
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
    /// The function's configuration as last imported (`faasight import
    /// --format aws-lambda-functions`), next to what the telemetry shows;
    /// `None` when no inventory lists it.
    pub configured: Option<ConfiguredNow>,
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
