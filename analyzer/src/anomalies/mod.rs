//! Anomalies people can trust: hours whose traffic, error rate, cold-start
//! rate or cost are out of line with what this function's own history
//! makes likely, merged into incidents, with each hour's expected value,
//! its interval and how unlikely it was.
//!
//! An alarm that fires on ordinary noise gets switched off, so every score
//! here is a tail probability under a model of that noise, never a
//! distance in units of a spread estimated from a handful of values:
//!
//! - **Invocations** are counts: Poisson, or negative binomial when the
//!   history is over-dispersed (its dispersion estimated from the history,
//!   [`model`]), widened by the uncertainty of the expected value itself. A
//!   count of 19 where 12 were expected is not an incident (P(X ≥ 19) =
//!   0.037 under Poisson(12)).
//! - **Error rate and cold-start rate** are judged with their denominators:
//!   the hour's errors (cold starts) out of its invocations against the
//!   usual rate for that hour of the day, beta-binomial (the rate's own
//!   hour-to-hour variation and the uncertainty of the usual rate). 3 errors
//!   in 5 calls against a usual 10 % has probability 0.0086: not an
//!   incident; 30 in 50 is.
//! - **Cost** follows its invocations: the expected cost is the expected
//!   count times the usual cost per invocation. An hour costs too much
//!   either because it had too many invocations or because they cost more
//!   each (a slower deploy, a larger memory size); the anomaly names which.
//! - **Seasonality from short history**: the expected count of an hour is
//!   the mean of the same hour of the day on earlier days of the same kind
//!   (weekday or weekend), drawn towards the same hour of the same weekday
//!   as weeks accumulate ([`model`]). So one full week of history is enough
//!   to know that Saturdays are quiet; with less than that ([`MIN_HISTORY_HOURS`])
//!   a function is listed as not scored yet, with the time scoring starts.
//! - **Only the past is used**: each day is fitted on the weeks before it
//!   ([`AnomalyOptions::lookback_weeks`], default 6), so an hour's score
//!   does not change as later data arrives. Anomalous hours are replaced by
//!   their expected values in later fits, so an incident does not raise the
//!   baseline it is judged against next week — unless it lasts longer than
//!   a day ([`model::NEW_NORMAL_HOURS`]), which is then taken as the new
//!   normal.
//! - **Directions**: invocations are scored both ways (a drop is an
//!   outage); error rate, cold-start rate and cost upwards only (lower is
//!   good news, not an alarm).
//! - **Threshold**: an hour is anomalous when its one-sided tail probability
//!   is below that of a standard normal beyond [`AnomalyOptions::threshold`]
//!   (default 4.5: p < 3.4 × 10⁻⁶), chosen for the false-alarm budget of at
//!   most one incident per function per four weeks of ordinary traffic (a
//!   function has about 2,700 hourly tests in four weeks), and when the
//!   change is large enough to matter ([`Metric::is_relevant`]). The
//!   `score` of an anomaly is that normal-equivalent z, signed.
//! - **Incidents**: consecutive anomalous hours of one function merge into
//!   one incident with its start, end, and size per metric (extra calls,
//!   extra errors, extra cold starts, extra dollars).
//!
//! The benchmark behind the defaults (precision and recall on 100
//! functions × 4 weeks at 5, 50 and 500 calls an hour, next to STL with
//! robust residual z-scores) is `faasight bench anomalies`; its numbers are
//! in `benches/README.md`.
//!
//! Pure functions over a polars frame; no I/O.

mod incidents;
pub mod model;
#[cfg(test)]
mod tests;

use crate::frame_input::{self, FrameError};
use chrono::{DateTime, SecondsFormat};
use polars::prelude::DataFrame;
use serde::Serialize;
use std::collections::BTreeMap;

pub use incidents::{Incident, IncidentMetric};

const HOUR: i64 = 3_600;
/// History a function needs before its hours are scored: one full week,
/// so that every hour of the day has been seen on weekdays and at the
/// weekend.
pub const MIN_HISTORY_HOURS: usize = 168;

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

/// A scored metric; serialised as its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// `cost_usd`: list-price cost of the hour, in dollars.
    CostUsd,
    /// `invocations` in the hour.
    Invocations,
    /// `error_rate`: errors / invocations, 0..1.
    ErrorRate,
    /// `cold_start_rate`: cold starts / invocations, 0..1.
    ColdStartRate,
}

impl Metric {
    /// Every metric, in output order.
    pub const ALL: [Metric; 4] = [
        Metric::CostUsd,
        Metric::Invocations,
        Metric::ErrorRate,
        Metric::ColdStartRate,
    ];

    /// The name in JSON and on the page.
    pub fn name(self) -> &'static str {
        match self {
            Metric::CostUsd => "cost_usd",
            Metric::Invocations => "invocations",
            Metric::ErrorRate => "error_rate",
            Metric::ColdStartRate => "cold_start_rate",
        }
    }

    /// Whether a change from `expected` to `value` is large enough to
    /// report, whatever its probability: at least 3 calls and 20 % for
    /// invocations, 5 percentage points for a rate, 20 % for cost.
    /// faasight's choices: below these, a page is noise to the person who
    /// gets it, even when the change is statistically clear (at a million
    /// calls an hour, 1 % more is).
    pub fn is_relevant(self, value: f64, expected: f64) -> bool {
        let change = (value - expected).abs();
        match self {
            Metric::Invocations => change >= 3.0 && change >= 0.2 * expected,
            Metric::ErrorRate | Metric::ColdStartRate => change + 1e-9 >= 0.05,
            Metric::CostUsd => change > 0.0 && change >= 0.2 * expected,
        }
    }
}

/// Whether the value is above or below its expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Above.
    Up,
    /// Below.
    Down,
}

/// Why an hour cost more than expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CostCause {
    /// More invocations than expected, at the usual cost each.
    Invocations,
    /// The usual number of invocations, each costing more.
    CostPerInvocation,
    /// Both at once.
    Both,
}

impl CostCause {
    /// What drove the cost, for a sentence ("driven by …").
    pub fn describe(self) -> &'static str {
        match self {
            CostCause::Invocations => "invocations",
            CostCause::CostPerInvocation => "cost per invocation",
            CostCause::Both => "invocations and cost per invocation",
        }
    }
}

/// The model an hour was judged with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expectation {
    /// Expected value, in the metric's unit (a rate for the rates).
    pub expected: f64,
    /// The values that would not have been anomalous at the threshold:
    /// lowest.
    pub interval_low: f64,
    /// Highest.
    pub interval_high: f64,
    /// Negative-binomial dispersion of the count (0 = Poisson), for
    /// invocations and cost; the rate's over-dispersion (intra-hour
    /// correlation, 0 = binomial) for the rates.
    pub dispersion: f64,
    /// Days of history the hour's model was fitted on.
    pub history_days: usize,
}

/// One hour of one function and metric out of line with its expectation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Anomaly {
    /// Function key.
    pub key: String,
    /// The metric.
    pub metric: Metric,
    /// Start of the hour, epoch seconds (UTC).
    pub hour: i64,
    /// Start of the hour as RFC 3339 (`2026-01-05T13:00:00Z`).
    pub hour_rfc3339: String,
    /// The hour's value.
    pub value: f64,
    /// What it was measured against.
    #[serde(flatten)]
    pub expectation: Expectation,
    /// For the rates: the events (errors, cold starts) and the trials
    /// (invocations) of the hour.
    pub events: Option<u64>,
    /// See `events`.
    pub trials: Option<u64>,
    /// The one-sided probability of a value at least this far out, under
    /// the model.
    pub p_value: f64,
    /// The standard-normal z with the same tail probability, signed by
    /// direction.
    pub score: f64,
    /// Up or down.
    pub direction: Direction,
    /// For cost: whether invocations or cost per invocation drove it.
    pub cause: Option<CostCause>,
}

/// Whether a function was scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    /// At least part of its series was scored.
    Scored,
    /// Less than [`MIN_HISTORY_HOURS`] of history: nothing is scored yet.
    InsufficientHistory,
}

/// What was found for one function.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyAnomalies {
    /// Function key.
    pub key: String,
    /// Anomalous hours, all metrics.
    pub anomalies: usize,
    /// Incidents.
    pub incidents: usize,
    /// Scored, or not enough history yet.
    pub status: KeyStatus,
    /// Hours from the function's first hour to its last.
    pub history_hours: usize,
    /// The first scored hour (RFC 3339); for a function not scored yet,
    /// when scoring will start if data keeps coming.
    pub scored_from: String,
}

/// Result of [`detect_anomalies`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnomalyReport {
    /// Incidents, most significant first.
    pub incidents: Vec<Incident>,
    /// Anomalous hours, most significant first.
    pub anomalies: Vec<Anomaly>,
    /// Every function of the input, most incidents first, then by key
    /// (functions with none are listed, so the UI can say "none", and so
    /// are those not scored yet).
    pub per_key: Vec<KeyAnomalies>,
    /// The score threshold used.
    pub threshold: f64,
    /// Its one-sided tail probability.
    pub p_threshold: f64,
    /// The lookback used, in weeks.
    pub lookback_weeks: usize,
}

impl AnomalyReport {
    /// Keeps what lies in or reaches into `[from, …)` (epoch seconds): the
    /// report of a window whose series were fetched with earlier weeks as
    /// history.
    pub fn since(mut self, from: i64) -> AnomalyReport {
        self.anomalies.retain(|a| a.hour >= from);
        self.incidents.retain(|i| i.end > from);
        for k in &mut self.per_key {
            k.anomalies = self.anomalies.iter().filter(|a| a.key == k.key).count();
            k.incidents = self.incidents.iter().filter(|i| i.key == k.key).count();
        }
        sort_keys(&mut self.per_key);
        self
    }
}

fn sort_keys(per_key: &mut [KeyAnomalies]) {
    per_key.sort_by(|a, b| {
        b.incidents
            .cmp(&a.incidents)
            .then_with(|| b.anomalies.cmp(&a.anomalies))
            .then_with(|| a.key.cmp(&b.key))
    });
}

/// Options of [`detect_anomalies`]; deserialises from a partial object
/// (missing fields keep their defaults, unknown fields are errors).
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnomalyOptions {
    /// Normal-equivalent score from which an hour is anomalous (default
    /// 4.5, one-sided p < 3.4 × 10⁻⁶).
    pub threshold: f64,
    /// Weeks of history each day is fitted on, at most (default 6, at
    /// least 1). Longer = steadier expectations, slower to follow a trend.
    pub lookback_weeks: usize,
}

impl Default for AnomalyOptions {
    fn default() -> Self {
        AnomalyOptions {
            threshold: 4.5,
            lookback_weeks: 6,
        }
    }
}

/// One function's dense hourly series (missing hours filled with 0).
pub(crate) struct KeySeries {
    pub(crate) first_hour: i64,
    pub(crate) invocations: Vec<u64>,
    pub(crate) errors: Vec<u64>,
    pub(crate) cold_starts: Vec<u64>,
    pub(crate) cost_usd: Vec<f64>,
}

fn rfc3339(hour: i64) -> String {
    DateTime::from_timestamp(hour, 0)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// Reads and densifies the frame: one series per key over the key's span.
fn read_series(frame: &DataFrame) -> Result<BTreeMap<String, KeySeries>> {
    let keys = frame_input::strings(frame, "key")?;
    let hours: Vec<Option<i64>> = frame_input::integers(frame, "hour")?.iter().collect();
    let column = |name: &str| -> Result<Vec<Option<f64>>> {
        Ok(frame_input::floats(frame, name)?.iter().collect())
    };
    let cost = column("cost_usd")?;
    let counts = [
        column("invocations")?,
        column("errors")?,
        column("cold_starts")?,
    ];
    const COUNT_NAMES: [&str; 3] = ["invocations", "errors", "cold_starts"];

    // key → hour → (invocations, errors, cold starts, cost)
    type Hour = (u64, u64, u64, f64);
    let mut rows: BTreeMap<&str, BTreeMap<i64, Hour>> = BTreeMap::new();
    for (row, (key, hour)) in keys.iter().zip(hours.iter()).enumerate() {
        let bad = |problem: String| AnomalyError::BadRow { row, problem };
        let key = key.ok_or_else(|| bad("`key` is null".into()))?;
        let hour = hour.ok_or_else(|| bad(format!("`hour` of key {key:?} is null")))?;
        if hour.rem_euclid(HOUR) != 0 {
            return Err(bad(format!(
                "`hour` {hour} of key {key:?} is not the start of an hour (a multiple of 3600 seconds)"
            )));
        }
        let mut n = [0u64; 3];
        for (m, values) in counts.iter().enumerate() {
            match values[row] {
                Some(v) if v.is_finite() && v >= 0.0 && v.fract() == 0.0 => n[m] = v as u64,
                v => {
                    return Err(bad(format!(
                        "`{}` of key {key:?} at hour {hour} is {}, expected a whole number ≥ 0",
                        COUNT_NAMES[m],
                        v.map_or("null".to_string(), |v| v.to_string())
                    )))
                }
            }
        }
        for m in 1..3 {
            if n[m] > n[0] {
                return Err(bad(format!(
                    "key {key:?} at hour {hour} has {} {} out of {} invocations",
                    n[m], COUNT_NAMES[m], n[0]
                )));
            }
        }
        let c = match cost[row] {
            Some(v) if v.is_finite() && v >= 0.0 => v,
            v => {
                return Err(bad(format!(
                    "`cost_usd` of key {key:?} at hour {hour} is {}, expected a finite number ≥ 0",
                    v.map_or("null".to_string(), |v| v.to_string())
                )))
            }
        };
        if rows
            .entry(key)
            .or_default()
            .insert(hour, (n[0], n[1], n[2], c))
            .is_some()
        {
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
        let mut s = KeySeries {
            first_hour: first,
            invocations: vec![0; len],
            errors: vec![0; len],
            cold_starts: vec![0; len],
            cost_usd: vec![0.0; len],
        };
        for (&hour, &(n, e, c, cost)) in &by_hour {
            let i = ((hour - first) / HOUR) as usize;
            (
                s.invocations[i],
                s.errors[i],
                s.cold_starts[i],
                s.cost_usd[i],
            ) = (n, e, c, cost);
        }
        out.insert(key.to_string(), s);
    }
    Ok(out)
}

/// Finds the incidents and anomalous hours of every function; see the
/// module documentation for the method.
///
/// `frame`: one row per key and hour — `key` (String), `hour` (integer,
/// epoch seconds UTC, a multiple of 3600), `invocations`, `errors`,
/// `cold_starts` (whole numbers ≥ 0, errors and cold starts at most the
/// invocations) and `cost_usd` (≥ 0). Hours missing between a key's first
/// and last hour had no invocations.
pub fn detect_anomalies(frame: &DataFrame, options: AnomalyOptions) -> Result<AnomalyReport> {
    if !(options.threshold.is_finite() && options.threshold > 0.0) {
        return Err(AnomalyError::Options(format!(
            "the threshold must be a positive score, got {}",
            options.threshold
        )));
    }
    if options.lookback_weeks < 1 {
        return Err(AnomalyError::Options(
            "lookback_weeks must be at least 1 (a week of history is the least that shows the weekly pattern), got 0".into(),
        ));
    }
    let p_threshold = faasight_stats::distributions::normal_upper_tail(options.threshold);
    let series = read_series(frame)?;
    let mut anomalies = Vec::new();
    let mut incidents = Vec::new();
    let mut per_key = Vec::with_capacity(series.len());
    for (key, s) in &series {
        let scored = model::score_key(s, options.lookback_weeks, p_threshold, options.threshold);
        let found: Vec<Anomaly> = scored
            .anomalies
            .into_iter()
            .map(|h| Anomaly {
                key: key.clone(),
                metric: h.metric,
                hour: s.first_hour + h.index as i64 * HOUR,
                hour_rfc3339: rfc3339(s.first_hour + h.index as i64 * HOUR),
                value: h.value,
                expectation: h.expectation,
                events: h.events,
                trials: h.trials,
                p_value: h.p_value,
                score: match h.direction {
                    Direction::Up => 1.0,
                    Direction::Down => -1.0,
                } * faasight_stats::distributions::z_of_tail(h.p_value),
                direction: h.direction,
                cause: h.cause,
            })
            .collect();
        let key_incidents = incidents::merge(&found);
        let len = s.invocations.len();
        let first_scored = s.first_hour + scored.first_scored as i64 * HOUR;
        per_key.push(KeyAnomalies {
            key: key.clone(),
            anomalies: found.len(),
            incidents: key_incidents.len(),
            status: if scored.first_scored < len {
                KeyStatus::Scored
            } else {
                KeyStatus::InsufficientHistory
            },
            history_hours: len,
            scored_from: rfc3339(first_scored),
        });
        anomalies.extend(found);
        incidents.extend(key_incidents);
    }
    anomalies.sort_by(|a, b| {
        a.p_value
            .total_cmp(&b.p_value)
            .then_with(|| a.key.cmp(&b.key))
            .then_with(|| a.metric.cmp(&b.metric))
            .then_with(|| a.hour.cmp(&b.hour))
    });
    incidents.sort_by(|a, b| {
        a.p_value
            .total_cmp(&b.p_value)
            .then_with(|| a.key.cmp(&b.key))
            .then_with(|| a.start.cmp(&b.start))
    });
    sort_keys(&mut per_key);
    Ok(AnomalyReport {
        incidents,
        anomalies,
        per_key,
        threshold: options.threshold,
        p_threshold,
        lookback_weeks: options.lookback_weeks,
    })
}
