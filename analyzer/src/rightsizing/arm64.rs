//! What moving an AWS x86_64 function to arm64 (Graviton) would save at the
//! advised size. Offered beside the memory advice because it is the other
//! configuration change with a list-price difference, and it applies only
//! where the runtime supports arm64.

use super::advise::Context;
use faasight_pricing::Provider;
use faasight_store::PicoUsd;
use serde::Serialize;

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

/// arm64 savings at `memory_mb` for an AWS x86_64 function whose runtime
/// has arm64, at the given mean duration.
pub(super) fn arm64_migration(
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
