//! Tests of the month totals and the month-end projection: the variance of
//! a sum of forecast days by hand and against a brute-force simulation,
//! calendar months of a year's horizon, exact projections of noiseless
//! series, and the gain of fitting on all the history a level shift leaves.

use super::ets::{
    advance, one_step, ErrorKind, ModelForm, SeasonKind, Smoothing, State, TrendKind,
};
use super::fit::Fit;
use super::predict::{additive_span_variance, additive_variances, predict_with_spans, Gaussian};
use super::*;
use chrono::TimeZone;
use polars::prelude::{Column, DataType};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A frame of one key, `total`, with `values` on consecutive days from
/// `start`.
fn frame(start: NaiveDate, values: &[f64]) -> DataFrame {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    let first = (start - epoch).num_days() as i32;
    let days: Vec<i32> = (0..values.len() as i32).map(|i| first + i).collect();
    let day = Column::new("day".into(), days)
        .cast(&DataType::Date)
        .unwrap();
    DataFrame::new_infer_height(vec![
        Column::new("key".into(), vec!["total"; values.len()]),
        day,
        Column::new("cost_usd".into(), values.to_vec()),
    ])
    .unwrap()
}

fn ses_fit(alpha: f64, sigma2: f64, level: f64) -> Fit {
    let state = State {
        level,
        trend: 0.0,
        seasons: vec![0.0],
        slot: 0,
    };
    Fit {
        form: ModelForm::new(ErrorKind::Additive, TrendKind::None, SeasonKind::None),
        smoothing: Smoothing {
            alpha,
            beta: 0.0,
            gamma: 0.0,
            phi: 0.0,
        },
        sigma2,
        initial: state.clone(),
        state,
        aicc: 0.0,
    }
}

#[test]
fn variance_of_a_sum_of_days_by_hand() {
    // ETS(A,N,N), α = 0.5, σ² = 1: the errors of steps 1, 2, 3 are
    // e1 = ε1, e2 = ε2 + 0.5 ε1, e3 = ε3 + 0.5 ε2 + 0.5 ε1.
    // e1 + e2 + e3 = 2 ε1 + 1.5 ε2 + ε3 → var = 4 + 2.25 + 1 = 7.25.
    // e2 + e3 = 1 ε1 + 1.5 ε2 + ε3 → var = 1 + 2.25 + 1 = 4.25.
    // e3 alone: 0.25 + 0.25 + 1 = 1.5 (= var_3 of the daily formula).
    let fit = ses_fit(0.5, 1.0, 10.0);
    let w = [1.0, 0.5, 0.5];
    assert!((additive_span_variance(&fit, &w, 1, 3) - 7.25).abs() < 1e-12);
    assert!((additive_span_variance(&fit, &w, 2, 3) - 4.25).abs() < 1e-12);
    assert!((additive_span_variance(&fit, &w, 3, 3) - 1.5).abs() < 1e-12);
    assert!((additive_variances(&fit, 3, 1)[2] - 1.5).abs() < 1e-12);

    // The 80 % interval of the 3-day sum: 30 ± 1.2815516·√7.25
    // = 30 ± 1.2815516 · 2.6925824 = 30 ± 3.450683; adding the days'
    // bounds would give 30 ± 1.2815516·(1 + √1.25 + √1.5)
    // = 30 ± 1.2815516 · 3.342779 = 30 ± 4.283943.
    let (_, totals) = predict_with_spans(&fit, 3, 0.8, 1, false, 10, &[(1, 3)]);
    let (mean, lower, upper) = totals[0];
    assert_eq!(mean, 30.0);
    assert!((lower - (30.0 - 3.450_683)).abs() < 1e-5, "{lower}");
    assert!((upper - (30.0 + 3.450_683)).abs() < 1e-5, "{upper}");
}

#[test]
fn variance_of_a_sum_matches_a_brute_force_simulation() {
    // ETS(A,Ad,A), weekly: the closed form against 40,000 paths run
    // through the state equations themselves. The sample variance of
    // 40,000 normal draws has a relative standard error of √(2/40,000)
    // ≈ 0.7 %, so 3 % is over four standard errors.
    let form = ModelForm::new(ErrorKind::Additive, TrendKind::Damped, SeasonKind::Additive);
    let smoothing = Smoothing {
        alpha: 0.3,
        beta: 0.05,
        gamma: 0.1,
        phi: 0.9,
    };
    let state = State {
        level: 100.0,
        trend: 1.0,
        seasons: vec![5.0, -3.0, 0.0, 2.0, -4.0, 1.0, -1.0],
        slot: 3,
    };
    let fit = Fit {
        form,
        smoothing,
        sigma2: 4.0,
        initial: state.clone(),
        state: state.clone(),
        aicc: 0.0,
    };
    let (first, last) = (5, 20);
    let mut rng = Gaussian::new(99);
    let sums: Vec<f64> = (0..40_000)
        .map(|_| {
            let mut s = state.clone();
            let mut total = 0.0;
            for step in 1..=last {
                let y_hat = one_step(&form, &smoothing, &s);
                let e = 2.0 * rng.normal();
                if step >= first {
                    total += y_hat + e;
                }
                advance(&form, &smoothing, &mut s, e, y_hat);
            }
            total
        })
        .collect();
    let mean = sums.iter().sum::<f64>() / sums.len() as f64;
    let brute = sums.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (sums.len() - 1) as f64;
    let weights: Vec<f64> = {
        // ψ from the daily variances: var_s − var_{s−1} = σ² ψ_{s−1}², and
        // every ψ here is positive.
        let v = additive_variances(&fit, last, 7);
        let mut previous = 0.0;
        v.iter()
            .map(|x| {
                let psi = ((x - previous) / fit.sigma2).sqrt();
                previous = *x;
                psi
            })
            .collect()
    };
    let closed = additive_span_variance(&fit, &weights, first, last);
    assert!(
        (closed - brute).abs() / brute < 0.03,
        "closed form {closed}, simulation {brute}"
    );
}

/// y = level + a weekly pattern + noise, n days.
fn weekly(n: usize, level: f64, seed: u64) -> Vec<f64> {
    const WEEK: [f64; 7] = [8.0, 4.0, 0.0, 0.0, -2.0, -15.0, 5.0];
    let mut rng = Gaussian::new(seed);
    (0..n)
        .map(|t| level + WEEK[t % 7] + 2.0 * rng.normal())
        .collect()
}

#[test]
fn a_year_ahead_gives_twelve_calendar_months() {
    // History ends 2026-12-31, so 365 days ahead are 2027-01-01..12-31:
    // the twelve months of 2027 (not a leap year), each whole.
    let y = weekly(120, 100.0, 3);
    let start = day(2026, 12, 31) - chrono::Days::new(119);
    let options = ForecastOptions {
        horizon: 365,
        backtest_step: 7,
        ..ForecastOptions::default()
    };
    let out = forecast_daily(&frame(start, &y), "cost_usd", &options).unwrap();
    let f = out[0].forecast.as_ref().unwrap();
    let months: Vec<&str> = f.months.iter().map(|m| m.month.as_str()).collect();
    assert_eq!(
        months,
        [
            "2027-01", "2027-02", "2027-03", "2027-04", "2027-05", "2027-06", "2027-07", "2027-08",
            "2027-09", "2027-10", "2027-11", "2027-12"
        ]
    );
    let lengths: Vec<usize> = f.months.iter().map(|m| m.days).collect();
    assert_eq!(lengths, [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]);
    assert_eq!(lengths.iter().sum::<usize>(), f.points.len());
    for m in &f.months {
        assert!(m.through_month_end && m.days == m.days_in_month, "{m:?}");
        let in_month: Vec<&ForecastPoint> = f
            .points
            .iter()
            .filter(|p| p.day.is_some_and(|d| m.first_day <= d && d <= m.last_day))
            .collect();
        assert_eq!(in_month.len(), m.days);
        let mean: f64 = in_month.iter().map(|p| p.mean).sum();
        assert!((m.mean - mean).abs() <= 1e-9 * mean, "{m:?} vs {mean}");
        // The sum's interval holds its mean and is narrower than the
        // days' bounds added up (the days are not perfectly correlated).
        let added: f64 = in_month.iter().map(|p| p.upper - p.lower).sum();
        assert!(m.lower < m.mean && m.mean < m.upper, "{m:?}");
        assert!(
            m.upper - m.lower < added,
            "{m:?}: {} vs {added}",
            m.upper - m.lower
        );
    }
    // History ending on the last day of a month: the projection is of the
    // next month, nothing of it elapsed.
    let p = out[0].month_end.as_ref().unwrap();
    assert_eq!(
        (p.month.as_str(), p.days_elapsed, p.actual_to_date),
        ("2027-01", 0, 0.0)
    );
    assert_eq!(p.projected_total, f.months[0].mean);
}

#[test]
fn a_constant_series_projects_the_month_exactly() {
    // $10 a day from 2026-10-01 to 2026-12-05, no noise. On Dec 6, 5 full
    // days have elapsed: 5 × 10 actual + 26 × 10 forecast = $310, and with
    // no error at all the interval is the point.
    let y = vec![10.0; 66];
    let options = ForecastOptions {
        horizon: 26,
        ..ForecastOptions::default()
    };
    let out = forecast_daily(&frame(day(2026, 10, 1), &y), "cost_usd", &options).unwrap();
    let expected = MonthEndProjection {
        month: "2026-12".into(),
        actual_to_date: 50.0,
        forecast_rest: 260.0,
        projected_total: 310.0,
        lower: 310.0,
        upper: 310.0,
        level: 0.8,
        days_elapsed: 5,
        days_in_month: 31,
    };
    assert_eq!(out[0].month_end.as_ref(), Some(&expected));

    // The pure function, from the actuals and the forecast, at 10:00 on Dec 6.
    let f = out[0].forecast.as_ref().unwrap();
    let actuals: Vec<(NaiveDate, f64)> = (0..66)
        .map(|i| (day(2026, 10, 1) + chrono::Days::new(i), 10.0))
        .collect();
    let now = Utc.with_ymd_and_hms(2026, 12, 6, 10, 0, 0).unwrap();
    assert_eq!(month_end_projection(&actuals, f, now).unwrap(), expected);

    // A `now` the forecast does not start at is refused, not half-counted.
    let later = Utc.with_ymd_and_hms(2026, 12, 7, 10, 0, 0).unwrap();
    let err = month_end_projection(&actuals, f, later)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("starts on 2026-12-06, not on 2026-12-07"),
        "{err}"
    );

    // A horizon that stops on Dec 25 cannot project Dec 31.
    let short = ForecastOptions {
        horizon: 20,
        ..ForecastOptions::default()
    };
    let out = forecast_daily(&frame(day(2026, 10, 1), &y), "cost_usd", &short).unwrap();
    assert_eq!(out[0].month_end, None);
    assert_eq!(
        out[0].month_end_error.as_deref(),
        Some("cannot project the month's end: the horizon ends on 2026-12-25, before the month's last day; forecast at least 26 days")
    );
}

#[test]
fn a_linear_trend_projects_the_line() {
    // y = 10 + t, t = 0 on 2026-11-01, through 2026-12-05 (t = 34).
    // December so far: t = 30..34 → 40 + 41 + 42 + 43 + 44 = 210.
    // The rest, Dec 6..31: t = 35..60 → 45..70, 26 values summing to
    // (45 + 70) · 26 / 2 = 1,495. Projected: 1,705.
    let y: Vec<f64> = (0..35).map(|t| 10.0 + t as f64).collect();
    let options = ForecastOptions {
        horizon: 26,
        ..ForecastOptions::default()
    };
    let out = forecast_daily(&frame(day(2026, 11, 1), &y), "cost_usd", &options).unwrap();
    let p = out[0].month_end.as_ref().unwrap();
    assert_eq!(
        (p.month.as_str(), p.days_elapsed, p.days_in_month),
        ("2026-12", 5, 31)
    );
    assert_eq!(p.actual_to_date, 210.0);
    assert!((p.forecast_rest - 1495.0).abs() < 1e-6, "{p:?}");
    assert!((p.projected_total - 1705.0).abs() < 1e-6, "{p:?}");
    assert!(p.upper - p.lower < 1e-6, "{p:?}");
}

/// MAPE, in %, of forecasting `horizon` days from each origin in
/// `origins` with the whole procedure, learning from at most `window`
/// days before the origin (`None`: every day before it).
fn rolling_mape(
    y: &[f64],
    origins: std::ops::Range<usize>,
    horizon: usize,
    window: Option<usize>,
) -> f64 {
    let options = ForecastOptions {
        horizon,
        backtest_step: 7,
        ..ForecastOptions::default()
    };
    let (mut total, mut count) = (0.0, 0);
    for origin in origins {
        let from = window.map_or(0, |w| origin.saturating_sub(w));
        let f = forecast_series(&y[from..origin], &options).unwrap();
        for (p, actual) in f.points.iter().zip(&y[origin..origin + horizon]) {
            total += ((actual - p.mean) / actual).abs();
            count += 1;
        }
    }
    100.0 * total / count as f64
}

#[test]
fn after_a_level_shift_all_the_history_beats_the_last_30_days() {
    // 120 days: a weekly pattern on a level of 100 that steps to 130 on
    // day 90, noise sd 2. The same days (origins 96..=113, a week ahead
    // each) are forecast from the last 30 days before each origin and from
    // all the days before it; the longer history knows the weekly pattern
    // far better, and its level still follows the shift.
    let mut y = weekly(120, 100.0, 17);
    y.iter_mut().skip(90).for_each(|v| *v += 30.0);
    let last_30 = rolling_mape(&y, 96..114, 7, Some(30));
    let all = rolling_mape(&y, 96..114, 7, None);
    // The report's own backtest of each history, as issue #12 measured it
    // (different test days, so printed only): the last 30 days alone,
    // against all 120.
    let options = ForecastOptions {
        backtest_step: 1,
        ..ForecastOptions::default()
    };
    let own = |h: &[f64]| {
        forecast_series(h, &options)
            .unwrap()
            .backtest
            .mape_pct
            .unwrap()
    };
    eprintln!(
        "level shift: same days, MAPE from 30 days {last_30:.2} %, from all history {all:.2} %; \
         own backtests: 30 days {:.2} %, 120 days {:.2} %",
        own(&y[90..]),
        own(&y)
    );
    assert!(
        all < last_30,
        "all history {all:.2} % vs 30 days {last_30:.2} %"
    );
}

#[test]
fn a_multiplicative_month_interval_agrees_with_brute_force_paths() {
    // ETS(M,Ad,M) fitted to a strictly positive weekly series: the sum of
    // steps 3..=16 from 500 seeded paths against 20,000 paths of another
    // seed run through the state equations here. The 10 % quantile of 500
    // draws has a standard error of about 0.08 standard deviations of the
    // sum, 3 % of the 80 % interval's width; 15 % is five of those.
    let factors = [1.3, 1.1, 1.0, 0.9, 0.8, 0.6, 1.3];
    let mut rng = Gaussian::new(5);
    let y: Vec<f64> = (0..70)
        .map(|t| (100.0 + 3.0 * t as f64) * factors[t % 7] * (1.0 + 0.05 * rng.normal()))
        .collect();
    let form = ModelForm::new(
        ErrorKind::Multiplicative,
        TrendKind::Damped,
        SeasonKind::Multiplicative,
    );
    let fitted = super::fit::fit(form, &y, 7, FIT_EVALUATIONS).unwrap();
    let (steps, totals) =
        predict_with_spans(&fitted, 16, 0.8, 7, true, SIMULATED_PATHS, &[(3, 16)]);
    let (mean, lower, upper) = totals[0];
    let daily: f64 = steps[2..16].iter().map(|s| s.0).sum();
    assert!((mean - daily).abs() < 1e-9 * daily, "{mean} vs {daily}");

    let sigma = fitted.sigma2.sqrt();
    let mut rng = Gaussian::new(12_345);
    let mut sums: Vec<f64> = (0..20_000)
        .map(|_| {
            let mut s = fitted.state.clone();
            let mut total = 0.0;
            for step in 1..=16 {
                let y_hat = one_step(&form, &fitted.smoothing, &s);
                let e = sigma * rng.normal();
                if step >= 3 {
                    total += (y_hat * (1.0 + e)).max(0.0);
                }
                advance(&form, &fitted.smoothing, &mut s, e, y_hat);
            }
            total
        })
        .collect();
    sums.sort_by(f64::total_cmp);
    let (bf_lower, bf_upper) = (sums[2_000], sums[18_000]);
    let width = bf_upper - bf_lower;
    assert!(
        (lower - bf_lower).abs() < 0.15 * width,
        "{lower} vs {bf_lower} (width {width})"
    );
    assert!(
        (upper - bf_upper).abs() < 0.15 * width,
        "{upper} vs {bf_upper} (width {width})"
    );
    // And narrower than the days' bounds added up.
    let added: f64 = steps[2..16].iter().map(|s| s.2 - s.1).sum();
    assert!(upper - lower < added, "{} vs {added}", upper - lower);
}
