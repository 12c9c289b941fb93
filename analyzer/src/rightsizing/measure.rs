//! When the best size is uncertain, say so and hand over a measurement
//! instead of a guess: the sizes worth measuring, and for AWS Lambda the
//! input of AWS Lambda Power Tuning, which invokes the function at each
//! size and reports cost and speed
//! (<https://github.com/alexcasalboni/aws-lambda-power-tuning>; the state
//! machine's input fields `lambdaARN`, `powerValues` (any sizes from 128 to
//! 10,240 MB), `num` (at least 5), `payload`, `parallelInvocation`,
//! `strategy` and `balancedWeight` are described in its
//! `README-INPUT-OUTPUT.md`).

use super::memory::{GCP_MEMORY_TIERS_MB, POWER_TUNING_LADDER_MB};
use super::strategy::Strategy;
use faasight_pricing::Provider;
use serde::Serialize;

/// Invocations per size in the suggested Power Tuning run: enough for a
/// mean within a few percent for typical spreads, still cheap.
pub const POWER_TUNING_NUM: u32 = 50;

/// AWS Lambda Power Tuning's state-machine input, serialised with its own
/// field names so the JSON can be pasted into an execution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PowerTuningInput {
    /// `arn:aws:lambda:REGION:ACCOUNT:function:NAME`; empty when the
    /// account or region is unknown ([`Measure::note`] says so).
    #[serde(rename = "lambdaARN")]
    pub lambda_arn: String,
    /// Memory sizes to measure (MB), smallest first.
    #[serde(rename = "powerValues")]
    pub power_values: Vec<u32>,
    /// Invocations per size.
    pub num: u32,
    /// The event each invocation receives: an empty object here, to be
    /// replaced by a representative event.
    pub payload: serde_json::Value,
    /// Invocations one after another (false), so a measurement does not
    /// compete with production traffic for concurrency.
    #[serde(rename = "parallelInvocation")]
    pub parallel_invocation: bool,
    /// `cost`, `speed` or `balanced`: the advice's strategy.
    pub strategy: String,
    /// Weight of cost for `balanced` (0..=1), absent otherwise.
    #[serde(rename = "balancedWeight", skip_serializing_if = "Option::is_none")]
    pub balanced_weight: Option<f64>,
}

/// Why the best size is uncertain, what to measure, and how.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measure {
    /// What makes the best size uncertain, one phrase each.
    pub why: Vec<String>,
    /// Sizes worth measuring (MB), smallest first.
    pub candidate_sizes_mb: Vec<u32>,
    /// The Power Tuning input, for AWS Lambda (Power Tuning runs on AWS
    /// only).
    pub power_tuning_input: Option<PowerTuningInput>,
    /// What to fill in before running it.
    pub note: String,
}

/// The function the measurement is for.
pub(super) struct Target<'a> {
    pub(super) provider: Provider,
    pub(super) account: &'a str,
    pub(super) region: &'a str,
    pub(super) function: &'a str,
    pub(super) strategy: Strategy,
    pub(super) balanced_weight: f64,
}

/// The sizes to measure: the provider's ladder (Power Tuning's common
/// values on AWS, the memory tiers on Cloud Run functions) from the safety
/// floor up to one rung above the larger of the current and advised sizes,
/// with those two sizes themselves (a current size below the floor is not
/// safe to measure). The floor itself is kept when no rung
/// lies between it and the next: it is the cheapest safe size.
pub(super) fn sizes_to_measure(
    provider: Provider,
    floor: u32,
    current: u32,
    advised: u32,
) -> Vec<u32> {
    let ladder: &[u32] = match provider {
        Provider::GcpCloudRunFunctions => &GCP_MEMORY_TIERS_MB,
        _ => &POWER_TUNING_LADDER_MB,
    };
    let largest = *ladder.last().unwrap_or(&advised);
    let top_of = current.max(advised);
    let top = ladder
        .iter()
        .copied()
        .find(|&m| m > top_of)
        .unwrap_or(largest)
        .max(top_of);
    let mut sizes: Vec<u32> = ladder
        .iter()
        .copied()
        .filter(|&m| m >= floor && m <= top)
        .chain([current, advised])
        .filter(|&m| m >= floor)
        .collect();
    // An AWS floor between rungs is a size of its own (1 MB steps).
    if provider == Provider::AwsLambda && !sizes.contains(&floor) && floor <= top {
        sizes.push(floor);
    }
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

/// The measurement advice for `why` (non-empty) over `sizes`.
pub(super) fn measure(target: &Target<'_>, why: Vec<String>, sizes: Vec<u32>) -> Measure {
    if target.provider != Provider::AwsLambda {
        return Measure {
            why,
            candidate_sizes_mb: sizes,
            power_tuning_input: None,
            note: "AWS Lambda Power Tuning runs on AWS only: measure these sizes with a load test \
                   of a representative request."
                .into(),
        };
    }
    let arn = if target.function.starts_with("arn:aws:lambda:") {
        target.function.to_string()
    } else if !target.account.is_empty() && !target.region.is_empty() {
        format!(
            "arn:aws:lambda:{}:{}:function:{}",
            target.region, target.account, target.function
        )
    } else {
        String::new()
    };
    let mut note = String::from(
        "Run the AWS Lambda Power Tuning state machine with this input; replace the empty \
         payload with a representative event.",
    );
    if arn.is_empty() {
        note.push_str(
            " lambdaARN is empty: the function's account or region is not in the data; fill in \
             its ARN.",
        );
    }
    Measure {
        why,
        candidate_sizes_mb: sizes.clone(),
        power_tuning_input: Some(PowerTuningInput {
            lambda_arn: arn,
            power_values: sizes,
            num: POWER_TUNING_NUM,
            payload: serde_json::json!({}),
            parallel_invocation: false,
            strategy: target.strategy.as_str().into(),
            balanced_weight: (target.strategy == Strategy::Balanced)
                .then_some(target.balanced_weight),
        }),
        note,
    }
}
