//! What a fitted model says: its one-step fitted values over the history,
//! its point forecasts, and its prediction intervals — analytic variances
//! for the additive models, a seeded simulation of sample paths for the
//! multiplicative ones, which have no closed form. Everything here reads a
//! finished fit and never changes it, which is why it is apart from fitting.

use super::ets::{advance, one_step, ErrorKind, SeasonKind, TrendKind};
use super::fit::Fit;
use faasight_stats::{quantile, SplitMix64};

/// A forecast of one step or of a sum of steps: (mean, lower, upper).
pub(super) type Estimate = (f64, f64, f64);

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

/// Weights ψ_0 … ψ_{h−1} of the innovations in the forecast errors of the
/// additive models (Hyndman 2008 ch. 6, "class 1"; FPP3 table 8.8): the
/// error of step s is Σ_{k=0}^{s−1} ψ_k ε_{n+s−k}, with ψ_0 = 1 and
/// ψ_k = c_k = α + β·(k, or φ_k = φ + … + φ^k when damped) + γ·[k mod m = 0].
fn innovation_weights(fit: &Fit, h: usize, m: usize) -> Vec<f64> {
    let p = &fit.smoothing;
    let mut out = Vec::with_capacity(h);
    let (mut phi_j, mut phi_power) = (0.0, 1.0);
    if h > 0 {
        out.push(1.0);
    }
    for j in 1..h {
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
        out.push(p.alpha + trend_part + season_part);
    }
    out
}

/// Forecast variances of the additive models, class 1 of Hyndman 2008
/// ch. 6 (FPP3 table 8.8): σ_h² = σ² (1 + Σ_{j=1}^{h−1} c_j²), the
/// [`innovation_weights`] squared and summed.
pub(super) fn additive_variances(fit: &Fit, h: usize, m: usize) -> Vec<f64> {
    let mut total = 0.0;
    innovation_weights(fit, h, m)
        .into_iter()
        .map(|psi| {
            total += psi * psi;
            fit.sigma2 * total
        })
        .collect()
}

/// Variance of the sum of the forecast errors of steps `first..=last`
/// (1-based) of an additive model. The errors of different steps share
/// innovations, so they are correlated and the variance of their sum is
/// not the sum of their variances (nor is its standard deviation the sum
/// of theirs, which summing daily bounds amounts to). Writing the sum in
/// the innovations, Σ_{s=a}^{b} e_s = Σ_{i=1}^{b} w_i ε_{n+i} with
/// w_i = Σ_{s=max(a,i)}^{b} ψ_{s−i}, and the innovations are independent
/// with variance σ², so the variance is σ² Σ w_i² (Hyndman 2008 §6.6
/// derives the same for the cumulative, lead-time demand, a = 1).
pub(super) fn additive_span_variance(fit: &Fit, weights: &[f64], first: usize, last: usize) -> f64 {
    // prefix[k] = ψ_0 + … + ψ_{k−1}, so Σ_{t=lo}^{hi} ψ_t = prefix[hi+1] − prefix[lo].
    let mut prefix = Vec::with_capacity(last + 1);
    prefix.push(0.0);
    for psi in &weights[..last] {
        prefix.push(prefix[prefix.len() - 1] + psi);
    }
    let total: f64 = (1..=last)
        .map(|i| {
            let lo = first.max(i) - i;
            let w = prefix[last - i + 1] - prefix[lo];
            w * w
        })
        .sum();
    fit.sigma2 * total
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

/// `paths` future sample paths of `h` steps from the fitted model with
/// Gaussian innovations (FPP3 §8.7), seeded so they are repeatable;
/// `result[j][p]` is step j + 1 of path p.
fn simulate_paths(fit: &Fit, h: usize, paths: usize) -> Vec<Vec<f64>> {
    let mut rng = Gaussian::new(SIMULATION_SEED);
    let sigma = fit.sigma2.sqrt();
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
    steps
}

/// The `(1 − level)/2` and `(1 + level)/2` quantiles of `values`.
fn quantile_bounds(values: &mut [f64], level: f64) -> (f64, f64) {
    let tail = (1.0 - level) / 2.0;
    (quantile(values, tail), quantile(values, 1.0 - tail))
}

pub(super) use faasight_stats::distributions::normal_quantile;

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
    predict_with_spans(fit, h, level, m, non_negative, paths, &[]).0
}

/// [`predict`], plus the mean and interval of the sum over each span of
/// steps `(first, last)` (1-based, inclusive, within 1..=h): a month's
/// total, say. The mean is the sum of the steps' means; the interval is
/// the sum's own — from [`additive_span_variance`] for the additive
/// models, from the simulated paths summed along each path for the
/// multiplicative ones — not the sum of the steps' bounds, which would
/// take every step to miss on the same side by its whole margin at once
/// and so overstate the width.
pub(super) fn predict_with_spans(
    fit: &Fit,
    h: usize,
    level: f64,
    m: usize,
    non_negative: bool,
    paths: usize,
    spans: &[(usize, usize)],
) -> (Vec<Estimate>, Vec<Estimate>) {
    let clip = |v: f64| if non_negative { v.max(0.0) } else { v };
    let means = point_forecasts(fit, h);
    let span_mean = |(first, last): (usize, usize)| -> f64 {
        means[first - 1..last].iter().map(|v| clip(*v)).sum()
    };
    type Bounds = Vec<(f64, f64)>;
    let (bounds, span_bounds): (Bounds, Bounds) = match fit.form.error {
        ErrorKind::Additive => {
            let z = normal_quantile((1.0 + level) / 2.0);
            let bounds = additive_variances(fit, h, m)
                .iter()
                .zip(&means)
                .map(|(v, mean)| (mean - z * v.sqrt(), mean + z * v.sqrt()))
                .collect();
            let weights = innovation_weights(fit, h, m);
            let span_bounds = spans
                .iter()
                .map(|&(first, last)| {
                    let mean = span_mean((first, last));
                    let sd = additive_span_variance(fit, &weights, first, last).sqrt();
                    (mean - z * sd, mean + z * sd)
                })
                .collect();
            (bounds, span_bounds)
        }
        ErrorKind::Multiplicative => {
            let mut steps = simulate_paths(fit, h, paths);
            // Sums first: the quantiles below reorder each step's draws.
            let span_bounds = spans
                .iter()
                .map(|&(first, last)| {
                    let mut sums: Vec<f64> = (0..paths)
                        .map(|p| steps[first - 1..last].iter().map(|s| clip(s[p])).sum())
                        .collect();
                    quantile_bounds(&mut sums, level)
                })
                .collect();
            let bounds = steps
                .iter_mut()
                .map(|values| quantile_bounds(values, level))
                .collect();
            (bounds, span_bounds)
        }
    };
    let steps = means
        .iter()
        .zip(bounds)
        .map(|(&mean, (lower, upper))| (clip(mean), clip(lower), clip(upper)))
        .collect();
    let totals = spans
        .iter()
        .zip(span_bounds)
        .map(|(&span, (lower, upper))| (span_mean(span), clip(lower), clip(upper)))
        .collect();
    (steps, totals)
}
