//! Seasonal anomaly scores on hourly series: is this hour's cost, traffic,
//! error count or cold-start rate out of line with the same hour in earlier
//! weeks?
//!
//! Method, per key (a function or `"total"`) and metric:
//! - **Baseline** of an hour = the median of the same hour of the week in
//!   the *preceding* weeks of the window (h − 168 h, h − 336 h, …, at most
//!   [`AnomalyOptions::lookback_weeks`] of them, default 6). Serverless
//!   traffic follows the working week, so Monday 09:00 is compared with
//!   earlier Mondays at 09:00, not with Sunday night. With fewer than 2
//!   earlier weeks the baseline falls back to the median of the same hour of
//!   the day over the preceding days (h − 24 h, h − 48 h, …, at most 14),
//!   which needs at least 3 of them; with fewer there is no score. Only
//!   earlier hours are used, never later ones, so an hour's score does not
//!   change when more data arrives (no look-ahead).
//!
//!   This follows Datadog's seasonal anomaly algorithms (`robust`/`agile`,
//!   <https://docs.datadoghq.com/monitors/types/anomaly/#seasonality>):
//!   weekly seasonality compares a day with the same weekday in past weeks,
//!   needs three weeks of data (here: 2 earlier weeks + the scored one;
//!   daily: 3 earlier days), and looks back at most six weeks, which is why
//!   the lookback is capped: a median over all of a long window would need
//!   half of it at a new level before accepting a deliberate level shift
//!   (a deploy, a new customer), and would cost O(hours × weeks). Seasonal
//!   reference sets of this kind are also the idea behind seasonal-naive
//!   forecasts and STL (Cleveland et al., "STL: A Seasonal-Trend
//!   Decomposition Procedure Based on Loess", J. Official Statistics 6(1),
//!   1990; Hyndman & Athanasopoulos, "Forecasting: Principles and Practice",
//!   3rd ed., §5.2, <https://otexts.com/fpp3/simple-methods.html>) — ideas
//!   only, the implementation is this module's own.
//! - **Spread** = 1.4826 × MAD (median absolute deviation from the baseline)
//!   of the same reference values; 1.4826 makes the MAD estimate the standard
//!   deviation of normal data. The robust z-score (value − median) / spread is
//!   that of Iglewicz & Hoaglin, "How to Detect and Handle Outliers", ASQC
//!   Basic References in Quality Control vol. 16, 1993 (their modified
//!   z-score uses 0.6745 = 1/1.4826). The spread is floored at the largest of
//!   the MAD-based value, 10 % of |baseline| and a per-metric absolute floor
//!   ([`Metric::spread_floor`]: 1 invocation, 1 error, $0.001, 1 percentage
//!   point of cold-start rate), so a perfectly flat history (MAD = 0) does
//!   not turn a change of one unit into an infinite score. Why 10 % and not
//!   less: the reference sets hold 2–6 values, whose MAD is often near 0 by
//!   chance, and the hour-of-day fallback cannot see the weekly pattern — with
//!   a 5 % floor an ordinary weekend at 70 % of weekday traffic would score
//!   −6 in the first two weeks. At threshold 4, a 10 % floor means a
//!   tight history needs a change of at least 40 % to be flagged.
//! - **Anomaly** when |score| ≥ the threshold (default 4, Iglewicz &
//!   Hoaglin suggest 3.5 for single points; 4 keeps hourly noise quieter) and
//!   the absolute change is at least a per-metric minimum
//!   ([`Metric::minimum_change`]: 5 invocations, 1 error, $0.01, 5
//!   percentage points of cold-start rate and then only in hours with at
//!   least 20 invocations), so statistically odd but irrelevant changes are
//!   not reported.
//!
//! Pure functions over a polars frame; no I/O.

use crate::frame_input::{self, FrameError};
use chrono::{DateTime, SecondsFormat};
use faasight_stats::median;
use polars::prelude::DataFrame;
use serde::Serialize;
use std::collections::BTreeMap;

const HOUR: i64 = 3_600;
const DAY_HOURS: usize = 24;
const WEEK_HOURS: usize = 168;
/// Earlier weeks needed for the hour-of-week baseline.
const MIN_WEEKS: usize = 2;
/// Earlier days needed for the hour-of-day fallback.
const MIN_DAYS: usize = 3;
/// Earlier days the hour-of-day fallback looks at, at most: two weeks, since
/// with two earlier weeks the hour-of-week baseline normally takes over.
const MAX_DAYS: usize = 14;
/// Scales the MAD to a standard deviation for normal data (1 / Φ⁻¹(0.75);
/// Iglewicz & Hoaglin 1993).
const MAD_TO_SIGMA: f64 = 1.4826;
/// Relative spread floor: 10 % of |baseline|.
const RELATIVE_FLOOR: f64 = 0.10;
/// Invocations an hour needs before its cold-start rate may be reported.
const MIN_INVOCATIONS_FOR_RATE: f64 = 20.0;
/// Tolerance of the minimum-change comparison (rates such as 0.15 − 0.10
/// are not exact in binary floating point).
const EPSILON: f64 = 1e-9;

/// Input that cannot be scored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnomalyError {
    /// A column is absent or has the wrong type.
    #[error(transparent)]
    Input(#[from] FrameError),
    /// A row holds a value the method cannot use.
    #[error("row {row}: {problem}")]
    BadRow {
        /// Row number, from 0.
        row: usize,
        /// What is wrong, in a sentence.
        problem: String,
    },
    /// Options that cannot be used.
    #[error("invalid options: {0}")]
    Options(String),
}

type Result<T> = std::result::Result<T, AnomalyError>;

/// A scored metric; serialised as its column name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// `cost_usd`: list-price cost of the hour, in dollars.
    CostUsd,
    /// `invocations` in the hour.
    Invocations,
    /// `errors` in the hour.
    Errors,
    /// `cold_start_rate`: cold starts / invocations, 0..1.
    ColdStartRate,
}

impl Metric {
    /// Every metric, in output order.
    pub const ALL: [Metric; 4] = [
        Metric::CostUsd,
        Metric::Invocations,
        Metric::Errors,
        Metric::ColdStartRate,
    ];

    /// The input column (and JSON) name.
    pub fn column(self) -> &'static str {
        match self {
            Metric::CostUsd => "cost_usd",
            Metric::Invocations => "invocations",
            Metric::Errors => "errors",
            Metric::ColdStartRate => "cold_start_rate",
        }
    }

    /// Smallest spread allowed, in the metric's unit. One invocation or one
    /// error is the resolution of a count; a tenth of a cent keeps cheap
    /// functions from scoring on rounding noise; one percentage point of
    /// cold-start rate is below what anyone acts on. These are faasight's
    /// choices, not from a paper.
    pub fn spread_floor(self) -> f64 {
        match self {
            Metric::CostUsd => 0.001,
            Metric::Invocations => 1.0,
            Metric::Errors => 1.0,
            Metric::ColdStartRate => 0.01,
        }
    }

    /// Smallest absolute change worth reporting, in the metric's unit
    /// (5 invocations, 1 error, $0.01, 5 percentage points). faasight's
    /// choices: below these a page is noise whatever the score says.
    pub fn minimum_change(self) -> f64 {
        match self {
            Metric::CostUsd => 0.01,
            Metric::Invocations => 5.0,
            Metric::Errors => 1.0,
            Metric::ColdStartRate => 0.05,
        }
    }
}

/// Which reference set gave the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineKind {
    /// Same hour of the week in ≥ 2 preceding weeks.
    HourOfWeek,
    /// Same hour of the day in ≥ 3 preceding days (short history).
    HourOfDay,
}

/// Whether the value is above or below its baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Above the baseline.
    Up,
    /// Below the baseline.
    Down,
}

/// One hour of one key and metric out of line with its baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Anomaly {
    /// Function key or `"total"`.
    pub key: String,
    /// The metric.
    pub metric: Metric,
    /// Start of the hour, epoch seconds (UTC).
    pub hour: i64,
    /// Start of the hour as RFC 3339 (`2026-01-05T13:00:00Z`).
    pub hour_rfc3339: String,
    /// The hour's value.
    pub value: f64,
    /// Median of the reference values.
    pub baseline: f64,
    /// Floored 1.4826 × MAD of the reference values.
    pub spread: f64,
    /// (value − baseline) / spread.
    pub score: f64,
    /// Up or down.
    pub direction: Direction,
    /// Reference set used.
    pub baseline_kind: BaselineKind,
}

/// Anomaly count of one key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyAnomalies {
    /// Function key or `"total"`.
    pub key: String,
    /// Anomalies of the key, all metrics.
    pub anomalies: usize,
}

/// Result of [`detect_anomalies`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnomalyReport {
    /// Anomalies, largest |score| first.
    pub anomalies: Vec<Anomaly>,
    /// Every key of the input with its anomaly count, most anomalies first,
    /// then by key (keys with none are listed, so the UI can say "none").
    pub per_key: Vec<KeyAnomalies>,
    /// The |score| threshold used.
    pub threshold: f64,
    /// The hour-of-week lookback used, in weeks.
    pub lookback_weeks: usize,
}

/// Options of [`detect_anomalies`]; deserialises from a partial object
/// (missing fields keep their defaults, unknown fields are errors).
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnomalyOptions {
    /// |score| at or above which an hour is an anomaly (default 4).
    pub threshold: f64,
    /// Earlier weeks the hour-of-week baseline uses, at most (default 6,
    /// Datadog's maximum; at least 2). Larger = steadier baseline but slower
    /// to accept a level shift.
    pub lookback_weeks: usize,
}

impl Default for AnomalyOptions {
    fn default() -> Self {
        AnomalyOptions {
            threshold: 4.0,
            lookback_weeks: 6,
        }
    }
}

/// A score of one hour, before the threshold is applied.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scored {
    baseline: f64,
    spread: f64,
    score: f64,
    kind: BaselineKind,
}

/// One key's dense hourly series (missing hours filled).
struct KeySeries {
    first_hour: i64,
    /// Per metric (index as in [`Metric::ALL`]); `None` = no value.
    values: [Vec<Option<f64>>; 4],
}

fn float_values(frame: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    Ok(frame_input::floats(frame, name)?.iter().collect())
}

/// Baseline, spread and score of `values[i]` from the values `step`,
/// 2 × `step`, … `periods` × `step` hours earlier (never later), when at
/// least `needed` of them have a value.
fn score_from(
    values: &[Option<f64>],
    i: usize,
    step: usize,
    (needed, periods): (usize, usize),
    metric: Metric,
) -> Option<(f64, f64, f64)> {
    let value = values[i]?;
    let mut reference: Vec<f64> = (1..=(i / step).min(periods))
        .filter_map(|k| values[i - k * step])
        .collect();
    if reference.len() < needed {
        return None;
    }
    let baseline = median(&mut reference);
    let mut deviations: Vec<f64> = reference.iter().map(|v| (v - baseline).abs()).collect();
    let mad = median(&mut deviations);
    let spread = (MAD_TO_SIGMA * mad)
        .max(RELATIVE_FLOOR * baseline.abs())
        .max(metric.spread_floor());
    Some((baseline, spread, (value - baseline) / spread))
}

/// Scores every hour of one series: hour of week when ≥ 2 of the last
/// `lookback_weeks` weeks have a value, else hour of day when ≥ 3 of the
/// last 14 days have one.
fn score_series(
    values: &[Option<f64>],
    metric: Metric,
    lookback_weeks: usize,
) -> Vec<Option<Scored>> {
    (0..values.len())
        .map(|i| {
            let weekly = (MIN_WEEKS, lookback_weeks);
            let (scored, kind) = match score_from(values, i, WEEK_HOURS, weekly, metric) {
                Some(s) => (s, BaselineKind::HourOfWeek),
                None => (
                    score_from(values, i, DAY_HOURS, (MIN_DAYS, MAX_DAYS), metric)?,
                    BaselineKind::HourOfDay,
                ),
            };
            Some(Scored {
                baseline: scored.0,
                spread: scored.1,
                score: scored.2,
                kind,
            })
        })
        .collect()
}

/// Reads and densifies the frame: one series per key over the key's span.
fn read_series(frame: &DataFrame) -> Result<BTreeMap<String, KeySeries>> {
    let keys = frame_input::strings(frame, "key")?;
    // Epoch seconds.
    let hours: Vec<Option<i64>> = frame_input::integers(frame, "hour")?.iter().collect();
    let mut metric_values = Vec::with_capacity(4);
    for metric in Metric::ALL {
        metric_values.push(float_values(frame, metric.column())?);
    }

    // key → hour → row
    let mut rows: BTreeMap<&str, BTreeMap<i64, usize>> = BTreeMap::new();
    for (row, (key, hour)) in keys.iter().zip(hours.iter()).enumerate() {
        let bad = |problem: String| AnomalyError::BadRow { row, problem };
        let key = key.ok_or_else(|| bad("`key` is null".into()))?;
        let hour = hour.ok_or_else(|| bad(format!("`hour` of key {key:?} is null")))?;
        if hour.rem_euclid(HOUR) != 0 {
            return Err(bad(format!(
                "`hour` {hour} of key {key:?} is not the start of an hour (a multiple of 3600 seconds)"
            )));
        }
        for (m, metric) in Metric::ALL.iter().enumerate() {
            let v = metric_values[m][row];
            let ok = match metric {
                Metric::ColdStartRate => v.is_none_or(|v| v.is_nan() || (0.0..=1.0).contains(&v)),
                _ => v.is_some_and(|v| v.is_finite() && v >= 0.0),
            };
            if !ok {
                let expected = match metric {
                    Metric::ColdStartRate => "a rate between 0 and 1, or null",
                    _ => "a finite number ≥ 0",
                };
                return Err(bad(format!(
                    "`{}` of key {key:?} at hour {hour} is {}, expected {expected}",
                    metric.column(),
                    v.map_or("null".to_string(), |v| v.to_string())
                )));
            }
        }
        if rows.entry(key).or_default().insert(hour, row).is_some() {
            return Err(bad(format!(
                "key {key:?} has hour {hour} twice; the frame needs one row per key and hour"
            )));
        }
    }

    let mut out = BTreeMap::new();
    for (key, by_hour) in rows {
        let (Some((&first, _)), Some((&last, _))) =
            (by_hour.first_key_value(), by_hour.last_key_value())
        else {
            continue;
        };
        let len = ((last - first) / HOUR) as usize + 1;
        // Missing hours: nothing happened (0) for counts and cost, no value
        // for the rate.
        let mut values: [Vec<Option<f64>>; 4] = [
            vec![Some(0.0); len],
            vec![Some(0.0); len],
            vec![Some(0.0); len],
            vec![None; len],
        ];
        for (&hour, &row) in &by_hour {
            let i = ((hour - first) / HOUR) as usize;
            for (m, series) in values.iter_mut().enumerate() {
                series[i] = metric_values[m][row].filter(|v| !v.is_nan());
            }
        }
        // A rate without invocations is no value, whatever the input said.
        let invocations = values[1].clone();
        for (rate, n) in values[3].iter_mut().zip(invocations) {
            if n.unwrap_or(0.0) <= 0.0 {
                *rate = None;
            }
        }
        out.insert(
            key.to_string(),
            KeySeries {
                first_hour: first,
                values,
            },
        );
    }
    Ok(out)
}

/// Finds the hours whose cost, invocations, errors or cold-start rate are
/// out of line with the same hour in earlier weeks (or days, for short
/// histories); see the module documentation for the method.
///
/// `frame`: one row per key and hour — `key` (String: function key or
/// `"total"`), `hour` (integer, epoch seconds UTC, a multiple of 3600),
/// `cost_usd`, `invocations`, `errors` (numeric ≥ 0) and `cold_start_rate`
/// (numeric 0..1; null or NaN when the hour had no invocations). Hours
/// missing between a key's first and last hour count as 0 cost, invocations
/// and errors and no cold-start rate.
pub fn detect_anomalies(frame: &DataFrame, options: AnomalyOptions) -> Result<AnomalyReport> {
    if !(options.threshold.is_finite() && options.threshold > 0.0) {
        return Err(AnomalyError::Options(format!(
            "the threshold must be a positive number of spreads, got {}",
            options.threshold
        )));
    }
    if options.lookback_weeks < MIN_WEEKS {
        return Err(AnomalyError::Options(format!(
            "lookback_weeks must be at least {MIN_WEEKS} (the hour-of-week baseline needs {MIN_WEEKS} earlier weeks), got {}",
            options.lookback_weeks
        )));
    }
    let series = read_series(frame)?;
    let mut anomalies = Vec::new();
    let mut per_key = Vec::with_capacity(series.len());
    for (key, s) in &series {
        let before = anomalies.len();
        for (m, metric) in Metric::ALL.iter().copied().enumerate() {
            let values = &s.values[m];
            for (i, scored) in score_series(values, metric, options.lookback_weeks)
                .into_iter()
                .enumerate()
            {
                let (Some(scored), Some(value)) = (scored, values[i]) else {
                    continue;
                };
                let change = (value - scored.baseline).abs();
                let relevant = change + EPSILON >= metric.minimum_change()
                    && (metric != Metric::ColdStartRate
                        || s.values[1][i].unwrap_or(0.0) >= MIN_INVOCATIONS_FOR_RATE);
                if scored.score.abs() < options.threshold || !relevant {
                    continue;
                }
                let hour = s.first_hour + i as i64 * HOUR;
                anomalies.push(Anomaly {
                    key: key.clone(),
                    metric,
                    hour,
                    hour_rfc3339: DateTime::from_timestamp(hour, 0)
                        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
                        .unwrap_or_default(),
                    value,
                    baseline: scored.baseline,
                    spread: scored.spread,
                    score: scored.score,
                    direction: if scored.score > 0.0 {
                        Direction::Up
                    } else {
                        Direction::Down
                    },
                    baseline_kind: scored.kind,
                });
            }
        }
        per_key.push(KeyAnomalies {
            key: key.clone(),
            anomalies: anomalies.len() - before,
        });
    }
    anomalies.sort_by(|a, b| {
        b.score
            .abs()
            .total_cmp(&a.score.abs())
            .then_with(|| a.key.cmp(&b.key))
            .then_with(|| a.metric.cmp(&b.metric))
            .then_with(|| a.hour.cmp(&b.hour))
    });
    per_key.sort_by(|a, b| {
        b.anomalies
            .cmp(&a.anomalies)
            .then_with(|| a.key.cmp(&b.key))
    });
    Ok(AnomalyReport {
        anomalies,
        per_key,
        threshold: options.threshold,
        lookback_weeks: options.lookback_weeks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::Column;

    /// 2026-01-05T00:00:00Z, a Monday.
    const MONDAY: i64 = 1_767_571_200;

    /// (key, hour index from MONDAY, cost_usd, invocations, errors, rate)
    type Row = (&'static str, usize, f64, f64, f64, Option<f64>);

    fn frame(rows: &[Row]) -> DataFrame {
        polars::df!(
            "key" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            "hour" => rows.iter().map(|r| MONDAY + r.1 as i64 * HOUR).collect::<Vec<_>>(),
            "cost_usd" => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            "invocations" => rows.iter().map(|r| r.3).collect::<Vec<_>>(),
            "errors" => rows.iter().map(|r| r.4).collect::<Vec<_>>(),
            "cold_start_rate" => rows.iter().map(|r| r.5).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    /// Four weeks of a working-week pattern: 100 invocations an hour on
    /// weekdays, 70 at weekends, plus a per-week shift of 0, 4, 2, 6.
    fn weekly_invocations() -> Vec<f64> {
        let shift = [0.0, 4.0, 2.0, 6.0];
        (0..4 * WEEK_HOURS)
            .map(|i| {
                let (week, day) = (i / WEEK_HOURS, (i % WEEK_HOURS) / DAY_HOURS);
                (if day < 5 { 100.0 } else { 70.0 }) + shift[week]
            })
            .collect()
    }

    fn rows_of(key: &'static str, invocations: &[f64]) -> Vec<Row> {
        invocations
            .iter()
            .enumerate()
            .map(|(i, &n)| (key, i, 0.25, n, 0.0, None))
            .collect()
    }

    const SPIKE: usize = 2 * WEEK_HOURS + 2 * DAY_HOURS + 14; // week 2, Wednesday 14:00
    const DIP: usize = 3 * WEEK_HOURS + 5 * DAY_HOURS + 3; // week 3, Saturday 03:00

    fn spiked() -> Vec<f64> {
        let mut v = weekly_invocations();
        v[SPIKE] = 300.0;
        v[DIP] = 20.0;
        v
    }

    #[test]
    fn weekly_pattern_flags_exactly_the_spike_and_the_dip() {
        let mut rows = rows_of("api", &spiked());
        rows.extend(rows_of("idle", &[0.0; 4 * WEEK_HOURS]));
        let report = detect_anomalies(&frame(&rows), AnomalyOptions::default()).unwrap();
        assert_eq!(report.anomalies.len(), 2, "{:#?}", report.anomalies);
        // Spike: the same hour of weeks 0 and 1 held 100 and 104 → median
        // 102, MAD = median(2, 2) = 2 → 1.4826 × 2 = 2.97; 10 % of 102 =
        // 10.2 wins. Score (300 − 102) / 10.2 = 19.41.
        let spike = &report.anomalies[0];
        assert_eq!(
            (spike.key.as_str(), spike.metric),
            ("api", Metric::Invocations)
        );
        assert_eq!(spike.hour, MONDAY + SPIKE as i64 * HOUR);
        assert_eq!(spike.hour_rfc3339, "2026-01-21T14:00:00Z");
        assert_eq!((spike.value, spike.baseline), (300.0, 102.0));
        assert!((spike.spread - 10.2).abs() < 1e-9);
        assert!((spike.score - 198.0 / 10.2).abs() < 1e-9);
        assert_eq!(spike.direction, Direction::Up);
        assert_eq!(spike.baseline_kind, BaselineKind::HourOfWeek);
        // Dip: weekend hour of weeks 0, 1, 2 = 70, 74, 72 → median 72, MAD
        // = median(2, 2, 0) = 2 → 2.97; 10 % of 72 = 7.2 wins. Score
        // (20 − 72) / 7.2 = −7.22.
        let dip = &report.anomalies[1];
        assert_eq!(dip.hour_rfc3339, "2026-01-31T03:00:00Z");
        assert_eq!((dip.value, dip.baseline), (20.0, 72.0));
        assert!((dip.spread - 7.2).abs() < 1e-9);
        assert!((dip.score + 52.0 / 7.2).abs() < 1e-9);
        assert_eq!(dip.direction, Direction::Down);
        assert_eq!(dip.baseline_kind, BaselineKind::HourOfWeek);
        // Weekends in weeks 0 and 1 use the hour-of-day fallback over
        // mostly weekdays: Saturday of week 0 = (70 − 100) / 10 = −3, under
        // the threshold, so the weekly pattern itself is not flagged.
        assert_eq!(
            report.per_key,
            vec![
                KeyAnomalies {
                    key: "api".into(),
                    anomalies: 2
                },
                KeyAnomalies {
                    key: "idle".into(),
                    anomalies: 0
                },
            ]
        );
        assert_eq!(report.threshold, 4.0);
        // A lower threshold finds the fallback weekend hours (|−3| ≥ 2.5).
        let low = detect_anomalies(
            &frame(&rows),
            AnomalyOptions {
                threshold: 2.5,
                ..AnomalyOptions::default()
            },
        )
        .unwrap();
        assert!(low
            .anomalies
            .iter()
            .any(|a| a.baseline_kind == BaselineKind::HourOfDay && a.direction == Direction::Down));
    }

    #[test]
    fn flat_series_with_small_blips_has_no_anomalies() {
        let mut v = vec![100.0; 3 * WEEK_HOURS];
        // MAD is 0 here: without the 10 % floor (10 invocations) this +8
        // would score 8 / 1 = 8; with it, 0.8.
        v[2 * WEEK_HOURS + 30] = 108.0;
        let mut rows = rows_of("flat", &v);
        // One error after none: spread floor 1 → score 1.
        rows[2 * WEEK_HOURS + 40].4 = 1.0;
        // $0.25 → $0.26: floor 10 % = $0.025 → score 0.4.
        rows[2 * WEEK_HOURS + 50].2 = 0.26;
        let report = detect_anomalies(&frame(&rows), AnomalyOptions::default()).unwrap();
        assert!(report.anomalies.is_empty(), "{:#?}", report.anomalies);
        assert_eq!(report.per_key[0].anomalies, 0);
    }

    #[test]
    fn short_history_falls_back_to_hour_of_day() {
        let mut v = vec![50.0; 6 * DAY_HOURS];
        // Day 2 has only 2 earlier days: no score, not flagged.
        v[2 * DAY_HOURS + 10] = 500.0;
        // Day 4: 10:00 of days 0..3 = 50, 50, 500, 50 → median 50, MAD 0
        // → spread max(0, 5, 1) = 5; score (200 − 50) / 5 = 30.
        v[4 * DAY_HOURS + 10] = 200.0;
        let report =
            detect_anomalies(&frame(&rows_of("new", &v)), AnomalyOptions::default()).unwrap();
        assert_eq!(report.anomalies.len(), 1, "{:#?}", report.anomalies);
        let a = &report.anomalies[0];
        assert_eq!(a.hour, MONDAY + (4 * DAY_HOURS + 10) as i64 * HOUR);
        assert_eq!((a.baseline, a.spread, a.score), (50.0, 5.0, 30.0));
        assert_eq!(a.baseline_kind, BaselineKind::HourOfDay);
    }

    #[test]
    fn later_weeks_do_not_change_earlier_scores() {
        let base: Vec<Option<f64>> = spiked().into_iter().map(Some).collect();
        let mut later = base.clone();
        // A huge spike in week 3, at the same hour of the week as week 2's
        // spike and at another hour.
        later[SPIKE + WEEK_HOURS] = Some(5_000.0);
        later[3 * WEEK_HOURS + DAY_HOURS + 10] = Some(1_000.0);
        let before = score_series(&base, Metric::Invocations, 6);
        let after = score_series(&later, Metric::Invocations, 6);
        assert_eq!(before[..3 * WEEK_HOURS], after[..3 * WEEK_HOURS]);
        assert_ne!(before[SPIKE + WEEK_HOURS], after[SPIKE + WEEK_HOURS]);
        // The reported week-2 spike is the same with or without week 3.
        let short = &spiked()[..3 * WEEK_HOURS];
        let a =
            detect_anomalies(&frame(&rows_of("api", short)), AnomalyOptions::default()).unwrap();
        let b = detect_anomalies(
            &frame(&rows_of(
                "api",
                &later.iter().map(|v| v.unwrap()).collect::<Vec<_>>(),
            )),
            AnomalyOptions::default(),
        )
        .unwrap();
        let week2 = |r: &AnomalyReport| {
            r.anomalies
                .iter()
                .find(|a| a.hour == MONDAY + SPIKE as i64 * HOUR)
                .cloned()
                .unwrap()
        };
        assert_eq!(week2(&a), week2(&b));
    }

    #[test]
    fn capped_lookback_accepts_a_level_shift_after_three_weeks() {
        // 9 weeks at 100 invocations an hour, then a deploy doubles traffic
        // for weeks 9..=12.
        let v: Vec<f64> = (0..13 * WEEK_HOURS)
            .map(|i| if i < 9 * WEEK_HOURS { 100.0 } else { 200.0 })
            .collect();
        let rows = rows_of("api", &v);
        let week = |r: &AnomalyReport, w: i64| {
            r.anomalies
                .iter()
                .filter(|a| (a.hour - MONDAY) / (WEEK_HOURS as i64 * HOUR) == w)
                .count()
        };
        // Default, 6 weeks: week 12 looks back at weeks 6..=11 = 100, 100,
        // 100, 200, 200, 200 → median 150, MAD 50 → spread 1.4826 × 50 =
        // 74.13; score (200 − 150) / 74.13 = 0.67: the shift is accepted.
        // Week 11 (weeks 5..=10: four 100s, two 200s → median 100, MAD 0 →
        // spread 10, score 10) still flags every hour.
        let capped = detect_anomalies(&frame(&rows), AnomalyOptions::default()).unwrap();
        assert_eq!(capped.lookback_weeks, 6);
        assert_eq!((week(&capped, 11), week(&capped, 12)), (168, 0));
        // Uncapped (52 weeks): week 12 sees nine 100s and three 200s →
        // median 100, MAD 0 → spread 10, score 10: still "anomalous".
        let uncapped = AnomalyOptions {
            lookback_weeks: 52,
            ..AnomalyOptions::default()
        };
        let all = detect_anomalies(&frame(&rows), uncapped).unwrap();
        assert_eq!(week(&all, 12), 168);
        let hour12 = all
            .anomalies
            .iter()
            .find(|a| a.hour == MONDAY + (12 * WEEK_HOURS) as i64 * HOUR)
            .unwrap();
        assert_eq!(
            (hour12.baseline, hour12.spread, hour12.score),
            (100.0, 10.0, 10.0)
        );
    }

    #[test]
    fn missing_hours_count_as_zero_within_the_key_span() {
        // Rows only at 00:00 of days 0..3 (10 invocations, $0.02), none at
        // day 4 00:00, and a last row at day 4 05:00 that ends the span.
        let mut rows: Vec<Row> = (0..4)
            .map(|d| ("cron", d * DAY_HOURS, 0.02, 10.0, 0.0, Some(0.1)))
            .collect();
        rows.push(("cron", 4 * DAY_HOURS + 5, 0.0, 0.0, 0.0, None));
        let report = detect_anomalies(&frame(&rows), AnomalyOptions::default()).unwrap();
        // Day 4 00:00 is filled with 0: invocations baseline 10, spread
        // max(0, 1, 1) = 1 → score −10; cost baseline 0.02, spread
        // max(0, 0.002, 0.001) = 0.002 → score −10. The filled hours
        // between the rows are 0 against a baseline of 0. The rate has no
        // value there, so it is not scored.
        let found: Vec<(Metric, f64, f64)> = report
            .anomalies
            .iter()
            .map(|a| (a.metric, a.value, a.baseline))
            .collect();
        assert_eq!(
            found,
            vec![
                (Metric::CostUsd, 0.0, 0.02),
                (Metric::Invocations, 0.0, 10.0)
            ]
        );
        assert!(report
            .anomalies
            .iter()
            .all(|a| a.hour == MONDAY + (4 * DAY_HOURS) as i64 * HOUR
                && (a.score + 10.0).abs() < 1e-9));
    }

    #[test]
    fn cold_start_rate_needs_enough_invocations_and_change() {
        let series = |key: &'static str, n: f64| -> Vec<Row> {
            (0..4 * DAY_HOURS)
                .map(|i| {
                    let rate = match i {
                        i if i == 3 * DAY_HOURS + 12 => 0.5,
                        i if i == 3 * DAY_HOURS + 13 => 0.06,
                        _ => 0.02,
                    };
                    (key, i, 0.25, n, 0.0, Some(rate))
                })
                .collect()
        };
        let mut rows = series("few", 10.0);
        rows.extend(series("many", 40.0));
        let report = detect_anomalies(&frame(&rows), AnomalyOptions::default()).unwrap();
        // 0.02 → 0.5: spread max(0, 0.002, 0.01) = 0.01 → score 48; only
        // "many" has ≥ 20 invocations that hour. 0.02 → 0.06 scores 4 but
        // changes 4 points < 5.
        assert_eq!(report.anomalies.len(), 1, "{:#?}", report.anomalies);
        let a = &report.anomalies[0];
        assert_eq!((a.key.as_str(), a.metric), ("many", Metric::ColdStartRate));
        assert!((a.score - 48.0).abs() < 1e-9);
        assert_eq!(
            (a.baseline_kind, a.direction),
            (BaselineKind::HourOfDay, Direction::Up)
        );
    }

    #[test]
    fn bad_input_is_an_error_sentence() {
        let mut f = frame(&rows_of("api", &[1.0, 2.0]));
        let err = detect_anomalies(
            &f,
            AnomalyOptions {
                threshold: 0.0,
                ..AnomalyOptions::default()
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("threshold"), "{err}");
        let one_week = AnomalyOptions {
            lookback_weeks: 1,
            ..AnomalyOptions::default()
        };
        let err = detect_anomalies(&f, one_week).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid options: lookback_weeks must be at least 2 (the hour-of-week baseline needs 2 earlier weeks), got 1"
        );
        f.with_column(Column::new("hour".into(), [MONDAY, MONDAY + 60]))
            .unwrap();
        let err = detect_anomalies(&f, AnomalyOptions::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "row 1: `hour` {} of key \"api\" is not the start of an hour (a multiple of 3600 seconds)",
                MONDAY + 60
            )
        );
        let dup = frame(&[
            ("api", 0, 0.0, 1.0, 0.0, None),
            ("api", 0, 0.0, 1.0, 0.0, None),
        ]);
        let err = detect_anomalies(&dup, AnomalyOptions::default()).unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");
        let negative = frame(&[("api", 0, 0.0, -1.0, 0.0, None)]);
        let err = detect_anomalies(&negative, AnomalyOptions::default()).unwrap_err();
        assert!(err.to_string().contains("`invocations`"), "{err}");
        let missing = f.drop("errors").unwrap();
        let err = detect_anomalies(&missing, AnomalyOptions::default()).unwrap_err();
        assert_eq!(err.to_string(), "the frame has no column `errors`");
    }
}
