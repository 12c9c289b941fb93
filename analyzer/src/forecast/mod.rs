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
//!   reader can judge how far to trust the forecast;
//! - for daily series, calendar-month totals with the interval of the sum
//!   itself (see [`MonthForecast`]) and the projection of the current
//!   month's end (see [`month_end_projection`]).
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
#[cfg(test)]
mod month_tests;
mod optimise;
mod outliers;
mod predict;
#[cfg(test)]
mod tests;

use crate::frame_input::{self, FrameError};
use backtest::backtest;
use calibrate::rescale;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use ets::TrendKind;
use fit::{fit_candidates, lowest_aicc};
use outliers::replace_outliers;
use polars::prelude::DataFrame;
use predict::{fitted_values, predict_with_spans, Estimate};
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
    /// The month's end cannot be projected from this forecast.
    #[error("cannot project the month's end: {0}")]
    MonthEnd(String),
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
    /// Totals of the calendar months (UTC) the forecast days fall in, in
    /// order, for daily forecasts ([`forecast_daily`]); empty for
    /// [`forecast_series`], whose steps have no dates.
    pub months: Vec<MonthForecast>,
    /// How the procedure did on the recent past.
    pub backtest: Backtest,
}

/// The forecast total of one calendar month (UTC), or of the part of it
/// the forecast covers.
///
/// The mean is the sum of the days' means. The interval is that of the sum
/// itself, not the sum of the days' bounds: the days' errors are
/// correlated (a level that is off stays off), but not perfectly, and
/// adding the bounds would assume every day misses on the same side by its
/// whole margin. For additive models the variance of the sum follows from
/// the model's error structure in closed form; for multiplicative ones
/// each simulated sample path is summed over the month and the sums' quantiles
/// taken. The half-widths are then rescaled by the backtest's
/// [`Backtest::interval_scale`], as the days' are, assuming the model's
/// misjudgement of its own spread is the same for sums as for days.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthForecast {
    /// `YYYY-MM`.
    pub month: String,
    /// First forecast day in the month: the 1st, except in the month the
    /// history ends in, whose earlier days are history.
    pub first_day: NaiveDate,
    /// Last forecast day in the month.
    pub last_day: NaiveDate,
    /// Forecast days in the month (`first_day..=last_day`).
    pub days: usize,
    /// Days in the calendar month.
    pub days_in_month: usize,
    /// Whether the forecast reaches the month's last day (the last month
    /// of a horizon may stop short of it).
    pub through_month_end: bool,
    /// Σ of the days' point forecasts.
    pub mean: f64,
    /// Lower bound of the sum's prediction interval.
    pub lower: f64,
    /// Upper bound of the sum's prediction interval.
    pub upper: f64,
}

/// Where the current month is heading: the actual total of its elapsed
/// days plus the forecast of the rest, with the forecast's interval (the
/// actuals are known, so they shift the interval without widening it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthEndProjection {
    /// `YYYY-MM`.
    pub month: String,
    /// Σ of the actual values of the month's elapsed days.
    pub actual_to_date: f64,
    /// Forecast of the remaining days (today included: today's data is
    /// partial, so today is forecast, not counted).
    pub forecast_rest: f64,
    /// `actual_to_date + forecast_rest`.
    pub projected_total: f64,
    /// Lower bound of the projected total's interval.
    pub lower: f64,
    /// Upper bound of the projected total's interval.
    pub upper: f64,
    /// Probability of the interval.
    pub level: f64,
    /// Full days of the month before `now` (0 on the 1st).
    pub days_elapsed: u32,
    /// Days in the month.
    pub days_in_month: u32,
}

/// Forecast of one key of [`forecast_daily`]'s frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupForecast {
    /// The key (e.g. a function).
    pub key: String,
    /// Day of the first value of `fitted`: the first day of the history,
    /// unless a report shows a shorter window than the model learnt from
    /// (then the window's first day; see `reports::forecast`).
    pub first_day: Option<NaiveDate>,
    /// Days of history the model learnt from (after filling missing days
    /// with 0).
    pub history_days: usize,
    /// The forecast, when one could be made.
    pub forecast: Option<SeriesForecast>,
    /// Why not, otherwise.
    pub error: Option<String>,
    /// The month the forecast starts in, projected to its end (see
    /// [`month_end_projection`]; "today" is the first forecast day). `None`
    /// without a forecast or when the horizon stops before that month's
    /// last day; `month_end_error` then says which.
    pub month_end: Option<MonthEndProjection>,
    /// Why there is no `month_end` when there is a forecast.
    pub month_end_error: Option<String>,
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
    forecast_with_spans(values, options, &[]).map(|(forecast, _)| forecast)
}

/// [`forecast_series`], plus the mean and interval (calibrated as the
/// steps' are) of the sum over each span `(first, last)` of steps (1-based,
/// inclusive, within the horizon).
fn forecast_with_spans(
    values: &[f64],
    options: &ForecastOptions,
    spans: &[(usize, usize)],
) -> Result<(SeriesForecast, Vec<Estimate>), ForecastError> {
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
    let (steps, totals) = predict_with_spans(
        best,
        options.horizon,
        options.level,
        m,
        non_negative,
        SIMULATED_PATHS,
        spans,
    );
    let totals = totals
        .into_iter()
        .map(|raw| rescale(raw, backtest.interval_scale, non_negative))
        .collect();
    let points = steps
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
    let forecast = SeriesForecast {
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
        months: Vec::new(),
        backtest,
    };
    Ok((forecast, totals))
}

/// Days since 1970-01-01 (polars' Date) as a calendar day.
fn day_from_epoch(days: i32) -> Option<NaiveDate> {
    // 1970-01-01 is day 719,163 counted from 0001-01-01 = day 1.
    NaiveDate::from_num_days_from_ce_opt(719_163 + days)
}

/// The first day of `day`'s month and the number of days in that month.
fn month_of(day: NaiveDate) -> (NaiveDate, u32) {
    let first = day.with_day(1).unwrap_or(day);
    let days = first
        .checked_add_months(chrono::Months::new(1))
        .map_or(31, |next| (next - first).num_days() as u32);
    (first, days)
}

/// The calendar months that days `start, start + 1, …` (`h` of them) fall
/// in, as spans of steps `(first, last)` (1-based) with their first and
/// last days.
fn month_spans(start: NaiveDate, h: usize) -> Vec<((usize, usize), NaiveDate, NaiveDate)> {
    let mut spans: Vec<((usize, usize), NaiveDate, NaiveDate)> = Vec::new();
    let mut day = start;
    for step in 1..=h {
        match spans.last_mut() {
            Some(((_, last), _, last_day))
                if (last_day.year(), last_day.month()) == (day.year(), day.month()) =>
            {
                *last = step;
                *last_day = day;
            }
            _ => spans.push(((step, step), day, day)),
        }
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    spans
}

/// Projects the month of `now` (UTC) to its end: the actual values of its
/// days before `now`'s day, plus the forecast's total of the days from
/// `now`'s day to the month's last — today is forecast, since its data is
/// partial. `actuals` are daily values (days outside the month are
/// ignored, days missing count as 0, as they do in the series the forecast
/// was made from); `forecast` must be a daily forecast
/// ([`forecast_daily`]) whose first day is `now`'s day and whose horizon
/// reaches the month's end, so that its month total is exactly the rest of
/// the month. The interval is that month total's interval shifted by the
/// actuals, which are known. Pure.
///
/// Errors ([`ForecastError::MonthEnd`]): a forecast without dates, one
/// that starts on another day, or one that stops before the month's end.
pub fn month_end_projection(
    actuals: &[(NaiveDate, f64)],
    forecast: &SeriesForecast,
    now: DateTime<Utc>,
) -> Result<MonthEndProjection, ForecastError> {
    let today = now.date_naive();
    let (month_first, days_in_month) = month_of(today);
    let first_forecast_day = forecast.points.first().and_then(|p| p.day);
    if first_forecast_day != Some(today) {
        return Err(ForecastError::MonthEnd(match first_forecast_day {
            None => "the forecast has no dated days".into(),
            Some(d) => format!(
                "the forecast starts on {d}, not on {today} (the day of `now`), so the days between are neither actual nor forecast"
            ),
        }));
    }
    let month = forecast
        .months
        .iter()
        .find(|m| m.first_day == today)
        .ok_or_else(|| ForecastError::MonthEnd("the forecast has no month totals".into()))?;
    if !month.through_month_end {
        return Err(ForecastError::MonthEnd(format!(
            "the horizon ends on {}, before the month's last day; forecast at least {} days",
            month.last_day,
            days_in_month - today.day() + 1
        )));
    }
    let actual_to_date: f64 = actuals
        .iter()
        .filter(|(day, _)| month_first <= *day && *day < today)
        .map(|(_, v)| v)
        .sum();
    Ok(MonthEndProjection {
        month: format!("{:04}-{:02}", today.year(), today.month()),
        actual_to_date,
        forecast_rest: month.mean,
        projected_total: actual_to_date + month.mean,
        lower: actual_to_date + month.lower,
        upper: actual_to_date + month.upper,
        level: forecast.level,
        days_elapsed: today.day() - 1,
        days_in_month,
    })
}

/// Daily forecasts per key.
///
/// Frame columns: `key` (String), `day` (Date), and `value_column` (any
/// numeric type, e.g. invocations or cost in USD as f64). Rows of one key
/// and day are summed; days missing inside a key's first..last day count as
/// 0 (no invocation, no cost), and so do null values. Keys come out sorted.
/// Each forecast has its calendar-month totals ([`SeriesForecast::months`])
/// and each key the projection of the month its forecast starts in
/// ([`GroupForecast::month_end`]), "today" being the day after its last.
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
        // The first forecast day; `None` only past the end of chrono's
        // calendar, where the forecast has no dates (and so no months).
        let start = day_from_epoch(last + 1);
        let spans = start.map_or_else(Vec::new, |start| month_spans(start, options.horizon));
        let step_spans: Vec<(usize, usize)> = spans.iter().map(|(span, _, _)| *span).collect();
        match forecast_with_spans(&series, options, &step_spans) {
            Ok((mut forecast, totals)) => {
                for point in forecast.points.iter_mut() {
                    point.day = day_from_epoch(last + point.step as i32);
                }
                forecast.months = spans
                    .iter()
                    .zip(totals)
                    .map(
                        |(((first, last), first_day, last_day), (mean, lower, upper))| {
                            let (_, days_in_month) = month_of(*first_day);
                            MonthForecast {
                                month: format!("{:04}-{:02}", first_day.year(), first_day.month()),
                                first_day: *first_day,
                                last_day: *last_day,
                                days: last - first + 1,
                                days_in_month: days_in_month as usize,
                                through_month_end: last_day.day() == days_in_month,
                                mean,
                                lower,
                                upper,
                            }
                        },
                    )
                    .collect();
                let actuals: Vec<(NaiveDate, f64)> = (first..=last)
                    .zip(&series)
                    .filter_map(|(d, v)| Some((day_from_epoch(d)?, *v)))
                    .collect();
                let now = start
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .unwrap_or_default()
                    .and_utc();
                let (month_end, month_end_error) =
                    match month_end_projection(&actuals, &forecast, now) {
                        Ok(p) => (Some(p), None),
                        Err(e) => (None, Some(e.to_string())),
                    };
                out.push(GroupForecast {
                    key,
                    first_day,
                    history_days,
                    forecast: Some(forecast),
                    error: None,
                    month_end,
                    month_end_error,
                });
            }
            Err(e) => out.push(GroupForecast {
                key,
                first_day,
                history_days,
                forecast: None,
                error: Some(e.to_string()),
                month_end: None,
                month_end_error: None,
            }),
        }
    }
    Ok(out)
}
