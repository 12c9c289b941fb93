//! Mean duration at sizes the function did not run at: the model
//! `a + b / vcpus(memory)`, fitted on the observed sizes when there are two
//! with different CPU, otherwise a projected range from the one observed
//! size. Without it every other size's cost would be a guess, and with a
//! single point estimate the advice would hide how unsure it is.
//!
//! The model has no term for memory pressure: near its working set a
//! function slows down steeply (garbage collection, swapping), and a curve
//! fitted through such a size, or extrapolated below the sizes observed,
//! promises speed that is not there. So sizes that show pressure
//! ([`detect_pressure`]) are taken as observed and left out of the fit,
//! sizes between them and the fitted ones are interpolated conservatively,
//! and outside the fitted sizes the fit is given the range that CPU share
//! alone allows.

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

/// Share of a size's memory used at p99 from which its duration may be
/// inflated by memory pressure (garbage collection runs more often, pages
/// are swapped): such a size is not fitted through, and nothing below it
/// is advised. 0.8 leaves a fifth of the memory free, about what the
/// default 20 % headroom keeps.
pub const PRESSURE_MEMORY_SHARE: f64 = 0.8;

/// How much faster than its CPU share a larger size may run before the
/// smaller one counts as pressure-inflated: 15 % covers the noise of a
/// window's mean over a hundred invocations or more (a coefficient of
/// variation of 0.5 gives 5 % standard error on a mean of 100).
const PRESSURE_SLOPE_TOLERANCE: f64 = 0.15;

/// What showed memory pressure at a size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PressureSign {
    /// The p99 of max memory used was at least [`PRESSURE_MEMORY_SHARE`]
    /// of the size.
    MemoryShare,
    /// The next larger observed size ran faster than the extra CPU share
    /// can explain.
    DurationSlope,
}

/// An observed size whose duration may be inflated by memory pressure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemoryPressure {
    /// Memory (MB).
    pub memory_mb: u32,
    /// What showed it.
    pub sign: PressureSign,
    /// The figures, in a phrase.
    pub detail: String,
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

impl DurationAt {
    fn point(d: f64, observed: bool) -> DurationAt {
        DurationAt {
            expected: d,
            low: d,
            high: d,
            observed,
        }
    }
}

/// A function's duration curve.
#[derive(Debug, Clone)]
pub(super) struct Curve {
    pub(super) provider: Provider,
    pub(super) usable_vcpus: f64,
    pub(super) kind: ModelKind,
    pub(super) fixed_ms: f64,
    pub(super) cpu_ms: f64,
    /// Projected range: size and mean projected from.
    pub(super) anchor: Option<(u32, f64)>,
    /// Observed means by size (same architecture, enough invocations),
    /// smallest first.
    pub(super) observed: Vec<(u32, f64)>,
    /// Sizes the model rests on (fitted on, or projected from).
    pub(super) sizes_mb: Vec<u32>,
    /// Observed sizes whose duration may be pressure-inflated.
    pub(super) pressure: Vec<MemoryPressure>,
}

impl Curve {
    fn vcpus(&self, memory_mb: u32) -> f64 {
        cpu_share(self.provider, memory_mb)
            .unwrap_or(1.0)
            .min(self.usable_vcpus)
    }

    /// The largest observed size with memory pressure: its duration is
    /// taken as observed, and no smaller size is advised.
    pub(super) fn pressure_floor_mb(&self) -> Option<u32> {
        self.pressure.iter().map(|p| p.memory_mb).max()
    }

    /// Whether a size lies between the largest pressured size and the
    /// next size the model rests on, where its duration is interpolated.
    pub(super) fn in_pressure_gap(&self, memory_mb: u32) -> bool {
        let Some(floor) = self.pressure_floor_mb() else {
            return false;
        };
        memory_mb > floor
            && self
                .sizes_mb
                .iter()
                .find(|&&m| m > floor)
                .is_some_and(|&next| memory_mb < next)
    }

    /// The smallest observed size (MB).
    pub(super) fn smallest_observed_mb(&self) -> Option<u32> {
        self.observed.first().map(|o| o.0)
    }

    fn observed_mean(&self, memory_mb: u32) -> Option<f64> {
        self.observed
            .iter()
            .find(|(m, _)| *m == memory_mb)
            .map(|o| o.1)
    }

    /// The model alone at a size, before pressure is considered.
    fn model_at(&self, memory_mb: u32) -> DurationAt {
        let vcpus = self.vcpus(memory_mb);
        if let Some((anchor_mb, mean)) = self.anchor {
            let not_cpu_bound = mean;
            let fully_cpu_bound = mean * self.vcpus(anchor_mb) / vcpus;
            return DurationAt {
                expected: not_cpu_bound * (1.0 - PROJECTED_CPU_BOUND_SHARE)
                    + fully_cpu_bound * PROJECTED_CPU_BOUND_SHARE,
                low: not_cpu_bound.min(fully_cpu_bound),
                high: not_cpu_bound.max(fully_cpu_bound),
                observed: false,
            };
        }
        let fit = |m: u32| self.fixed_ms + self.cpu_ms / self.vcpus(m);
        let d = fit(memory_mb);
        let (Some(&lo), Some(&hi)) = (self.sizes_mb.first(), self.sizes_mb.last()) else {
            return DurationAt::point(d, false);
        };
        // Outside the fitted sizes the fit is an extrapolation; the truth
        // lies between "fully CPU-bound" and "not CPU-bound" from the
        // nearest fitted size (more CPU never slows a function down, and
        // never speeds it up more than its share), so that is the range.
        let from = |edge: u32| self.observed_mean(edge).unwrap_or(fit(edge)).max(fit(edge));
        if memory_mb < lo {
            let high = from(lo) * self.vcpus(lo) / vcpus;
            DurationAt {
                expected: d.min(high),
                low: d.min(high),
                high,
                observed: false,
            }
        } else if memory_mb > hi {
            let edge = self.observed_mean(hi).unwrap_or(fit(hi));
            let low = edge * self.vcpus(hi) / vcpus;
            DurationAt {
                expected: d.clamp(low.min(edge), edge),
                low: low.min(d),
                high: edge.max(d),
                observed: false,
            }
        } else {
            DurationAt::point(d, false)
        }
    }

    pub(super) fn at(&self, memory_mb: u32) -> DurationAt {
        let floor = self.pressure_floor_mb();
        if let Some(mean) = self.observed_mean(memory_mb) {
            // A projected range has nothing better than the observation;
            // at or below a pressured size the model does not hold.
            if self.kind == ModelKind::ProjectedRange || floor.is_some_and(|f| memory_mb <= f) {
                return DurationAt::point(mean, true);
            }
        }
        let model = self.model_at(memory_mb);
        let Some(floor) = floor.filter(|&f| memory_mb > f) else {
            return model;
        };
        // Between the largest pressured size and the next size the model
        // rests on, pressure fades somewhere unknown. The pressured
        // observation bounds the duration from above; the expected value
        // interpolates in log-log between the two sizes, which lies above
        // a curve that is convex there, as pressure curves are.
        let Some(&next) = self.sizes_mb.iter().find(|&&m| m > floor) else {
            return model;
        };
        if memory_mb >= next {
            return model;
        }
        let (Some(d_floor), d_next) = (self.observed_mean(floor), self.model_at(next).expected)
        else {
            return model;
        };
        let t = (memory_mb as f64 / floor as f64).ln() / (next as f64 / floor as f64).ln();
        let interpolated = (d_floor.ln() + t * (d_next.ln() - d_floor.ln())).exp();
        let expected = interpolated
            .max(model.expected)
            .min(d_floor.max(model.expected));
        DurationAt {
            expected,
            low: model.low.min(expected),
            high: d_floor.max(model.high).max(expected),
            observed: false,
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

/// Observed sizes whose duration may be inflated by memory pressure, from
/// `(memory MB, mean ms, p99 of max memory used MB)` sorted by memory:
/// memory used at p99 of at least [`PRESSURE_MEMORY_SHARE`] of the size,
/// or a mean that falls from this size to the next larger one by more
/// than the extra CPU share explains (`vcpus` is the CPU share the runtime
/// can use). A runtime that uses more vCPUs than assumed shows the same
/// slope; the advice treats both alike, as neither fits the model.
pub(super) fn detect_pressure(
    sizes: &[(u32, f64, Option<f64>)],
    vcpus: impl Fn(u32) -> f64,
) -> Vec<MemoryPressure> {
    let mut found: Vec<MemoryPressure> = Vec::new();
    for &(m, _, used) in sizes {
        if let Some(used) = used.filter(|&u| u >= PRESSURE_MEMORY_SHARE * m as f64) {
            found.push(MemoryPressure {
                memory_mb: m,
                sign: PressureSign::MemoryShare,
                detail: format!(
                    "{m} MB used {:.0} % of its memory at p99 ({used:.0} MB)",
                    100.0 * used / m as f64
                ),
            });
        }
    }
    for pair in sizes.windows(2) {
        let ((m1, d1, _), (m2, d2, _)) = (pair[0], pair[1]);
        if d2 <= 0.0 || found.iter().any(|p| p.memory_mb == m1) {
            continue;
        }
        let speedup = d1 / d2;
        let cpu_gain = vcpus(m2) / vcpus(m1);
        if speedup > cpu_gain * (1.0 + PRESSURE_SLOPE_TOLERANCE) {
            found.push(MemoryPressure {
                memory_mb: m1,
                sign: PressureSign::DurationSlope,
                detail: format!(
                    "{m1} MB ran {speedup:.2}× as long as {m2} MB, more than the {cpu_gain:.2}× \
                     its CPU share explains"
                ),
            });
        }
    }
    found.sort_by_key(|p| p.memory_mb);
    found
}

/// The duration curve of a function and the sizes it was fitted on.
pub(super) fn duration_curve(ctx: &Context<'_>, provider: Provider) -> (Curve, Vec<u32>) {
    let current = ctx.current;
    let usable = usable_vcpus(&current.runtime);
    let vcpus = |m: u32| cpu_share(provider, m).unwrap_or(1.0).min(usable);
    // Sizes comparable with the current one: same architecture, enough
    // invocations and a mean.
    let mut observed: Vec<(u32, f64, u64, Option<f64>)> = ctx
        .rows
        .iter()
        .filter(|r| r.arch == current.arch && r.invocations >= ctx.options.min_invocations.max(1))
        .filter_map(|r| {
            r.duration_mean_ms
                .map(|d| (r.memory_mb, d, r.invocations, r.max_memory_p99_mb))
        })
        .collect();
    observed.sort_by_key(|o| o.0);
    let pressure = detect_pressure(
        &observed
            .iter()
            .map(|&(m, d, _, used)| (m, d, used))
            .collect::<Vec<_>>(),
        vcpus,
    );
    let pressure_floor = pressure.iter().map(|p| p.memory_mb).max();
    // The fit uses only sizes above every pressured one: at or below it,
    // a duration may be inflated by memory, which the model cannot express.
    let clear: Vec<&(u32, f64, u64, Option<f64>)> = observed
        .iter()
        .filter(|o| pressure_floor.is_none_or(|f| o.0 > f))
        .collect();
    let points: Vec<(f64, f64, f64)> = clear
        .iter()
        .map(|&&(m, d, n, _)| (1.0 / vcpus(m), d, n as f64))
        .collect();
    let mut curve = Curve {
        provider,
        usable_vcpus: usable,
        kind: ModelKind::ProjectedRange,
        fixed_ms: 0.0,
        cpu_ms: 0.0,
        anchor: None,
        observed: observed.iter().map(|&(m, d, _, _)| (m, d)).collect(),
        sizes_mb: vec![current.memory_mb],
        pressure,
    };
    if let Some((a, b)) = fit_cpu_curve(&points) {
        curve.kind = ModelKind::Fitted;
        curve.fixed_ms = a;
        curve.cpu_ms = b;
        curve.sizes_mb = clear.iter().map(|o| o.0).collect();
        let sizes = curve.sizes_mb.clone();
        return (curve, sizes);
    }
    // One size to project from: the current one unless pressure rules it
    // out, then the smallest size above the pressure, else the largest
    // observed (the least pressured).
    let anchor = if pressure_floor.is_none_or(|f| current.memory_mb > f) {
        (current.memory_mb, current.duration_mean_ms.unwrap_or(0.0))
    } else {
        clear.first().copied().or(observed.last()).map_or(
            (current.memory_mb, current.duration_mean_ms.unwrap_or(0.0)),
            |o| (o.0, o.1),
        )
    };
    curve.anchor = Some(anchor);
    curve.sizes_mb = vec![anchor.0];
    // The midpoint curve: a = mean (1 − β), b = mean β vcpus(anchor).
    curve.fixed_ms = anchor.1 * (1.0 - PROJECTED_CPU_BOUND_SHARE);
    curve.cpu_ms = anchor.1 * PROJECTED_CPU_BOUND_SHARE * vcpus(anchor.0);
    (curve, Vec::new())
}
