//! Daily cost and invocation forecasts with prediction intervals.
//!
//! Why exponential smoothing: FaaS bills and invocation counts are short
//! daily series (weeks, not years) with a weekly rhythm and slow drifts; the
//! ETS state-space family handles exactly that, gives a likelihood (so models
//! can be compared by an information criterion) and gives prediction
//! intervals that have a stated probability rather than a guessed band.
//!
//! The framework is Hyndman's innovations state space model:
//! R. J. Hyndman, A. B. Koehler, J. K. Ord, R. D. Snyder, "Forecasting with
//! Exponential Smoothing: The State Space Approach", Springer 2008 (cited as
//! "Hyndman 2008"), and R. J. Hyndman, G. Athanasopoulos, "Forecasting:
//! Principles and Practice", 3rd ed., ch. 8, <https://otexts.com/fpp3/ets.html>
//! (cited as "FPP3").
//!
//! What is done here:
//! - isolated spikes (an incident, a retry storm, a one-off batch) are
//!   replaced before fitting, so one bad day does not move the level the
//!   forecast starts from (see [`SeriesForecast::outliers_replaced`]);
//! - candidates ETS(A,N,N), (A,A,N), (A,Ad,N), (A,N,A), (A,A,A), (A,Ad,A) and,
//!   when every value is strictly positive, (M,N,M) and (M,Ad,M); seasonal
//!   ones only when the history holds at least two full seasons;
//! - smoothing parameters fitted by maximising the likelihood with a
//!   Nelder–Mead search (at most [`FIT_EVALUATIONS`] evaluations per model)
//!   inside the "usual" region of FPP3 §8.6 (0 < β < α < 1, 0 < γ < 1 − α,
//!   0.8 ≤ φ ≤ 0.98); initial states come from a heuristic (averages of the
//!   first seasons), not from the search, which keeps the search small;
//! - selection by AICc (FPP3 §8.6);
//! - intervals: the analytic forecast variance for the additive models
//!   (FPP3 table 8.8, Hyndman 2008 ch. 6 "class 1"), and a seeded, hence
//!   deterministic, simulation of future sample paths for the multiplicative
//!   ones (FPP3 §8.7: they have no closed form);
//! - a rolling-origin backtest of the whole procedure (see [`Backtest`]) so a
//!   reader can judge how far to trust the forecast.
//!
//! Pure functions, no I/O.

// The steps of a forecast live in private submodules, in the order a
// forecast runs them; this file holds the public types and the entry points.
// - outliers: spike replacement before fitting;
// - ets: model forms, state, the state equations and the likelihood filter;
// - optimise: the Nelder–Mead search the fits use;
// - fit: fitting one form, fitting every candidate, selecting by AICc;
// - predict: fitted values, point forecasts and intervals;
// - calibrate: rescaling intervals by the backtest's errors;
// - backtest: the rolling-origin backtest of the whole procedure.
mod backtest;
mod calibrate;
mod ets;
mod fit;
mod optimise;
mod outliers;
mod predict;
#[cfg(test)]
mod tests;

use crate::frame_input::{self, FrameError};
use backtest::backtest;
use calibrate::rescale;
use chrono::NaiveDate;
use ets::TrendKind;
use fit::{fit_candidates, lowest_aicc};
use outliers::replace_outliers;
use polars::prelude::DataFrame;
use predict::{fitted_values, predict};
use serde::Serialize;
use std::collections::BTreeMap;

/// Fewest observations a forecast is made from: two weeks of days, the
/// least that shows a weekly pattern twice.
pub const MIN_HISTORY: usize = 14;

/// Bound on likelihood evaluations per candidate model: with ~8 candidates
/// and ~1,000 series this keeps a whole tenant within seconds. Most fits
/// stop earlier, when the simplex has converged.
pub const FIT_EVALUATIONS: usize = 200;

/// Bound on likelihood evaluations for each backtest refit: the backtest
/// refits many times, only to judge accuracy, so a coarser fit is enough
/// (on the benchmark in `benches/forecast_compare.py`, 80 and 1,000 gave
/// mean MAPEs within 0.1 percentage point).
pub const BACKTEST_EVALUATIONS: usize = 80;

/// Sample paths simulated for a multiplicative model's interval: the 10 %
/// quantile of 500 draws has a standard error of √(0.1·0.9/500) ≈ 1.3 % in
/// probability, small beside the uncertainty of the fitted σ itself.
const SIMULATED_PATHS: usize = 500;

/// What to forecast and how.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastOptions {
    /// Steps (days for daily series) to forecast.
    pub horizon: usize,
    /// Probability of the prediction interval, 0.51..=0.99 (0.80 = 80 %);
    /// other values are refused with [`ForecastError::InvalidLevel`].
    pub level: f64,
    /// Observations per season: 7 for daily series with a weekly rhythm;
    /// 0 or 1 for no seasonality.
    pub season_length: usize,
    /// Steps between two backtest origins (1 = every day; 0 is taken as 1).
    pub backtest_step: usize,
}

impl Default for ForecastOptions {
    fn default() -> Self {
        ForecastOptions {
            horizon: 30,
            level: 0.80,
            season_length: 7,
            backtest_step: 1,
        }
    }
}

/// Why no forecast could be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ForecastError {
    /// Too little history to estimate a model honestly.
    #[error("forecast needs at least {needed} days of history; this series has {found}")]
    TooShort {
        /// Observations needed.
        needed: usize,
        /// Observations given.
        found: usize,
    },
    /// The interval level is outside 51–99 %.
    #[error("prediction interval level must be between 0.51 and 0.99 (51–99 %); got {0}")]
    InvalidLevel(f64),
    /// A horizon of zero steps asks for nothing.
    #[error("forecast horizon must be at least 1 step; got 0")]
    ZeroHorizon,
    /// A value is NaN or infinite.
    #[error("value {index} of the series is {value}, expected a finite number")]
    NonFinite {
        /// Position in the series.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A column is absent or has the wrong type.
    #[error(transparent)]
    Input(#[from] FrameError),
    /// A row the forecast cannot use.
    #[error("row {row}: {message}")]
    BadRow {
        /// Row number in the frame.
        row: usize,
        /// What is wrong.
        message: String,
    },
}

/// One candidate model and its information criterion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidateFit {
    /// Model name, e.g. "ETS(A,Ad,A)".
    pub model: String,
    /// Corrected Akaike information criterion; lower is better.
    pub aicc: f64,
}

/// Fitted parameters of the selected model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelParameters {
    /// Level smoothing.
    pub alpha: f64,
    /// Trend smoothing, when the model has a trend.
    pub beta: Option<f64>,
    /// Seasonal smoothing, when the model is seasonal.
    pub gamma: Option<f64>,
    /// Damping, when the trend is damped.
    pub phi: Option<f64>,
    /// Standard deviation of the innovations (absolute for additive errors,
    /// relative for multiplicative ones).
    pub sigma: f64,
}

/// One forecast step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastPoint {
    /// Steps after the last observation (1 = the next one).
    pub step: usize,
    /// Calendar day, for daily forecasts ([`forecast_daily`]).
    pub day: Option<NaiveDate>,
    /// Point forecast.
    pub mean: f64,
    /// Lower bound of the prediction interval.
    pub lower: f64,
    /// Upper bound of the prediction interval.
    pub upper: f64,
}

/// Rolling-origin backtest (L. J. Tashman, "Out-of-sample tests of
/// forecasting accuracy", International Journal of Forecasting 16(4), 2000;
/// FPP3 §5.10 "time series cross-validation").
///
/// Origins lie in the last third of the history, every
/// [`ForecastOptions::backtest_step`] steps. At each origin the procedure is
/// rerun on the history before it only — spike replacement, then at the
/// first origin and every seventh after it every candidate fitted and the
/// lowest AICc selected, at the origins in between the last selected form
/// refitted — with at most [`BACKTEST_EVALUATIONS`] likelihood evaluations
/// per fit; the `horizon` steps it forecasts are compared with what
/// happened (the raw values, spikes included). Nothing after an origin
/// informs its forecast, not even the choice of model, so the numbers
/// measure the procedure as it will be used, not a model chosen with
/// hindsight of the test days. `horizon` is the requested horizon capped at
/// half of that third (at least 1), so several origins fit in it.
/// MAPE skips actual values of zero (a percentage of zero is undefined);
/// `zero_actuals_skipped` says how many; coverage counts every step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backtest {
    /// Origins evaluated.
    pub origins: usize,
    /// Steps forecast from each origin.
    pub horizon: usize,
    /// Mean absolute percentage error over all non-zero actuals, in %.
    pub mape_pct: Option<f64>,
    /// Actual values of zero left out of the MAPE.
    pub zero_actuals_skipped: usize,
    /// Share of actuals inside the prediction interval, in %.
    pub coverage_pct: Option<f64>,
    /// Factor the model's interval half-widths are multiplied by for the
    /// forecast: the factor with which the backtest's intervals would have
    /// covered `level` of its actuals (split conformal prediction). Below 1,
    /// the model's own intervals were wider than its errors on this series
    /// needed; above 1, narrower. 1 when the backtest has fewer than 10
    /// errors to go on.
    pub interval_scale: f64,
}

/// Forecast of one series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesForecast {
    /// Selected model, e.g. "ETS(A,Ad,A)".
    pub model: String,
    /// Every candidate that could be fitted, in the order tried.
    pub candidates: Vec<CandidateFit>,
    /// Parameters of the selected model.
    pub parameters: ModelParameters,
    /// Values replaced before fitting because they lay beyond Tukey's far-out
    /// fence of the remainder of a running-median decomposition (a spike,
    /// not a change of level). Their replacement is the decomposition's value.
    pub outliers_replaced: usize,
    /// One-step-ahead fitted values, one per input value (same order): what
    /// the selected model expected each value to be from the values before
    /// it, to draw next to the actuals. Computed over the history after
    /// spike replacement, which is what the model saw.
    pub fitted: Vec<f64>,
    /// Probability of the intervals.
    pub level: f64,
    /// Forecast steps 1..=horizon.
    pub points: Vec<ForecastPoint>,
    /// How the procedure did on the recent past.
    pub backtest: Backtest,
}

/// Forecast of one key of [`forecast_daily`]'s frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupForecast {
    /// The key (e.g. a function).
    pub key: String,
    /// First day of the history (`fitted` values start here).
    pub first_day: Option<NaiveDate>,
    /// Days of history used (after filling missing days with 0).
    pub history_days: usize,
    /// The forecast, when one could be made.
    pub forecast: Option<SeriesForecast>,
    /// Why not, otherwise.
    pub error: Option<String>,
}

fn check_level(level: f64) -> Result<(), ForecastError> {
    if (0.51..=0.99).contains(&level) {
        Ok(())
    } else {
        Err(ForecastError::InvalidLevel(level))
    }
}

/// Forecasts one evenly spaced series (oldest first): replaces isolated
/// spikes, fits every candidate ETS model, keeps the one with the lowest
/// AICc, forecasts `options.horizon` steps with a `options.level` interval,
/// and backtests the procedure. A series with no negative value is taken to
/// be a count or a cost, so its forecasts and bounds are clipped at 0.
///
/// Errors: fewer than [`MIN_HISTORY`] values, a level outside 0.51..=0.99,
/// a zero horizon, or a non-finite value.
pub fn forecast_series(
    values: &[f64],
    options: &ForecastOptions,
) -> Result<SeriesForecast, ForecastError> {
    check_level(options.level)?;
    if options.horizon == 0 {
        return Err(ForecastError::ZeroHorizon);
    }
    if let Some((index, &value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(ForecastError::NonFinite { index, value });
    }
    if values.len() < MIN_HISTORY {
        return Err(ForecastError::TooShort {
            needed: MIN_HISTORY,
            found: values.len(),
        });
    }
    let m = options.season_length.max(1);
    let non_negative = values.iter().all(|v| *v >= 0.0);
    let (history, outliers_replaced) = replace_outliers(values, m);
    let fits = fit_candidates(&history, m, FIT_EVALUATIONS);
    // ETS(A,N,N) fits any finite series of 14 values (the filter of an
    // additive model cannot fail and n = 14 > k + 1 = 4), so `fits` is never
    // empty; the error keeps this total anyway.
    let best = lowest_aicc(&fits).ok_or(ForecastError::TooShort {
        needed: MIN_HISTORY,
        found: values.len(),
    })?;
    let backtest = backtest(values, options, m, non_negative);
    let points = predict(
        best,
        options.horizon,
        options.level,
        m,
        non_negative,
        SIMULATED_PATHS,
    )
    .into_iter()
    .map(|raw| rescale(raw, backtest.interval_scale, non_negative))
    .enumerate()
    .map(|(i, (mean, lower, upper))| ForecastPoint {
        step: i + 1,
        day: None,
        mean,
        lower,
        upper,
    })
    .collect();
    let p = best.smoothing;
    Ok(SeriesForecast {
        model: best.form.name(),
        candidates: fits
            .iter()
            .map(|f| CandidateFit {
                model: f.form.name(),
                aicc: f.aicc,
            })
            .collect(),
        parameters: ModelParameters {
            alpha: p.alpha,
            beta: best.form.has_trend().then_some(p.beta),
            gamma: best.form.is_seasonal().then_some(p.gamma),
            phi: (best.form.trend == TrendKind::Damped).then_some(p.phi),
            sigma: best.sigma2.sqrt(),
        },
        outliers_replaced,
        fitted: fitted_values(best, &history),
        level: options.level,
        points,
        backtest,
    })
}

/// Days since 1970-01-01 (polars' Date) as a calendar day.
fn day_from_epoch(days: i32) -> Option<NaiveDate> {
    // 1970-01-01 is day 719,163 counted from 0001-01-01 = day 1.
    NaiveDate::from_num_days_from_ce_opt(719_163 + days)
}

/// Daily forecasts per key.
///
/// Frame columns: `key` (String), `day` (Date), and `value_column` (any
/// numeric type, e.g. invocations or cost in USD as f64). Rows of one key
/// and day are summed; days missing inside a key's first..last day count as
/// 0 (no invocation, no cost), and so do null values. Keys come out sorted.
/// A key whose series cannot be forecast (too short) gets an entry with the
/// reason in `error`, so one new function does not hide the others; an
/// invalid level or a malformed frame fails the whole call.
pub fn forecast_daily(
    frame: &DataFrame,
    value_column: &str,
    options: &ForecastOptions,
) -> Result<Vec<GroupForecast>, ForecastError> {
    check_level(options.level)?;
    if options.horizon == 0 {
        return Err(ForecastError::ZeroHorizon);
    }
    let keys = frame_input::strings(frame, "key")?;
    let days = frame_input::days(frame, "day")?;
    let values = frame_input::floats(frame, value_column)?;

    let mut per_key: BTreeMap<String, BTreeMap<i32, f64>> = BTreeMap::new();
    for (row, ((key, day), value)) in keys.iter().zip(days.iter()).zip(values.iter()).enumerate() {
        let key = key.ok_or_else(|| ForecastError::BadRow {
            row,
            message: "`key` is null".into(),
        })?;
        let day = day.ok_or_else(|| ForecastError::BadRow {
            row,
            message: "`day` is null".into(),
        })?;
        let value = value.unwrap_or(0.0);
        if !value.is_finite() {
            return Err(ForecastError::BadRow {
                row,
                message: format!("`{value_column}` is {value}, expected a finite number"),
            });
        }
        *per_key
            .entry(key.to_string())
            .or_default()
            .entry(day)
            .or_insert(0.0) += value;
    }

    let mut out = Vec::with_capacity(per_key.len());
    for (key, by_day) in per_key {
        let (first, last) = match (by_day.keys().next(), by_day.keys().next_back()) {
            (Some(&first), Some(&last)) => (first, last),
            _ => continue,
        };
        let series: Vec<f64> = (first..=last)
            .map(|d| by_day.get(&d).copied().unwrap_or(0.0))
            .collect();
        let history_days = series.len();
        let first_day = day_from_epoch(first);
        match forecast_series(&series, options) {
            Ok(mut forecast) => {
                for point in forecast.points.iter_mut() {
                    point.day = day_from_epoch(last + point.step as i32);
                }
                out.push(GroupForecast {
                    key,
                    first_day,
                    history_days,
                    forecast: Some(forecast),
                    error: None,
                });
            }
            Err(e) => out.push(GroupForecast {
                key,
                first_day,
                history_days,
                forecast: None,
                error: Some(e.to_string()),
            }),
        }
    }
    Ok(out)
}
