//! What each hour of a day is expected to be, fitted at the day's first
//! hour (00:00 UTC) on the weeks before it, and how one hour is judged.
//!
//! **Expected invocations** of hour-of-day `j` on a day of kind `t`
//! (weekday Monday–Friday, or weekend; UTC):
//!
//! ```text
//! m_tj = mean of hour j on the earlier days of kind t      (n_t values)
//! λ_j  = (S_j + M · m_tj) / (K + M)
//! ```
//!
//! where `S_j` is the sum of hour `j` on the `K` earlier days with the same
//! weekday and `M` = [`SAME_WEEKDAY_WEIGHT`]. With one week of history a
//! Saturday is expected to look like the (one) Saturday and Sunday seen; as
//! weeks accumulate, each weekday's own level takes over (a Monday peak is
//! learnt in three or four weeks), while the pooled mean keeps the estimate
//! steady at low volume. This is the shrinkage of an hour-of-week mean
//! towards a simpler model's value that empirical-Bayes estimators use; the
//! weight is faasight's choice.
//!
//! **Noise**: the count is negative binomial with mean λ and variance
//! `λ + α λ²`. α (0 = Poisson) is estimated by the method of moments over
//! the day-kind × hour cells of the history: `α = Σ_c [Σ(x − m_c)² −
//! (n_c − 1) m_c] / Σ_c (n_c − 1) m_c²`, clamped to [0, 4] — each cell's
//! sample variance in excess of its mean, relative to its squared mean
//! (the moment estimator of A. C. Cameron, P. K. Trivedi, "Regression
//! Analysis of Count Data", 2nd ed., 2013, §3.2). The uncertainty of λ
//! itself, `(λ + α λ²) (K + M²/n_t) / (K + M)²` for the weighted mean
//! above, is added to the variance, so a short or noisy history gives a
//! wider interval rather than false alarms.
//!
//! **Rates**: the usual error (cold-start) rate of hour `j` is the
//! posterior mean of Beta(`E_j + P·w`, `N_j − E_j + (1 − P)·w`): the hour's
//! errors `E_j` out of its invocations `N_j` in the history, with a prior
//! worth `w` = [`RATE_PRIOR_TRIALS`] invocations at the rate `P` of the
//! whole history (itself with half an event of Jeffreys prior, so a
//! history without errors does not make the first error impossible). The
//! hour's count is beta-binomial with that Beta, made wider when the rate
//! varies from hour to hour more than a binomial would: its intra-hour
//! correlation ρ is estimated by moments from the history, `ρ = Σ[(e − np)²
//! − np(1 − p)] / Σ n(n − 1)p(1 − p)`, and caps the Beta's concentration at
//! `(1 − ρ)/ρ`.
//!
//! **Cost per invocation**: the history's cost over its invocations, `ū`;
//! its per-invocation spread σ from the hours' means, `σ² = Σ n_h (u_h −
//! ū)² / H` (a mean of `n` costs varies by σ²/n), floored at
//! [`UNIT_COST_CV_FLOOR`] × ū.

use super::{CostCause, Direction, Expectation, KeySeries, Metric, MIN_HISTORY_HOURS};
use faasight_stats::distributions::{
    count_tail_capped as count_tail_up_to, events_tail_capped as events_tail_up_to,
    normal_upper_tail, Tail,
};

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;
/// Weight of the day-kind mean against the same-weekday values, in days.
pub const SAME_WEEKDAY_WEIGHT: f64 = 2.0;
/// Weight of the whole history's rate in an hour-of-day rate, in
/// invocations.
pub const RATE_PRIOR_TRIALS: f64 = 20.0;
/// Smallest per-invocation spread of cost, relative to its mean: costs of
/// identical invocations do not make any change infinitely unlikely.
pub const UNIT_COST_CV_FLOOR: f64 = 0.05;
/// Anomalous hours that run longer than this are a new normal: later fits
/// use them as they were instead of their expected values.
pub const NEW_NORMAL_HOURS: usize = 24;
const MAX_DISPERSION: f64 = 4.0;
const MAX_RHO: f64 = 0.5;

/// One hour of history as the fit sees it: invocations and cost with
/// earlier anomalies replaced by their expected values; the rates' events
/// and trials, or `None` when the hour's rate was anomalous.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryHour {
    /// 0 = Monday … 6 = Sunday (UTC).
    pub weekday: u8,
    /// 0..24 (UTC).
    pub hour_of_day: u8,
    /// Invocations.
    pub invocations: f64,
    /// Cost in dollars.
    pub cost_usd: f64,
    /// (errors, invocations).
    pub errors: Option<(u64, u64)>,
    /// (cold starts, invocations).
    pub cold_starts: Option<(u64, u64)>,
}

/// A rate's model for one hour of the day: Beta(a, b) for the rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateModel {
    /// Beta's a (events side).
    pub a: f64,
    /// Beta's b.
    pub b: f64,
    /// Intra-hour correlation of the history (0 = binomial).
    pub rho: f64,
}

impl RateModel {
    /// The usual rate.
    pub fn mean(&self) -> f64 {
        self.a / (self.a + self.b)
    }
}

/// Everything needed to judge the 24 hours of one day.
#[derive(Debug, Clone, PartialEq)]
pub struct DayModel {
    /// Expected invocations per hour of the day.
    pub expected: [f64; 24],
    /// Negative-binomial dispersion per hour of the day, including the
    /// uncertainty of `expected`.
    pub dispersion: [f64; 24],
    /// The history's own over-dispersion α (before that uncertainty).
    pub count_dispersion: f64,
    /// Usual cost per invocation and its per-invocation spread; `None`
    /// without invocations in the history.
    pub unit_cost: Option<(f64, f64)>,
    /// Invocations in the history.
    pub history_invocations: f64,
    /// Error rate per hour of the day.
    pub error_rate: [RateModel; 24],
    /// Cold-start rate per hour of the day.
    pub cold_start_rate: [RateModel; 24],
    /// Days of history (hours / 24, rounded down).
    pub history_days: usize,
}

fn is_weekend(weekday: u8) -> bool {
    weekday >= 5
}

/// Fits the model of a day whose weekday is `weekday` on `history` (any
/// order; usually the lookback weeks before it).
pub fn fit_day(history: &[HistoryHour], weekday: u8) -> DayModel {
    // Per (day kind, hour of day): sum, sum of squares, count.
    let mut cells = [[(0.0f64, 0.0f64, 0.0f64); 24]; 2];
    let mut same_weekday = [(0.0f64, 0.0f64); 24];
    for h in history {
        let j = usize::from(h.hour_of_day);
        let c = &mut cells[usize::from(is_weekend(h.weekday))][j];
        c.0 += h.invocations;
        c.1 += h.invocations * h.invocations;
        c.2 += 1.0;
        if h.weekday == weekday {
            same_weekday[j].0 += h.invocations;
            same_weekday[j].1 += 1.0;
        }
    }
    let (mut excess, mut scale) = (0.0, 0.0);
    for c in cells.iter().flatten().filter(|c| c.2 >= 2.0) {
        let mean = c.0 / c.2;
        let squares = c.1 - c.0 * c.0 / c.2;
        excess += squares - (c.2 - 1.0) * mean;
        scale += (c.2 - 1.0) * mean * mean;
    }
    let alpha = if scale > 0.0 {
        (excess / scale).clamp(0.0, MAX_DISPERSION)
    } else {
        0.0
    };
    let kind = &cells[usize::from(is_weekend(weekday))];
    let mut expected = [0.0; 24];
    let mut dispersion = [0.0; 24];
    for j in 0..24 {
        let (sum_t, _, n_t) = kind[j];
        let (sum_k, k) = same_weekday[j];
        let m = SAME_WEEKDAY_WEIGHT;
        let mean_t = if n_t > 0.0 { sum_t / n_t } else { 0.0 };
        // Half a call over the days seen: a history of zeros does not make
        // one call impossible (the Jeffreys prior of a Poisson mean).
        let lambda = ((sum_k + m * mean_t) / (k + m)).max(0.5 / (k + m).max(n_t));
        let weights = if n_t > 0.0 {
            (k + m * m / n_t) / ((k + m) * (k + m))
        } else {
            1.0
        };
        let estimate_variance = (lambda + alpha * lambda * lambda) * weights;
        expected[j] = lambda;
        dispersion[j] = alpha + estimate_variance / (lambda * lambda);
    }

    let (mut cost, mut calls, mut hours_with_calls) = (0.0, 0.0, 0.0);
    for h in history.iter().filter(|h| h.invocations > 0.0) {
        cost += h.cost_usd;
        calls += h.invocations;
        hours_with_calls += 1.0;
    }
    let unit_cost = (calls > 0.0).then(|| {
        let mean = cost / calls;
        let spread = history
            .iter()
            .filter(|h| h.invocations > 0.0)
            .map(|h| {
                let u = h.cost_usd / h.invocations;
                h.invocations * (u - mean) * (u - mean)
            })
            .sum::<f64>()
            / hours_with_calls;
        (mean, spread.sqrt().max(UNIT_COST_CV_FLOOR * mean))
    });

    DayModel {
        expected,
        dispersion,
        count_dispersion: alpha,
        unit_cost,
        history_invocations: calls,
        error_rate: fit_rate(history, |h| h.errors),
        cold_start_rate: fit_rate(history, |h| h.cold_starts),
        history_days: history.len() / 24,
    }
}

fn fit_rate(
    history: &[HistoryHour],
    trial: impl Fn(&HistoryHour) -> Option<(u64, u64)>,
) -> [RateModel; 24] {
    let mut by_hour = [(0.0f64, 0.0f64); 24];
    let (mut events, mut trials) = (0.0, 0.0);
    for h in history {
        if let Some((e, n)) = trial(h) {
            let j = usize::from(h.hour_of_day);
            by_hour[j].0 += e as f64;
            by_hour[j].1 += n as f64;
            events += e as f64;
            trials += n as f64;
        }
    }
    let pooled = (events + 0.5) / (trials + 1.0);
    let w = RATE_PRIOR_TRIALS;
    let mut models = by_hour.map(|(e, n)| RateModel {
        a: e + pooled * w,
        b: n - e + (1.0 - pooled) * w,
        rho: 0.0,
    });
    let (mut excess, mut scale) = (0.0, 0.0);
    for h in history {
        if let Some((e, n)) = trial(h) {
            let p = models[usize::from(h.hour_of_day)].mean();
            let (e, n) = (e as f64, n as f64);
            if n >= 2.0 {
                excess += (e - n * p).powi(2) - n * p * (1.0 - p);
                scale += n * (n - 1.0) * p * (1.0 - p);
            }
        }
    }
    let rho = if scale > 0.0 {
        (excess / scale).clamp(0.0, MAX_RHO)
    } else {
        0.0
    };
    for m in &mut models {
        m.rho = rho;
        if rho > 0.0 {
            let concentration = (m.a + m.b).min((1.0 - rho) / rho);
            let p = m.mean();
            (m.a, m.b) = (p * concentration, (1.0 - p) * concentration);
        }
    }
    models
}

/// One anomalous hour, before it gets its key and time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HourAnomaly {
    pub(crate) index: usize,
    pub(crate) metric: Metric,
    pub(crate) value: f64,
    pub(crate) expectation: Expectation,
    pub(crate) events: Option<u64>,
    pub(crate) trials: Option<u64>,
    pub(crate) p_value: f64,
    pub(crate) direction: Direction,
    pub(crate) cause: Option<CostCause>,
}

/// A function's anomalous hours and where its scoring starts.
pub(crate) struct KeyScores {
    pub(crate) anomalies: Vec<HourAnomaly>,
    /// Index of the first scored hour (≥ the series' length when none is).
    pub(crate) first_scored: usize,
}

/// Largest `k` in `[from, to]` for which `ok(k)` holds, given `ok(from)`
/// and that `ok` turns false once and stays false (binary search).
fn last_ok(from: u64, to: u64, ok: impl Fn(u64) -> bool) -> u64 {
    let (mut lo, mut hi) = (from, to);
    if ok(hi) {
        return hi;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if ok(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The counts from `lo` to `hi` that would not be anomalous.
fn count_interval(mean: f64, dispersion: f64, p: f64) -> (u64, u64) {
    let sd = (mean + dispersion * mean * mean).sqrt();
    let top = (mean + 60.0 * sd + 60.0).ceil() as u64;
    let hi = last_ok(mean.floor() as u64, top, |k| {
        count_tail_up_to(k, mean, dispersion, Tail::Upper, p) >= p
    });
    // Smallest k with P(X ≤ k) ≥ p: the lower tail grows with k.
    let below = mean.floor() as u64;
    let lo = if count_tail_up_to(0, mean, dispersion, Tail::Lower, p) >= p {
        0
    } else {
        last_ok(0, below, |k| {
            count_tail_up_to(k, mean, dispersion, Tail::Lower, p) < p
        }) + 1
    };
    (lo.min(below), hi)
}

/// The event counts out of `n` from `lo` to `hi` that would not be
/// anomalous.
fn events_interval(n: u64, rate: &RateModel, p: f64) -> (u64, u64) {
    let mean = n as f64 * rate.mean();
    let below = (mean.floor() as u64).min(n);
    let hi = last_ok(below, n, |k| {
        events_tail_up_to(k, n, rate.a, rate.b, Tail::Upper, p) >= p
    });
    let lo = if events_tail_up_to(0, n, rate.a, rate.b, Tail::Lower, p) >= p {
        0
    } else {
        last_ok(0, below, |k| {
            events_tail_up_to(k, n, rate.a, rate.b, Tail::Lower, p) < p
        }) + 1
    };
    (lo.min(below), hi)
}

/// Judges one hour: its anomalies, each with what it was measured against.
/// `threshold` is the score matching `p`. Cheap for ordinary hours: only
/// the tail on the observed side is summed, and intervals are computed for
/// anomalies only.
pub(crate) fn judge_hour(
    model: &DayModel,
    hour_of_day: usize,
    (n, errors, cold, cost): (u64, u64, u64, f64),
    p: f64,
    threshold: f64,
) -> Vec<HourAnomaly> {
    let mut out = Vec::new();
    let lambda = model.expected[hour_of_day];
    let dispersion = model.dispersion[hour_of_day];
    let nf = n as f64;
    let expectation = |expected: f64, (lo, hi): (f64, f64), dispersion: f64| Expectation {
        expected,
        interval_low: lo,
        interval_high: hi,
        dispersion,
        history_days: model.history_days,
    };

    // Invocations, both ways.
    let (tail, direction) = if nf > lambda {
        (Tail::Upper, Direction::Up)
    } else {
        (Tail::Lower, Direction::Down)
    };
    // Only whether it is below p matters for an ordinary hour.
    let p_count = count_tail_up_to(n, lambda, dispersion, tail, p);
    if p_count < p && Metric::Invocations.is_relevant(nf, lambda) {
        let (lo, hi) = count_interval(lambda, dispersion, p);
        out.push(HourAnomaly {
            index: 0,
            metric: Metric::Invocations,
            value: nf,
            expectation: expectation(lambda, (lo as f64, hi as f64), dispersion),
            events: None,
            trials: None,
            p_value: p_count,
            direction,
            cause: None,
        });
    }

    // The rates, upwards.
    for (metric, events, rate) in [
        (Metric::ErrorRate, errors, &model.error_rate[hour_of_day]),
        (
            Metric::ColdStartRate,
            cold,
            &model.cold_start_rate[hour_of_day],
        ),
    ] {
        if n == 0 {
            continue;
        }
        let value = events as f64 / nf;
        let p_rate = events_tail_up_to(events, n, rate.a, rate.b, Tail::Upper, p);
        if p_rate < p && metric.is_relevant(value, rate.mean()) {
            let (lo, hi) = events_interval(n, rate, p);
            out.push(HourAnomaly {
                index: 0,
                metric,
                value,
                expectation: expectation(rate.mean(), (lo as f64 / nf, hi as f64 / nf), rate.rho),
                events: Some(events),
                trials: Some(n),
                p_value: p_rate,
                direction: Direction::Up,
                cause: None,
            });
        }
    }

    // Cost, upwards: too many invocations, or each costing too much.
    if let Some((unit, spread)) = model.unit_cost {
        let expected = lambda * unit;
        if n > 0 && cost > expected {
            let p_calls = if nf > lambda { p_count } else { 1.0 };
            let z_unit =
                (cost / nf - unit) / (spread * (1.0 / nf + 1.0 / model.history_invocations).sqrt());
            let p_unit = normal_upper_tail(z_unit);
            let p_cost = (2.0 * p_calls.min(p_unit)).min(1.0);
            if p_cost < p && Metric::CostUsd.is_relevant(cost, expected) {
                let cause = match (p_calls < p, p_unit < p) {
                    (true, true) => CostCause::Both,
                    _ if p_calls <= p_unit => CostCause::Invocations,
                    _ => CostCause::CostPerInvocation,
                };
                let (lo, hi) = count_interval(lambda, dispersion, p);
                let (lo, hi) = (lo as f64, hi as f64);
                let interval = (
                    (unit * lo - threshold * spread * lo.sqrt()).max(0.0),
                    unit * hi + threshold * spread * hi.sqrt(),
                );
                out.push(HourAnomaly {
                    index: 0,
                    metric: Metric::CostUsd,
                    value: cost,
                    expectation: expectation(expected, interval, dispersion),
                    events: None,
                    trials: None,
                    p_value: p_cost,
                    direction: Direction::Up,
                    cause: Some(cause),
                });
            }
        }
    }
    out
}

/// What later fits need of an hour already judged.
#[derive(Debug, Clone, Copy, Default)]
struct Judged {
    anomalous: bool,
    /// Part of an anomalous run longer than [`NEW_NORMAL_HOURS`]: later
    /// fits use it as it was.
    keep_raw: bool,
    invocations: bool,
    cost: bool,
    errors: bool,
    cold_starts: bool,
    expected_invocations: f64,
    expected_unit_cost: f64,
}

fn weekday_of(epoch: i64) -> u8 {
    // 1970-01-01 was a Thursday (3 with Monday = 0).
    (epoch.div_euclid(DAY) + 3).rem_euclid(7) as u8
}

/// Scores every day of a function's series that has at least
/// [`MIN_HISTORY_HOURS`] before its first hour, each on at most
/// `lookback_weeks` weeks before it.
/// `threshold` is the score matching the tail probability `p`.
pub(crate) fn score_key(s: &KeySeries, lookback_weeks: usize, p: f64, threshold: f64) -> KeyScores {
    let len = s.invocations.len();
    let mut judged = vec![Judged::default(); len];
    let mut anomalies = Vec::new();
    // The first midnight at or after the first hour, as an index.
    let first_midnight =
        ((s.first_hour.rem_euclid(DAY) != 0) as i64 * (DAY - s.first_hour.rem_euclid(DAY))) / HOUR;
    let mut d0 = first_midnight as usize;
    while d0 < MIN_HISTORY_HOURS {
        d0 += 24;
    }
    let first_scored = d0;
    // First hour of the anomalous run the last judged hour belongs to.
    let mut run_start: Option<usize> = None;
    while d0 < len {
        let start = d0.saturating_sub(lookback_weeks * 168);
        let history = history_of(s, &judged, start, d0);
        let weekday = weekday_of(s.first_hour + d0 as i64 * HOUR);
        let model = fit_day(&history, weekday);
        for (j, i) in (d0..(d0 + 24).min(len)).enumerate() {
            let hour = (
                s.invocations[i],
                s.errors[i],
                s.cold_starts[i],
                s.cost_usd[i],
            );
            let found = judge_hour(&model, j, hour, p, threshold);
            let mut mark = Judged {
                anomalous: !found.is_empty(),
                expected_invocations: model.expected[j],
                expected_unit_cost: model.unit_cost.map_or(0.0, |u| u.0),
                ..Judged::default()
            };
            for mut a in found {
                match a.metric {
                    Metric::Invocations => mark.invocations = true,
                    Metric::CostUsd => mark.cost = true,
                    Metric::ErrorRate => mark.errors = true,
                    Metric::ColdStartRate => mark.cold_starts = true,
                }
                a.index = i;
                anomalies.push(a);
            }
            judged[i] = mark;
            if !mark.anomalous {
                run_start = None;
                continue;
            }
            let run = *run_start.get_or_insert(i);
            let length = i + 1 - run;
            if length > NEW_NORMAL_HOURS {
                // The run just became the new normal: all of it; later
                // hours of it one by one.
                let from = if length == NEW_NORMAL_HOURS + 1 {
                    run
                } else {
                    i
                };
                for j in &mut judged[from..=i] {
                    j.keep_raw = true;
                }
            }
        }
        d0 += 24;
    }
    KeyScores {
        anomalies,
        first_scored,
    }
}

/// The hours `start..end` as the fit of the day at `end` sees them.
fn history_of(s: &KeySeries, judged: &[Judged], start: usize, end: usize) -> Vec<HistoryHour> {
    (start..end)
        .map(|i| {
            let epoch = s.first_hour + i as i64 * HOUR;
            let j = &judged[i];
            let clean = j.anomalous && !j.keep_raw;
            let (n, e, c) = (s.invocations[i], s.errors[i], s.cold_starts[i]);
            let invocations = if clean && j.invocations {
                j.expected_invocations
            } else {
                n as f64
            };
            let cost_usd = if clean && (j.invocations || j.cost) {
                invocations * j.expected_unit_cost
            } else {
                s.cost_usd[i]
            };
            HistoryHour {
                weekday: weekday_of(epoch),
                hour_of_day: (epoch.rem_euclid(DAY) / HOUR) as u8,
                invocations,
                cost_usd,
                errors: (!(clean && j.errors)).then_some((e, n)),
                cold_starts: (!(clean && j.cold_starts)).then_some((c, n)),
            }
        })
        .collect()
}
