//! Consecutive anomalous hours of one function become one incident: one
//! alert for one event, with its start, end and size, instead of an alert
//! per hour and metric (a traffic spike is also a cost spike).

use super::{Anomaly, Direction, Metric, HOUR};
use serde::Serialize;
use std::collections::BTreeMap;

/// What one metric did during an incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentMetric {
    /// The metric.
    pub metric: Metric,
    /// Direction of its most significant hour.
    pub direction: Direction,
    /// Its anomalous hours.
    pub hours: usize,
    /// The size over those hours, in the metric's own count: extra (or
    /// missing, negative) invocations; extra errors or cold starts beyond
    /// the usual rate of the hours' invocations; extra dollars.
    pub excess: f64,
    /// Unit of `excess`: `invocations`, `errors`, `cold_starts`, `usd`.
    pub excess_unit: &'static str,
    /// Its highest |score|, signed.
    pub peak_score: f64,
}

impl IncidentMetric {
    /// The size with its sign and unit, as every view shows it: `+36
    /// invocations`, `+6 cold starts`, `+0.000487 USD`.
    pub fn size_text(&self) -> String {
        match self.excess_unit {
            "usd" => format!("{:+.6} USD", self.excess),
            unit => format!("{:+.0} {}", self.excess, unit.replace('_', " ")),
        }
    }
}

/// Consecutive anomalous hours of one function.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    /// Function key.
    pub key: String,
    /// First anomalous hour, epoch seconds.
    pub start: i64,
    /// The hour after the last anomalous one (exclusive), epoch seconds.
    pub end: i64,
    /// `start` as RFC 3339.
    pub start_rfc3339: String,
    /// `end` as RFC 3339.
    pub end_rfc3339: String,
    /// Hours from start to end.
    pub hours: usize,
    /// What each metric did, most significant first.
    pub metrics: Vec<IncidentMetric>,
    /// The smallest p-value of its hours.
    pub p_value: f64,
    /// The highest |score| of its hours.
    pub peak_score: f64,
}

fn excess_of(a: &Anomaly) -> f64 {
    match (a.metric, a.trials) {
        (Metric::ErrorRate | Metric::ColdStartRate, Some(n)) => {
            (a.value - a.expectation.expected) * n as f64
        }
        _ => a.value - a.expectation.expected,
    }
}

/// Merges the anomalies of one function (any order) into incidents.
pub(crate) fn merge(anomalies: &[Anomaly]) -> Vec<Incident> {
    let mut by_hour: BTreeMap<i64, Vec<&Anomaly>> = BTreeMap::new();
    for a in anomalies {
        by_hour.entry(a.hour).or_default().push(a);
    }
    let mut runs: Vec<Vec<&Anomaly>> = Vec::new();
    let mut last_hour = None;
    for (hour, found) in by_hour {
        match (last_hour, runs.last_mut()) {
            (Some(h), Some(run)) if hour == h + HOUR => run.extend(found),
            _ => runs.push(found),
        }
        last_hour = Some(hour);
    }
    runs.into_iter()
        .map(|run| {
            let start = run.iter().map(|a| a.hour).min().unwrap_or_default();
            let end = run.iter().map(|a| a.hour).max().unwrap_or_default() + HOUR;
            let mut metrics: BTreeMap<Metric, IncidentMetric> = BTreeMap::new();
            for a in &run {
                let m = metrics.entry(a.metric).or_insert(IncidentMetric {
                    metric: a.metric,
                    direction: a.direction,
                    hours: 0,
                    excess: 0.0,
                    excess_unit: match a.metric {
                        Metric::Invocations => "invocations",
                        Metric::ErrorRate => "errors",
                        Metric::ColdStartRate => "cold_starts",
                        Metric::CostUsd => "usd",
                    },
                    peak_score: 0.0,
                });
                m.hours += 1;
                m.excess += excess_of(a);
                if a.score.abs() > m.peak_score.abs() {
                    m.peak_score = a.score;
                    m.direction = a.direction;
                }
            }
            let mut metrics: Vec<IncidentMetric> = metrics.into_values().collect();
            metrics.sort_by(|a, b| b.peak_score.abs().total_cmp(&a.peak_score.abs()));
            Incident {
                key: run[0].key.clone(),
                start,
                end,
                start_rfc3339: super::rfc3339(start),
                end_rfc3339: super::rfc3339(end),
                hours: ((end - start) / HOUR) as usize,
                p_value: run.iter().map(|a| a.p_value).fold(1.0, f64::min),
                peak_score: metrics.first().map_or(0.0, |m| m.peak_score.abs()),
                metrics,
            }
        })
        .collect()
}
