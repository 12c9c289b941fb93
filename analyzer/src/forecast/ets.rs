//! The ETS model forms and what running one over a series means: the
//! (error, trend, season) forms tried as candidates, the smoothing
//! parameters and the state vector, the heuristic initial state, the state
//! equations, and the filter whose innovations give the likelihood. Every
//! other step builds on these equations, so they sit together, to be
//! checked against FPP3 and Hyndman 2008 line by line.

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum ErrorKind {
    Additive,
    Multiplicative,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum TrendKind {
    None,
    Additive,
    Damped,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum SeasonKind {
    None,
    Additive,
    Multiplicative,
}

/// An ETS model form (error, trend, season), FPP3 table 8.5 notation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct ModelForm {
    pub(super) error: ErrorKind,
    pub(super) trend: TrendKind,
    pub(super) season: SeasonKind,
}

impl ModelForm {
    pub(super) const fn new(error: ErrorKind, trend: TrendKind, season: SeasonKind) -> Self {
        ModelForm {
            error,
            trend,
            season,
        }
    }

    pub(super) fn name(&self) -> String {
        let e = match self.error {
            ErrorKind::Additive => "A",
            ErrorKind::Multiplicative => "M",
        };
        let t = match self.trend {
            TrendKind::None => "N",
            TrendKind::Additive => "A",
            TrendKind::Damped => "Ad",
        };
        let s = match self.season {
            SeasonKind::None => "N",
            SeasonKind::Additive => "A",
            SeasonKind::Multiplicative => "M",
        };
        format!("ETS({e},{t},{s})")
    }

    pub(super) fn has_trend(&self) -> bool {
        self.trend != TrendKind::None
    }

    pub(super) fn is_seasonal(&self) -> bool {
        self.season != SeasonKind::None
    }

    /// Smoothing parameters searched.
    fn smoothing_count(&self) -> usize {
        1 + usize::from(self.has_trend())
            + usize::from(self.is_seasonal())
            + usize::from(self.trend == TrendKind::Damped)
    }

    /// Parameters counted by the information criterion: smoothing
    /// parameters, initial states (level, trend, m − 1 free seasonal
    /// states) and σ, as Hyndman 2008 §5.1 counts them. The initial states
    /// come from a heuristic here, but they are still estimated from the data.
    pub(super) fn parameter_count(&self, m: usize) -> usize {
        let seasonal_states = if self.is_seasonal() { m - 1 } else { 0 };
        self.smoothing_count() + 1 + usize::from(self.has_trend()) + seasonal_states + 1
    }
}

/// The candidates, for a series that is (or is not) strictly positive and
/// long enough (or not) for seasonal models.
pub(super) fn candidate_forms(strictly_positive: bool, seasonal: bool) -> Vec<ModelForm> {
    use ErrorKind as E;
    use SeasonKind as S;
    use TrendKind as T;
    let mut forms = vec![
        ModelForm::new(E::Additive, T::None, S::None),
        ModelForm::new(E::Additive, T::Additive, S::None),
        ModelForm::new(E::Additive, T::Damped, S::None),
    ];
    if seasonal {
        forms.extend([
            ModelForm::new(E::Additive, T::None, S::Additive),
            ModelForm::new(E::Additive, T::Additive, S::Additive),
            ModelForm::new(E::Additive, T::Damped, S::Additive),
        ]);
        if strictly_positive {
            forms.extend([
                ModelForm::new(E::Multiplicative, T::None, S::Multiplicative),
                ModelForm::new(E::Multiplicative, T::Damped, S::Multiplicative),
            ]);
        }
    }
    forms
}

/// Smoothing parameters of one model; unused ones are ignored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Smoothing {
    pub(super) alpha: f64,
    pub(super) beta: f64,
    pub(super) gamma: f64,
    pub(super) phi: f64,
}

/// State vector: level, trend, and the seasonal states as a ring indexed by
/// the position in the season of the step they serve.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct State {
    pub(super) level: f64,
    pub(super) trend: f64,
    pub(super) seasons: Vec<f64>,
    /// Position in the season of the next observation, 0..seasons.len().
    pub(super) slot: usize,
}

/// Initial states by a heuristic (in the spirit of Hyndman 2008 §2.6.1):
/// seasonal models take the means of the first (up to three) seasons for the
/// level and the trend, and the average deviation (or ratio) from each
/// season's mean for the seasonal states; non-seasonal models take a
/// least-squares line through the first ten values (trend) or the mean of
/// the first values (no trend).
pub(super) fn initial_state(form: &ModelForm, y: &[f64], m: usize) -> State {
    if form.is_seasonal() {
        let seasons = (y.len() / m).clamp(1, 3);
        let means: Vec<f64> = (0..seasons)
            .map(|k| y[k * m..(k + 1) * m].iter().sum::<f64>() / m as f64)
            .collect();
        let trend = if form.has_trend() && seasons > 1 {
            (means[seasons - 1] - means[0]) / ((seasons - 1) * m) as f64
        } else {
            0.0
        };
        let centre = (m as f64 - 1.0) / 2.0;
        let mut indices = vec![0.0; m];
        for (j, index) in indices.iter_mut().enumerate() {
            let mut total = 0.0;
            for (k, mean) in means.iter().enumerate() {
                let underlying = mean + trend * (j as f64 - centre);
                total += match form.season {
                    SeasonKind::Multiplicative => y[k * m + j] / underlying,
                    _ => y[k * m + j] - underlying,
                };
            }
            *index = total / seasons as f64;
        }
        match form.season {
            SeasonKind::Multiplicative => {
                let average = indices.iter().sum::<f64>() / m as f64;
                if average > 0.0 {
                    indices.iter_mut().for_each(|s| *s /= average);
                }
            }
            _ => {
                let average = indices.iter().sum::<f64>() / m as f64;
                indices.iter_mut().for_each(|s| *s -= average);
            }
        }
        // The first season's mean is the level at its centre, step
        // (m + 1) / 2 counted from 1; the initial level is one step before
        // the first observation.
        State {
            level: means[0] - trend * (m as f64 + 1.0) / 2.0,
            trend,
            seasons: indices,
            slot: 0,
        }
    } else if form.has_trend() {
        let k = y.len().min(10);
        let ts: Vec<f64> = (1..=k).map(|t| t as f64).collect();
        let t_mean = ts.iter().sum::<f64>() / k as f64;
        let y_mean = y[..k].iter().sum::<f64>() / k as f64;
        let sxy: f64 = ts
            .iter()
            .zip(&y[..k])
            .map(|(t, v)| (t - t_mean) * (v - y_mean))
            .sum();
        let sxx: f64 = ts.iter().map(|t| (t - t_mean).powi(2)).sum();
        let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
        State {
            level: y_mean - slope * t_mean,
            trend: slope,
            seasons: vec![0.0],
            slot: 0,
        }
    } else {
        let k = y.len().min(5);
        State {
            level: y[..k].iter().sum::<f64>() / k as f64,
            trend: 0.0,
            seasons: vec![0.0],
            slot: 0,
        }
    }
}

/// The one-step forecast from a state (FPP3 table 8.7).
pub(super) fn one_step(form: &ModelForm, p: &Smoothing, s: &State) -> f64 {
    let base = s.level + p.phi * s.trend;
    let season = s.seasons[s.slot];
    match form.season {
        SeasonKind::None => base,
        SeasonKind::Additive => base + season,
        SeasonKind::Multiplicative => base * season,
    }
}

/// Moves the state one step on, given the innovation `e` (absolute for
/// additive errors, relative for multiplicative ones): the state equations
/// of FPP3 table 8.7 / Hyndman 2008 table 2.3.
pub(super) fn advance(form: &ModelForm, p: &Smoothing, s: &mut State, e: f64, y_hat: f64) {
    let slot = s.slot;
    let season = s.seasons[slot];
    let base = s.level + p.phi * s.trend;
    let damped_trend = p.phi * s.trend;
    match (form.error, form.season) {
        (ErrorKind::Additive, SeasonKind::Multiplicative) => {
            // Not a candidate; kept total for safety.
            s.level = base + p.alpha * e / season;
            s.trend = damped_trend + p.beta * e / season;
            s.seasons[slot] = season + p.gamma * e / base;
        }
        (ErrorKind::Additive, _) => {
            s.level = base + p.alpha * e;
            s.trend = damped_trend + p.beta * e;
            if form.season == SeasonKind::Additive {
                s.seasons[slot] = season + p.gamma * e;
            }
        }
        (ErrorKind::Multiplicative, SeasonKind::Multiplicative) => {
            s.level = base * (1.0 + p.alpha * e);
            s.trend = damped_trend + p.beta * base * e;
            s.seasons[slot] = season * (1.0 + p.gamma * e);
        }
        (ErrorKind::Multiplicative, _) => {
            // ETS(M,*,N) / (M,*,A): not candidates here; Hyndman 2008
            // table 2.3 via the absolute error μ·e.
            let abs = y_hat * e;
            s.level = base + p.alpha * abs;
            s.trend = damped_trend + p.beta * abs;
            if form.season == SeasonKind::Additive {
                s.seasons[slot] = season + p.gamma * abs;
            }
        }
    }
    s.slot = if slot + 1 == s.seasons.len() {
        0
    } else {
        slot + 1
    };
}

/// Result of running the filter over a series.
pub(super) struct Filtered {
    /// Sum of squared innovations.
    pub(super) sse: f64,
    /// Σ ln|ŷ|, the Jacobian term of multiplicative-error likelihoods.
    pub(super) log_abs_fitted: f64,
}

/// Runs the model over `y`, moving `s` from the initial state to the state
/// after the last value (in place: the likelihood search calls this hundreds
/// of times per model, and a fresh state each time would allocate); `None`
/// when a state leaves the region where the model is defined (non-positive
/// forecast of a multiplicative model, overflow).
pub(super) fn filter(
    form: &ModelForm,
    p: &Smoothing,
    s: &mut State,
    y: &[f64],
) -> Option<Filtered> {
    let mut sse = 0.0;
    let mut log_abs_fitted = 0.0;
    for &v in y {
        let y_hat = one_step(form, p, s);
        let e = match form.error {
            ErrorKind::Additive => v - y_hat,
            ErrorKind::Multiplicative => {
                if y_hat <= 0.0 {
                    return None;
                }
                log_abs_fitted += y_hat.ln();
                (v - y_hat) / y_hat
            }
        };
        sse += e * e;
        advance(form, p, s, e, y_hat);
    }
    // Overflow anywhere propagates to the level or the SSE, so checking once
    // at the end is enough.
    if !s.level.is_finite() || !sse.is_finite() {
        return None;
    }
    Some(Filtered {
        sse,
        log_abs_fitted,
    })
}

/// −2 log-likelihood up to nothing: n ln(2π SSE/n) + n + 2 Σ ln|ŷ| for
/// multiplicative errors (Hyndman 2008 §5.1, σ² concentrated out). SSE is
/// floored at n·(10⁻⁹·`scale`)² so a perfectly fitted (e.g. constant) series
/// does not give −∞ and ties are broken by the parameter count; `scale` is
/// 1 + mean |y| for additive errors (innovations in the units of y) and 1
/// for multiplicative ones (relative innovations).
pub(super) fn minus_two_log_likelihood(
    form: &ModelForm,
    f: &Filtered,
    n: usize,
    scale: f64,
) -> f64 {
    let n = n as f64;
    let scale = match form.error {
        ErrorKind::Additive => scale,
        ErrorKind::Multiplicative => 1.0,
    };
    let sse = f.sse.max(n * (1e-9 * scale).powi(2));
    let jacobian = match form.error {
        ErrorKind::Additive => 0.0,
        ErrorKind::Multiplicative => 2.0 * f.log_abs_fitted,
    };
    n * (2.0 * std::f64::consts::PI * sse / n).ln() + n + jacobian
}
