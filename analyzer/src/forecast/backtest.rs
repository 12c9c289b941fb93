//! The rolling-origin backtest: the whole procedure rerun at origins in the
//! last third of the history, on the values before each origin only, so the
//! accuracy and coverage it reports measure the procedure as it will be
//! used. Its errors also calibrate the forecast's intervals.

use super::calibrate::{calibration_scale, interval_score, rescale};
use super::ets::ModelForm;
use super::fit::{fit, fit_candidates, lowest_aicc};
use super::outliers::replace_outliers;
use super::predict::predict;
use super::{Backtest, ForecastOptions, BACKTEST_EVALUATIONS};

/// Sample paths per backtest origin: coverage is averaged over many origins
/// and steps, so the noisier quantiles of fewer paths average out.
const BACKTEST_SIMULATED_PATHS: usize = 200;

/// The backtest selects the model form afresh at its first origin and every
/// this many origins after (refitting the chosen form's parameters at every
/// origin in between): selecting at every origin cost 3–4 times as much and
/// gave mean MAPEs within 0.5 percentage point of this on the benchmark.
const RESELECT_EVERY: usize = 7;

/// Rolling-origin backtest of the whole procedure (see [`Backtest`]),
/// calibration included: each origin's interval is rescaled by the
/// [`calibration_scale`] of the errors of the steps before that origin
/// only; `interval_scale` is the scale from all its errors, for the
/// forecast itself.
pub(super) fn backtest(
    y: &[f64],
    options: &ForecastOptions,
    m: usize,
    non_negative: bool,
) -> Backtest {
    let n = y.len();
    let third = n / 3;
    let horizon = options.horizon.min((third / 2).max(1));
    let step = options.backtest_step.max(1);
    let mut origins = 0;
    let (mut relative_errors, mut scored, mut zeros) = (0.0, 0usize, 0usize);
    let (mut inside, mut total) = (0usize, 0usize);
    // (index of the actual, its interval score under the model's own interval)
    let mut scores: Vec<(usize, f64)> = Vec::new();
    let first_origin = n - third;
    let mut origin = first_origin;
    // Model form selected at the last re-selection.
    let mut chosen: Option<ModelForm> = None;
    // The history before an origin holds at least 2n/3 ≥ 9 values (n ≥ 14),
    // enough for every non-seasonal candidate.
    while origin + horizon <= n {
        let (history, _) = replace_outliers(&y[..origin], m);
        let refit = match chosen {
            Some(form) if !(origin - first_origin).is_multiple_of(RESELECT_EVERY * step) => {
                fit(form, &history, m, BACKTEST_EVALUATIONS)
            }
            _ => None,
        };
        let fits = match refit {
            Some(refit) => vec![refit],
            // A re-selection origin, or the chosen form cannot be fitted to
            // this history (a multiplicative model whose one-step forecast
            // turned non-positive): select afresh.
            None => fit_candidates(&history, m, BACKTEST_EVALUATIONS),
        };
        if let Some(best) = lowest_aicc(&fits) {
            chosen = Some(best.form);
            origins += 1;
            let predicted = predict(
                best,
                horizon,
                options.level,
                m,
                non_negative,
                BACKTEST_SIMULATED_PATHS,
            );
            let known: Vec<f64> = scores
                .iter()
                .filter(|(index, _)| *index < origin)
                .map(|(_, score)| *score)
                .collect();
            let scale = calibration_scale(&known, options.level);
            for (i, (&actual, raw)) in y[origin..origin + horizon]
                .iter()
                .zip(predicted)
                .enumerate()
            {
                scores.push((origin + i, interval_score(actual, raw)));
                let (mean, lower, upper) = rescale(raw, scale, non_negative);
                if actual == 0.0 {
                    zeros += 1;
                } else {
                    relative_errors += ((actual - mean) / actual).abs();
                    scored += 1;
                }
                total += 1;
                if lower <= actual && actual <= upper {
                    inside += 1;
                }
            }
        }
        origin += step;
    }
    let all: Vec<f64> = scores.iter().map(|(_, score)| *score).collect();
    Backtest {
        origins,
        horizon,
        mape_pct: (scored > 0).then(|| 100.0 * relative_errors / scored as f64),
        zero_actuals_skipped: zeros,
        coverage_pct: (total > 0).then(|| 100.0 * inside as f64 / total as f64),
        interval_scale: calibration_scale(&all, options.level),
    }
}
