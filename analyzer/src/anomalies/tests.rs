//! Hand-computed cases of the noise model, the short-history rules and the
//! incidents. Expected values come from the formulas in the comments, not
//! from running the code.

use super::model::{fit_day, judge_hour, DayModel, HistoryHour, RateModel};
use super::*;
use polars::prelude::df;

/// 2026-01-05T00:00:00Z, a Monday.
const MONDAY: i64 = 1_767_571_200;
const WEEK: usize = 168;

fn close(got: f64, want: f64) {
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
        "got {got}, want {want}"
    );
}

/// A frame of one function from MONDAY: (invocations, errors, cold starts,
/// cost) per hour.
fn frame(hours: &[(u64, u64, u64, f64)]) -> DataFrame {
    let n = hours.len();
    df!(
        "key" => vec!["aws/1/eu/f"; n],
        "hour" => (0..n).map(|i| MONDAY + i as i64 * 3600).collect::<Vec<_>>(),
        "invocations" => hours.iter().map(|h| h.0 as f64).collect::<Vec<_>>(),
        "errors" => hours.iter().map(|h| h.1 as f64).collect::<Vec<_>>(),
        "cold_starts" => hours.iter().map(|h| h.2 as f64).collect::<Vec<_>>(),
        "cost_usd" => hours.iter().map(|h| h.3).collect::<Vec<_>>(),
    )
    .unwrap()
}

/// `weeks` weeks of 40 calls an hour on weekdays and 10 at the weekend,
/// 1 cold start in 40 (1 in 10 at the weekend), no errors, $0.001 a call.
fn working_weeks(weeks: usize) -> Vec<(u64, u64, u64, f64)> {
    (0..weeks * WEEK)
        .map(|i| {
            let weekend = (i % WEEK) / 24 >= 5;
            let n = if weekend { 10 } else { 40 };
            (n, 0, 1, n as f64 * 0.001)
        })
        .collect()
}

fn model(expected: f64, dispersion: f64, rate: RateModel) -> DayModel {
    DayModel {
        expected: [expected; 24],
        dispersion: [dispersion; 24],
        count_dispersion: dispersion,
        unit_cost: Some((0.001, 0.0001)),
        history_invocations: 10_000.0,
        error_rate: [rate; 24],
        cold_start_rate: [rate; 24],
        history_days: 7,
    }
}

/// A rate of 10 % known almost exactly: Beta(10⁶, 9·10⁶) is the binomial
/// to 1e-7.
const TEN_PERCENT: RateModel = RateModel {
    a: 1e6,
    b: 9e6,
    rho: 0.0,
};

#[test]
fn a_count_judged_by_its_own_poisson_noise() {
    // The case: 12 expected, 19 seen. P(X ≥ 19 | Poisson(12)) =
    // 1 − Σ_{k<19} e⁻¹² 12^k/k! = 0.03742: ordinary, no anomaly.
    let m = model(12.0, 0.0, TEN_PERCENT);
    assert!(judge_hour(&m, 3, (19, 2, 2, 0.019), 3.4e-6, 4.5).is_empty());
    // 40 seen: P(X ≥ 40) = 1.5587e-10 (the same sum to k = 40).
    let found = judge_hour(&m, 3, (40, 4, 4, 0.040), 3.4e-6, 4.5);
    let calls = found
        .iter()
        .find(|a| a.metric == Metric::Invocations)
        .expect("40 where 12 are expected is an anomaly");
    assert!(
        (calls.p_value / 1.558_711_3e-10 - 1.0).abs() < 1e-6,
        "{}",
        calls.p_value
    );
    assert_eq!(calls.direction, Direction::Up);
    close(calls.expectation.expected, 12.0);
    // The interval is the counts whose tail is ≥ 3.4e-6: the highest is
    // 30 (P(X ≥ 30) = 8.87e-6, P(X ≥ 31) = 3.37e-6 for Poisson(12)), the
    // lowest 0 (P(X ≤ 0) = e⁻¹² = 6.1e-6 ≥ 3.4e-6, so even 0 is ordinary).
    close(calls.expectation.interval_high, 30.0);
    close(calls.expectation.interval_low, 0.0);
    // Its cost is 40 × $0.001 against 12 × $0.001, driven by the calls.
    let cost = found.iter().find(|a| a.metric == Metric::CostUsd).unwrap();
    close(cost.expectation.expected, 0.012);
    assert_eq!(cost.cause, Some(CostCause::Invocations));
}

#[test]
fn a_rate_judged_with_its_denominator() {
    let m = model(50.0, 0.0, TEN_PERCENT);
    // 3 errors of 5 calls against a usual 10 %: P(X ≥ 3 | Bin(5, 0.1)) =
    // 10·0.1³·0.9² + 5·0.1⁴·0.9 + 0.1⁵ = 0.00856. Not an incident.
    let found = judge_hour(&m, 0, (5, 3, 0, 0.005), 3.4e-6, 4.5);
    assert!(
        found.iter().all(|a| a.metric != Metric::ErrorRate),
        "{found:?}"
    );
    // 30 of 50: P(X ≥ 30 | Bin(50, 0.1)) = 6.17e-18 (the Beta's tiny
    // spread still moves a tail this far out by a few 1e-4).
    let found = judge_hour(&m, 0, (50, 30, 0, 0.05), 3.4e-6, 4.5);
    let errors = found
        .iter()
        .find(|a| a.metric == Metric::ErrorRate)
        .unwrap();
    assert!(
        (errors.p_value / 6.169_386_9e-18 - 1.0).abs() < 2e-3,
        "{}",
        errors.p_value
    );
    close(errors.value, 0.6);
    assert_eq!((errors.events, errors.trials), (Some(30), Some(50)));
}

#[test]
fn cost_per_invocation_is_judged_apart_from_the_count() {
    // The usual 50 calls, each at $0.003 instead of $0.001 ± $0.0001 (per
    // call): z = 0.002 / (0.0001 × √(1/50 + 1/10000)) = 141. The calls are
    // as expected, so the cause is the cost per invocation.
    let m = model(50.0, 0.0, TEN_PERCENT);
    let found = judge_hour(&m, 0, (50, 5, 5, 0.150), 3.4e-6, 4.5);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].metric, Metric::CostUsd);
    assert_eq!(found[0].cause, Some(CostCause::CostPerInvocation));
    close(found[0].expectation.expected, 0.050);
}

#[test]
fn the_day_model_by_hand() {
    // One week: every hour of the day is 2, 18, 10, 10, 10 on Monday to
    // Friday and 0, 10 on Saturday and Sunday.
    let values = [2.0, 18.0, 10.0, 10.0, 10.0, 0.0, 10.0];
    let history: Vec<HistoryHour> = (0..WEEK)
        .map(|i| HistoryHour {
            weekday: (i / 24) as u8,
            hour_of_day: (i % 24) as u8,
            invocations: values[i / 24],
            cost_usd: values[i / 24] * 0.001,
            errors: Some((0, values[i / 24] as u64)),
            cold_starts: Some((0, values[i / 24] as u64)),
        })
        .collect();
    // Dispersion, per hour: weekday cell mean 10, Σ(x − m)² = 64 + 64 =
    // 128, minus (5 − 1)·10 = 88 over (5 − 1)·10² = 400; weekend mean 5,
    // Σ = 50 − 1·5 = 45 over 1·25. α = (88 + 45) / (400 + 25) = 0.312941.
    let monday = fit_day(&history, 0);
    close(monday.count_dispersion, 133.0 / 425.0);
    // Monday: (2 + 2 × 10) / (1 + 2) = 7.3333.
    close(monday.expected[9], 22.0 / 3.0);
    // Its uncertainty: weights (1 + 2²/5) / 3² = 0.2, so the dispersion is
    // α + 0.2 (1/λ + α) = 0.312941 + 0.2 (0.136364 + 0.312941) = 0.402802.
    close(
        monday.dispersion[9],
        133.0 / 425.0 + 0.2 * (3.0 / 22.0 + 133.0 / 425.0),
    );
    // Tuesday: (18 + 20) / 3; Saturday (0 + 2 × 5) / 3; Sunday (10 + 10) / 3.
    close(fit_day(&history, 1).expected[0], 38.0 / 3.0);
    close(fit_day(&history, 5).expected[23], 10.0 / 3.0);
    close(fit_day(&history, 6).expected[5], 20.0 / 3.0);
    // Cost per invocation: $0.001 on every call, so its spread is the
    // floor, 5 % of it.
    let (unit, spread) = monday.unit_cost.unwrap();
    close(unit, 0.001);
    close(spread, 0.000_05);
    // No errors in 60 × 24 calls: the pooled rate is 0.5 / 1441, and an
    // hour's usual rate (0 + 20 × that) / (60 + 20).
    let pooled = 0.5 / 1441.0;
    close(monday.error_rate[4].mean(), 20.0 * pooled / 80.0);
}

#[test]
fn less_than_a_week_is_not_scored_and_says_when_it_will_be() {
    let mut six_days = working_weeks(1);
    six_days.truncate(6 * 24);
    // A 10× hour on day 5 would be an anomaly with history; here nothing.
    six_days[5 * 24 + 10].0 = 400;
    let report = detect_anomalies(&frame(&six_days), AnomalyOptions::default()).unwrap();
    assert!(report.anomalies.is_empty() && report.incidents.is_empty());
    let key = &report.per_key[0];
    assert_eq!(key.status, KeyStatus::InsufficientHistory);
    assert_eq!(key.history_hours, 144);
    // Scoring starts after one week: Monday 2026-01-12 00:00.
    assert_eq!(key.scored_from, "2026-01-12T00:00:00Z");

    let report = detect_anomalies(&frame(&working_weeks(2)), AnomalyOptions::default()).unwrap();
    assert_eq!(report.per_key[0].status, KeyStatus::Scored);
    assert_eq!(report.per_key[0].scored_from, "2026-01-12T00:00:00Z");
}

#[test]
fn weekends_are_expected_from_the_first_full_week() {
    // Two identical working weeks: the second week's weekend (10 calls an
    // hour against 40 on weekdays) is what the first week showed, so no
    // hour is anomalous — an hour-of-day baseline would call every
    // weekend hour an outage.
    let report = detect_anomalies(&frame(&working_weeks(2)), AnomalyOptions::default()).unwrap();
    assert!(report.anomalies.is_empty(), "{:?}", report.anomalies);
}

#[test]
fn consecutive_hours_merge_into_one_incident_of_known_size() {
    // Week 2, Wednesday 10:00–13:00: 3× traffic for three hours, and at
    // 11:00 also 16 errors of 120 calls (13 %).
    let mut hours = working_weeks(3);
    let wednesday = WEEK + 2 * 24;
    for h in 10..13 {
        hours[wednesday + h] = (120, 0, 3, 0.120);
    }
    hours[wednesday + 11].1 = 16;
    let report = detect_anomalies(&frame(&hours), AnomalyOptions::default()).unwrap();
    assert_eq!(report.incidents.len(), 1, "{:?}", report.incidents);
    let incident = &report.incidents[0];
    assert_eq!(incident.start_rfc3339, "2026-01-14T10:00:00Z");
    assert_eq!(incident.end_rfc3339, "2026-01-14T13:00:00Z");
    assert_eq!(incident.hours, 3);
    let of = |m: Metric| incident.metrics.iter().find(|x| x.metric == m).unwrap();
    // A flat history: every weekday 10:00 was 40, so 40 is expected and
    // the size is 3 × (120 − 40) extra calls, costing 3 × $0.08.
    let calls = of(Metric::Invocations);
    assert_eq!(calls.hours, 3);
    close(calls.excess, 240.0);
    close(of(Metric::CostUsd).excess, 0.240);
    // The errors: 16 against a usual rate of 20·P / (7·40 + 2·10 + 20)
    // (the 11:00 hours of week 1 and of Monday and Tuesday of week 2, plus
    // the prior's 20 calls) with P = 0.5 / (40·24·5 + 10·24·2 + 40·48 + 1)
    // = 0.5 / 7201, times 120 calls.
    let usual = 20.0 * (0.5 / 7201.0) / 320.0;
    let errors = of(Metric::ErrorRate);
    assert_eq!(errors.hours, 1);
    close(errors.excess, 16.0 - 120.0 * usual);
    assert_eq!(report.per_key[0].incidents, 1);

    // The incident does not become next week's baseline: the same hours a
    // week later, back at 40, are not an outage.
    assert!(report
        .anomalies
        .iter()
        .all(|a| a.hour < MONDAY + 2 * WEEK as i64 * 3600));
}

#[test]
fn a_level_that_lasts_becomes_the_new_normal() {
    // From week 2 on, twice the traffic for good. It is an incident at
    // first; once it has lasted a day it is used as it was, and by week 4
    // nothing is anomalous any more.
    let mut hours = working_weeks(5);
    for h in hours.iter_mut().skip(WEEK + 24) {
        h.0 *= 2;
        h.3 *= 2.0;
    }
    let report = detect_anomalies(&frame(&hours), AnomalyOptions::default()).unwrap();
    assert!(!report.incidents.is_empty());
    let week4 = MONDAY + 3 * WEEK as i64 * 3600;
    assert!(
        report.anomalies.iter().all(|a| a.hour < week4),
        "{:?}",
        report.anomalies.last()
    );
}

#[test]
fn since_keeps_what_reaches_into_the_window() {
    let mut hours = working_weeks(3);
    hours[WEEK + 10] = (160, 0, 4, 0.16);
    hours[2 * WEEK + 10] = (160, 0, 4, 0.16);
    let report = detect_anomalies(&frame(&hours), AnomalyOptions::default()).unwrap();
    assert_eq!(report.incidents.len(), 2);
    let later = report.since(MONDAY + 2 * WEEK as i64 * 3600);
    assert_eq!(later.incidents.len(), 1);
    assert_eq!(later.per_key[0].incidents, 1);
    assert!(later
        .anomalies
        .iter()
        .all(|a| a.hour >= MONDAY + 2 * WEEK as i64 * 3600));
}

#[test]
fn bad_input_is_an_error_sentence() {
    let said = |hours: &[(u64, u64, u64, f64)]| {
        detect_anomalies(&frame(hours), AnomalyOptions::default())
            .unwrap_err()
            .to_string()
    };
    assert!(said(&[(5, 6, 0, 0.0)]).contains("6 errors out of 5 invocations"));
    assert!(said(&[(5, 0, 0, -1.0)]).contains("`cost_usd`"));
    let halves = df!(
        "key" => ["f"], "hour" => [MONDAY], "invocations" => [2.5], "errors" => [0.0],
        "cold_starts" => [0.0], "cost_usd" => [0.0],
    )
    .unwrap();
    let e = detect_anomalies(&halves, AnomalyOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`invocations`") && e.contains("whole number"),
        "{e}"
    );
    let e = detect_anomalies(
        &frame(&[(1, 0, 0, 0.0)]),
        AnomalyOptions {
            lookback_weeks: 0,
            ..AnomalyOptions::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("lookback_weeks"), "{e}");
}
