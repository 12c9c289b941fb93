//! Fitting model forms to a series and choosing among them: the mapping of
//! the search space onto the admissible parameter region, the
//! maximum-likelihood fit of one form with its AICc, and the selection of
//! the lowest AICc among all candidates. The forecast and every backtest
//! origin go through here, with different evaluation budgets.

use super::ets::{
    candidate_forms, filter, initial_state, minus_two_log_likelihood, ErrorKind, ModelForm,
    Smoothing, State, TrendKind,
};
use super::optimise::nelder_mead;

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// Maps the unconstrained search vector onto the usual region of FPP3 §8.6:
/// α ∈ (0, 1), β ∈ (0, α), γ ∈ (0, 1 − α), φ ∈ [0.8, 0.98]. Searching in
/// logit space keeps every point Nelder–Mead tries admissible.
fn smoothing_from(form: &ModelForm, theta: &[f64]) -> Smoothing {
    let mut it = theta.iter().copied();
    let mut next = || it.next().unwrap_or(0.0);
    let alpha = 1e-4 + (1.0 - 2e-4) * logistic(next());
    let beta = if form.has_trend() {
        alpha * (1e-3 + (1.0 - 2e-3) * logistic(next()))
    } else {
        0.0
    };
    let gamma = if form.is_seasonal() {
        (1.0 - alpha) * (1e-3 + (1.0 - 2e-3) * logistic(next()))
    } else {
        0.0
    };
    let phi = match form.trend {
        TrendKind::Damped => 0.8 + 0.18 * logistic(next()),
        TrendKind::Additive => 1.0,
        TrendKind::None => 0.0,
    };
    Smoothing {
        alpha,
        beta,
        gamma,
        phi,
    }
}

/// Starting point of the search: α = 0.3, β = 0.1 α, γ = 0.1 (1 − α),
/// φ = 0.9 — moderate smoothing, as in common practice.
fn start_theta(form: &ModelForm) -> Vec<f64> {
    let inner = |p: f64| logit((p - 1e-3) / (1.0 - 2e-3));
    let mut theta = vec![logit((0.3 - 1e-4) / (1.0 - 2e-4))];
    if form.has_trend() {
        theta.push(inner(0.1));
    }
    if form.is_seasonal() {
        theta.push(inner(0.1));
    }
    if form.trend == TrendKind::Damped {
        theta.push(logit((0.9 - 0.8) / 0.18));
    }
    theta
}

/// A fitted model.
#[derive(Debug, Clone)]
pub(super) struct Fit {
    pub(super) form: ModelForm,
    pub(super) smoothing: Smoothing,
    /// Innovation variance, SSE / (n − k): the mean squared innovation
    /// corrected for the k estimated parameters (SSE / n, the maximum
    /// likelihood value, understates the spread of errors to come).
    pub(super) sigma2: f64,
    /// State before the first observation (from the heuristic).
    pub(super) initial: State,
    /// State after the last observation.
    pub(super) state: State,
    pub(super) aicc: f64,
}

pub(super) fn fit(form: ModelForm, y: &[f64], m: usize, max_evaluations: usize) -> Option<Fit> {
    let season_len = if form.is_seasonal() { m } else { 1 };
    let init = initial_state(&form, y, season_len);
    if form.error == ErrorKind::Multiplicative && init.level <= 0.0 {
        return None;
    }
    let n = y.len();
    let scale = 1.0 + y.iter().map(|v| v.abs()).sum::<f64>() / n as f64;
    let mut state = init.clone();
    let objective = |theta: &[f64]| {
        let p = smoothing_from(&form, theta);
        state.clone_from(&init);
        filter(&form, &p, &mut state, y)
            .map(|f| minus_two_log_likelihood(&form, &f, n, scale))
            .unwrap_or(f64::INFINITY)
    };
    let (theta, best) = nelder_mead(objective, &start_theta(&form), max_evaluations);
    if !best.is_finite() {
        return None;
    }
    let smoothing = smoothing_from(&form, &theta);
    let mut state = init.clone();
    let filtered = filter(&form, &smoothing, &mut state, y)?;
    let k = form.parameter_count(season_len);
    // AICc = AIC + 2k(k+1)/(n−k−1) (FPP3 §8.6); undefined when n ≤ k + 1.
    let aicc = if n > k + 1 {
        let aic = minus_two_log_likelihood(&form, &filtered, n, scale) + 2.0 * k as f64;
        aic + 2.0 * (k * (k + 1)) as f64 / (n - k - 1) as f64
    } else {
        f64::INFINITY
    };
    let dof = if n > k { n - k } else { n };
    Some(Fit {
        form,
        smoothing,
        sigma2: filtered.sse / dof as f64,
        initial: init,
        state,
        aicc,
    })
}

/// Fits every candidate to `y` and returns them all, in the order tried
/// (only those with a finite AICc).
pub(super) fn fit_candidates(y: &[f64], m: usize, max_evaluations: usize) -> Vec<Fit> {
    let seasonal = m > 1 && y.len() >= 2 * m;
    let strictly_positive = y.iter().all(|v| *v > 0.0);
    candidate_forms(strictly_positive, seasonal)
        .into_iter()
        .filter_map(|form| fit(form, y, m, max_evaluations))
        .filter(|f| f.aicc.is_finite())
        .collect()
}

/// The fit with the lowest AICc (the first of equals).
pub(super) fn lowest_aicc(fits: &[Fit]) -> Option<&Fit> {
    fits.iter()
        .reduce(|best, f| if f.aicc < best.aicc { f } else { best })
}
