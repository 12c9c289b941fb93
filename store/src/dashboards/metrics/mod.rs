//! Metrics panels: a chart of one OpenTelemetry metric from the `metrics`
//! table (migrations/0009_metrics.sql), declared rather than written as
//! SQL.
//!
//! ```toml
//! [[panel]]
//! title = "Ingest request latency p95"
//! kind = "metrics"
//! metric = "http.server.request.duration"
//! aggregate = "p95"
//! group_by = ["http.route"]                   # optional
//! service = "faasight-collector"              # optional
//! where = { "http.request.method" = "POST" }  # optional
//! unit = "s"                                  # optional: the metric's own
//! ```
//!
//! The result is a time series, one line per group: the range is cut into
//! steps (see [`step_seconds`]) and each line has one value per step.
//! Group and filter keys are attribute keys: the point's attribute, else
//! the resource's (`service.name` also matches the service column).
//!
//! What each aggregate means, by the metric's kind (a kind that does not
//! take the panel's aggregate is an error on the panel):
//!
//! | aggregate | histogram (explicit or exponential) | sum | gauge |
//! |---|---|---|---|
//! | `p50` `p90` `p95` `p99` (any `pNN`) | quantile estimated from the buckets counted in the step | — | — |
//! | `rate` | observations per second | increase per second | — |
//! | `increase` | observations in the step | increase in the step | — |
//! | `avg` | sum / count of the observations in the step | (cumulative) mean of the running total | mean of the values in the step |
//! | `last` `max` `min` | — | (cumulative) of the running total | of the values in the step |
//!
//! Cumulative points are differenced per series, with resets (see
//! `series.rs`); delta points are summed. The series of a group are then
//! added up: rates and increases are summed, histograms merged before a
//! quantile is taken, `last` is the sum of each series' last value (the
//! total of a level kept per instance), `avg`, `max` and `min` are over
//! every point of the group. Summaries take `rate`, `increase` and `avg`
//! (from their count and sum): their quantiles are per series and cannot
//! be combined.

mod histogram;
mod series;
pub(crate) mod sql;

use super::run::{bind_params, PanelData, MAX_EXECUTION_SECONDS, MAX_ROWS};
use super::{BoundSql, Column, Panel};
use crate::{Error, Result, Store};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

pub use sql::COLUMNS;

/// How a metrics panel reduces a metric to one value per group and step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(into = "String")]
pub enum Aggregate {
    /// A quantile of a histogram, in percent (`p95` is 95), 0 < p < 100.
    Quantile(f64),
    /// Increase per second (sums), observations per second (histograms).
    Rate,
    /// Increase in the step (sums), observations in the step (histograms).
    Increase,
    /// Mean: of the observations (histograms), of the values (gauges).
    Avg,
    /// The last value in the step (gauges), summed over the series.
    Last,
    /// The highest value in the step (gauges).
    Max,
    /// The lowest value in the step (gauges).
    Min,
}

impl Aggregate {
    /// The words the error messages list.
    pub const NAMES: &'static str = "p50, p90, p95, p99 (or any pNN between p0 and p100) for \
        histograms, rate and increase for sums and histograms, avg for histograms and gauges, \
        last, max and min for gauges";

    /// The aggregate named `name` in a file: `p95`, `p99.9`, `rate`...
    pub fn from_name(name: &str) -> Option<Aggregate> {
        Some(match name {
            "rate" => Aggregate::Rate,
            "increase" => Aggregate::Increase,
            "avg" => Aggregate::Avg,
            "last" => Aggregate::Last,
            "max" => Aggregate::Max,
            "min" => Aggregate::Min,
            _ => {
                let digits = name.strip_prefix('p')?;
                if !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                    return None;
                }
                let p: f64 = digits.parse().ok()?;
                if !(p > 0.0 && p < 100.0) {
                    return None;
                }
                Aggregate::Quantile(p)
            }
        })
    }

    /// The name as written in files.
    pub fn name(self) -> String {
        match self {
            Aggregate::Quantile(p) => format!("p{p}"),
            Aggregate::Rate => "rate".into(),
            Aggregate::Increase => "increase".into(),
            Aggregate::Avg => "avg".into(),
            Aggregate::Last => "last".into(),
            Aggregate::Max => "max".into(),
            Aggregate::Min => "min".into(),
        }
    }
}

impl From<Aggregate> for String {
    fn from(a: Aggregate) -> String {
        a.name()
    }
}

impl std::fmt::Display for Aggregate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// What a metrics panel charts: a metric, how to aggregate it, and the
/// optional grouping and filters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricQuery {
    /// The metric's name, e.g. `http.server.request.duration`.
    pub metric: String,
    /// How points become one value per group and step.
    pub aggregate: Aggregate,
    /// Attribute keys whose values make the groups (one line each); no
    /// keys: one line.
    pub group_by: Vec<String>,
    /// Only points of this service (`service_name`), if given.
    pub service: Option<String>,
    /// Only points whose attributes have these values (`where` in the
    /// file), sorted by key.
    pub filters: Vec<(String, String)>,
}

impl MetricQuery {
    /// The query with its parameters, in order.
    pub fn bound(&self) -> BoundSql {
        sql::build(self)
    }
}

/// The time step of a metrics panel over `[from, to)`: the shortest of
/// 1, 2, 5, 10, 15, 30 minutes, 1, 2, 3, 6, 12 hours and 1 day that
/// gives at most 200 points (one minute at least: shorter than the usual
/// export interval would leave steps without a point).
pub fn step_seconds(from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
    const STEPS: [u32; 12] = [
        60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400,
    ];
    let window = (to - from).num_seconds().max(1);
    STEPS
        .into_iter()
        .find(|&s| window <= 200 * i64::from(s))
        .unwrap_or_else(|| {
            let days = (window + 200 * 86_400 - 1) / (200 * 86_400);
            u32::try_from(days * 86_400).unwrap_or(u32::MAX)
        })
}

/// Most lines a metrics panel draws: the groups with the largest values
/// first (a chart with more is not readable).
pub const MAX_LINES: usize = 12;

/// Most rows the query may return (series × steps): more means too many
/// series to chart, and a `where` or `service` should narrow them.
pub const MAX_POINT_ROWS: usize = 200_000;

/// Runs a metrics panel: the query, then the arithmetic of `series.rs`.
/// The result is shaped like a line panel's rows: a `time` column (the
/// start of each step) and one `Nullable(Float64)` column per group
/// (null where the group has no value at that step). No points is no
/// rows, not an error.
pub(super) async fn run(
    store: &Store,
    panel: &Panel,
    m: &MetricQuery,
    tenant: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<PanelData> {
    let what = format!("dashboard panel {:?}", panel.title);
    let bound = sql::build(m);
    let step = step_seconds(from, to);
    let query = bind_params(
        store.client().query(&bound.sql),
        &bound.params,
        tenant,
        from,
        to,
    );
    let rows: Vec<sql::PointRow> = query
        .with_setting("max_result_rows", (MAX_POINT_ROWS + 1).to_string())
        .with_setting("result_overflow_mode", "break")
        .with_setting("max_execution_time", MAX_EXECUTION_SECONDS.to_string())
        .with_setting("wait_end_of_query", "1")
        .fetch_all()
        .await
        .map_err(|e| Error::query(what.clone(), e))?;
    let fail = |message: String| {
        Error::query(
            what.clone(),
            clickhouse::error::Error::InvalidParams(message.into()),
        )
    };
    if rows.len() > MAX_POINT_ROWS {
        return Err(fail(format!(
            "metric {:?} has more than {MAX_POINT_ROWS} series × time steps in the range; \
             narrow the panel with `service` or `where`",
            m.metric
        )));
    }
    let range_start_ns = u64::try_from(from.timestamp() - i64::from(step))
        .unwrap_or(0)
        .saturating_mul(1_000_000_000);
    let grouped = series::compute(&rows, m.aggregate, step, range_start_ns)
        .map_err(|problem| fail(format!("metric {:?} {problem}", m.metric)))?;
    let mut data = shape(m, grouped, from, step);
    data.unit = rows
        .first()
        .map(|r| display_unit(&r.point_unit, &r.point_type, m.aggregate));
    Ok(data)
}

/// The groups' values as a line panel's rows, at most [`MAX_LINES`]
/// lines (those with the largest mean absolute value; a note says how
/// many were left out).
fn shape(m: &MetricQuery, grouped: series::Grouped, from: DateTime<Utc>, step: u32) -> PanelData {
    let mut lines: Vec<(String, BTreeMap<u32, f64>)> = grouped
        .into_iter()
        .map(|(values, points)| (label(m, &values), points))
        .collect();
    let all = lines.len();
    if all > MAX_LINES {
        let size =
            |p: &BTreeMap<u32, f64>| p.values().map(|v| v.abs()).sum::<f64>() / p.len() as f64;
        lines.sort_by(|a, b| size(&b.1).total_cmp(&size(&a.1)).then(a.0.cmp(&b.0)));
        lines.truncate(MAX_LINES);
        lines.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let mut columns = vec![Column {
        name: "time".into(),
        type_name: "DateTime('UTC')".into(),
    }];
    columns.extend(lines.iter().map(|(name, _)| Column {
        name: name.clone(),
        type_name: "Nullable(Float64)".into(),
    }));
    let mut indexes: Vec<u32> = lines.iter().flat_map(|(_, p)| p.keys().copied()).collect();
    indexes.sort_unstable();
    indexes.dedup();
    let rows = indexes
        .iter()
        .take(MAX_ROWS)
        .map(|&k| {
            let start = from + chrono::Duration::seconds(i64::from(step) * (i64::from(k) - 1));
            let mut row = vec![serde_json::Value::String(
                start.format("%Y-%m-%d %H:%M:%S").to_string(),
            )];
            row.extend(lines.iter().map(|(_, p)| {
                p.get(&k)
                    .and_then(|v| serde_json::Number::from_f64(*v))
                    .map_or(serde_json::Value::Null, serde_json::Value::Number)
            }));
            row
        })
        .collect();
    PanelData {
        columns,
        rows,
        truncated: indexes.len() > MAX_ROWS,
        unit: None,
        note: (all > MAX_LINES)
            .then(|| format!("Only the {MAX_LINES} largest of {all} groups are drawn.")),
    }
}

/// A group's line name: its `group_by` values (`(none)` for a key the
/// series lacks), or the aggregate's name without a `group_by`.
fn label(m: &MetricQuery, values: &[String]) -> String {
    if m.group_by.is_empty() {
        return m.aggregate.name();
    }
    values
        .iter()
        .map(|v| if v.is_empty() { "(none)" } else { v.as_str() })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The unit of a panel's values from the metric's own (UCUM, as
/// OpenTelemetry writes it): `s` stays `s`, `{request}` reads `request`,
/// `1` (a plain number) nothing; a rate is per second, and a histogram's
/// rate or increase counts observations, not the metric's unit.
pub fn display_unit(metric_unit: &str, point_type: &str, aggregate: Aggregate) -> String {
    let unit = match metric_unit.trim() {
        "1" => String::new(),
        u => u.trim_start_matches('{').trim_end_matches('}').to_string(),
    };
    let counts = matches!(
        point_type,
        "histogram" | "exponential_histogram" | "summary"
    );
    match aggregate {
        Aggregate::Rate if counts => "/s".into(),
        Aggregate::Rate => format!("{unit}/s"),
        Aggregate::Increase if counts => String::new(),
        _ => unit,
    }
}

/// The fields of a `[[panel]]` that make a metrics panel, checked; each
/// error comes with the byte offset it is about and is phrased to follow
/// `panel "Title" `.
pub(super) struct RawMetric {
    pub metric: toml::Spanned<String>,
    pub aggregate: Option<toml::Spanned<String>>,
    pub group_by: Option<toml::Spanned<Vec<String>>>,
    pub service: Option<toml::Spanned<String>>,
    pub filters: Option<toml::Spanned<BTreeMap<String, Scalar>>>,
}

/// A `where` value: attribute values are compared as text, so numbers and
/// booleans are written as OpenTelemetry prints them.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub(super) enum Scalar {
    Text(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Text(s) => s.clone(),
            Scalar::Integer(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

impl RawMetric {
    pub(super) fn check(self, kind_offset: usize) -> Result<MetricQuery, (usize, String)> {
        let metric_at = self.metric.span().start;
        let metric = self.metric.into_inner();
        if metric.trim().is_empty() {
            return Err((metric_at, "has an empty metric".into()));
        }
        let aggregate = match self.aggregate {
            None => {
                return Err((
                    kind_offset,
                    format!(
                        "charts metric {metric:?} without an aggregate; add aggregate = one \
                         of {}",
                        Aggregate::NAMES
                    ),
                ))
            }
            Some(a) => Aggregate::from_name(a.get_ref()).ok_or_else(|| {
                (
                    a.span().start,
                    format!(
                        "has aggregate {:?}; the aggregates are {}",
                        a.get_ref(),
                        Aggregate::NAMES
                    ),
                )
            })?,
        };
        let mut group_by = Vec::new();
        if let Some(keys) = self.group_by {
            let at = keys.span().start;
            for key in keys.into_inner() {
                if key.trim().is_empty() {
                    return Err((at, "has an empty key in group_by".into()));
                }
                if group_by.contains(&key) {
                    return Err((at, format!("has {key:?} twice in group_by")));
                }
                group_by.push(key);
            }
        }
        let service = match self.service {
            Some(s) if s.get_ref().trim().is_empty() => {
                return Err((
                    s.span().start,
                    "has an empty service; remove the key to chart every service".into(),
                ))
            }
            s => s.map(|s| s.into_inner()),
        };
        let mut filters = Vec::new();
        if let Some(table) = self.filters {
            let at = table.span().start;
            for (key, value) in table.into_inner() {
                if key.trim().is_empty() {
                    return Err((at, "has an empty attribute key in where".into()));
                }
                filters.push((key, value.text()));
            }
        }
        Ok(MetricQuery {
            metric,
            aggregate,
            group_by,
            service,
            filters,
        })
    }
}

#[cfg(test)]
mod tests;
