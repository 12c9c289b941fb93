//! Mean duration at sizes the function did not run at: the model
//! `a + b / vcpus(memory)`, fitted on the observed sizes when there are two
//! with different CPU, otherwise a projected range from the one observed
//! size. Without it every other size's cost would be a guess, and with a
//! single point estimate the advice would hide how unsure it is.

use super::advise::Context;
use faasight_pricing::{gcp_cloud_run_functions, Provider};
use serde::Serialize;

/// Memory that buys one vCPU on AWS Lambda (configuration-memory page).
pub const AWS_MB_PER_VCPU: f64 = 1769.0;

/// Share of the "fully CPU-bound" bound in the expected duration of a
/// projected range: 0.5 is the midpoint, the least committal guess when
/// nothing tells how CPU-bound the function is.
const PROJECTED_CPU_BOUND_SHARE: f64 = 0.5;

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
pub(super) fn cpu_share(provider: Provider, memory_mb: u32) -> Option<f64> {
    match provider {
        Provider::AwsLambda => Some(memory_mb as f64 / AWS_MB_PER_VCPU),
        Provider::GcpCloudRunFunctions => {
            Some(gcp_cloud_run_functions::default_vcpu_milli(memory_mb) as f64 / 1000.0)
        }
        _ => None,
    }
}

/// Mean duration (ms) at a size: expected, low, high, and whether it is an
/// observation rather than a projection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct DurationAt {
    pub(super) expected: f64,
    pub(super) low: f64,
    pub(super) high: f64,
    pub(super) observed: bool,
}

/// A function's duration curve.
#[derive(Debug, Clone)]
pub(super) struct Curve {
    pub(super) provider: Provider,
    pub(super) usable_vcpus: f64,
    pub(super) kind: ModelKind,
    pub(super) fixed_ms: f64,
    pub(super) cpu_ms: f64,
    /// Projected range: mean and vCPUs at the size projected from.
    pub(super) anchor: Option<(f64, f64)>,
    /// Observed means by size (same architecture, enough invocations): a
    /// projected range uses them as they are.
    pub(super) observed: Vec<(u32, f64)>,
    pub(super) sizes_mb: Vec<u32>,
}

impl Curve {
    fn vcpus(&self, memory_mb: u32) -> f64 {
        cpu_share(self.provider, memory_mb)
            .unwrap_or(1.0)
            .min(self.usable_vcpus)
    }

    pub(super) fn at(&self, memory_mb: u32) -> DurationAt {
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

    pub(super) fn summary(&self) -> DurationModel {
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
pub(super) fn fit_cpu_curve(points: &[(f64, f64, f64)]) -> Option<(f64, f64)> {
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

/// The duration curve of a function and the sizes it was fitted on.
pub(super) fn duration_curve(ctx: &Context<'_>, provider: Provider) -> (Curve, Vec<u32>) {
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
