//! What a fitted model says: its one-step fitted values over the history,
//! its point forecasts, and its prediction intervals — analytic variances
//! for the additive models, a seeded simulation of sample paths for the
//! multiplicative ones, which have no closed form. Everything here reads a
//! finished fit and never changes it, which is why it is apart from fitting.

use super::ets::{advance, one_step, ErrorKind, SeasonKind, TrendKind};
use super::fit::Fit;
use faasight_stats::{quantile, SplitMix64};

/// Seed of the simulation: fixed, so the same input gives the same interval.
const SIMULATION_SEED: u64 = 0x5eed_f0ca_57ed_0001;

/// One-step-ahead fitted values over the history `y` the model was fitted
/// to: ŷ_t from the state before y_t (FPP3 §8.1 "fitted values").
pub(super) fn fitted_values(fit: &Fit, y: &[f64]) -> Vec<f64> {
    let mut s = fit.initial.clone();
    y.iter()
        .map(|&v| {
            let y_hat = one_step(&fit.form, &fit.smoothing, &s);
            let e = match fit.form.error {
                ErrorKind::Additive => v - y_hat,
                ErrorKind::Multiplicative => (v - y_hat) / y_hat,
            };
            advance(&fit.form, &fit.smoothing, &mut s, e, y_hat);
            y_hat
        })
        .collect()
}

/// Point forecasts 1..=h from the final state (FPP3 §8.7 "point forecasts"):
/// level + φ_h·trend, plus or times the seasonal state of that position,
/// where φ_h = φ + φ² + … + φ^h (h for an undamped trend).
fn point_forecasts(fit: &Fit, h: usize) -> Vec<f64> {
    let s = &fit.state;
    let p = &fit.smoothing;
    let mut phi_h = 0.0;
    let mut phi_power = 1.0;
    (1..=h)
        .map(|step| {
            phi_power *= p.phi;
            phi_h += phi_power;
            let trend = match fit.form.trend {
                TrendKind::None => 0.0,
                TrendKind::Additive => step as f64 * s.trend,
                TrendKind::Damped => phi_h * s.trend,
            };
            let season = s.seasons[(s.slot + step - 1) % s.seasons.len()];
            let base = s.level + trend;
            match fit.form.season {
                SeasonKind::None => base,
                SeasonKind::Additive => base + season,
                SeasonKind::Multiplicative => base * season,
            }
        })
        .collect()
}

/// Forecast variances of the additive models, class 1 of Hyndman 2008
/// ch. 6 (FPP3 table 8.8): σ_h² = σ² (1 + Σ_{j=1}^{h−1} c_j²) with
/// c_j = α + β·(j, or φ_j = φ + … + φ^j when damped) + γ·[j mod m = 0].
pub(super) fn additive_variances(fit: &Fit, h: usize, m: usize) -> Vec<f64> {
    let p = &fit.smoothing;
    let mut out = Vec::with_capacity(h);
    let mut total = 1.0;
    let mut phi_j = 0.0;
    let mut phi_power = 1.0;
    for step in 1..=h {
        out.push(fit.sigma2 * total);
        let j = step;
        phi_power *= p.phi;
        phi_j += phi_power;
        let trend_part = match fit.form.trend {
            TrendKind::None => 0.0,
            TrendKind::Additive => p.beta * j as f64,
            TrendKind::Damped => p.beta * phi_j,
        };
        let season_part = if fit.form.is_seasonal() && m > 1 && j % m == 0 {
            p.gamma
        } else {
            0.0
        };
        let c = p.alpha + trend_part + season_part;
        total += c * c;
    }
    out
}

/// Standard normal draws for the simulated intervals: the Box–Muller
/// transform (G. E. P. Box, M. E. Muller, Annals of Mathematical Statistics
/// 29(2), 1958) over a seeded SplitMix64, so the same fit gives the same
/// interval on every run. Box–Muller turns two uniforms into two
/// independent normals; the second is kept for the next call.
pub(super) struct Gaussian {
    rng: SplitMix64,
    /// Second normal draw of the last Box–Muller pair, not yet used.
    spare_normal: Option<f64>,
}

impl Gaussian {
    pub(super) fn new(seed: u64) -> Self {
        Gaussian {
            rng: SplitMix64::new(seed),
            spare_normal: None,
        }
    }

    /// The next standard normal draw.
    pub(super) fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        let (u, v) = (self.rng.uniform_open(), self.rng.uniform_open());
        let radius = (-2.0 * u.ln()).sqrt();
        let angle = 2.0 * std::f64::consts::PI * v;
        self.spare_normal = Some(radius * angle.sin());
        radius * angle.cos()
    }
}

/// Interval bounds by simulating `paths` future sample paths from the
/// fitted model with Gaussian innovations (FPP3 §8.7), seeded so it is
/// repeatable.
fn simulated_bounds(fit: &Fit, h: usize, level: f64, paths: usize) -> Vec<(f64, f64)> {
    let mut rng = Gaussian::new(SIMULATION_SEED);
    let sigma = fit.sigma2.sqrt();
    // steps[j] holds the draws of step j + 1 across the paths.
    let mut steps = vec![Vec::with_capacity(paths); h];
    let mut s = fit.state.clone();
    for _ in 0..paths {
        s.clone_from(&fit.state);
        for path in steps.iter_mut() {
            let y_hat = one_step(&fit.form, &fit.smoothing, &s);
            let e = sigma * rng.normal();
            let y = match fit.form.error {
                ErrorKind::Additive => y_hat + e,
                ErrorKind::Multiplicative => y_hat * (1.0 + e),
            };
            // A NaN (∞ − ∞ after an overflow) is an exploded path: count it
            // as the most extreme value rather than poison the selection.
            path.push(if y.is_nan() { f64::INFINITY } else { y });
            advance(&fit.form, &fit.smoothing, &mut s, e, y_hat);
        }
    }
    let tail = (1.0 - level) / 2.0;
    steps
        .into_iter()
        .map(|mut values| {
            (
                quantile(&mut values, tail),
                quantile(&mut values, 1.0 - tail),
            )
        })
        .collect()
}

/// Inverse of the standard normal distribution function, P. J. Acklam's
/// rational approximation (relative error < 1.2e-9),
/// <https://web.archive.org/web/20151030215612/http://home.online.no/~pjacklam/notes/invnorm/>.
pub(super) fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Means and interval bounds 1..=h of a fitted model; bounds (and means)
/// clipped at 0 when `non_negative`; `paths` sample paths for a
/// multiplicative model's interval.
pub(super) fn predict(
    fit: &Fit,
    h: usize,
    level: f64,
    m: usize,
    non_negative: bool,
    paths: usize,
) -> Vec<(f64, f64, f64)> {
    let means = point_forecasts(fit, h);
    let bounds: Vec<(f64, f64)> = match fit.form.error {
        ErrorKind::Additive => {
            let z = normal_quantile((1.0 + level) / 2.0);
            additive_variances(fit, h, m)
                .iter()
                .zip(&means)
                .map(|(v, mean)| (mean - z * v.sqrt(), mean + z * v.sqrt()))
                .collect()
        }
        ErrorKind::Multiplicative => simulated_bounds(fit, h, level, paths),
    };
    means
        .into_iter()
        .zip(bounds)
        .map(|(mean, (lower, upper))| {
            if non_negative {
                (mean.max(0.0), lower.max(0.0), upper.max(0.0))
            } else {
                (mean, lower, upper)
            }
        })
        .collect()
}
