//! The query behind a metrics panel: the points of one metric, one row
//! per series, series start and time step.
//!
//! ClickHouse does the heavy part — the tenant, time, metric and service
//! filters, the attribute filters, and per series and step the last
//! cumulative point (`argMax` by time) and the sums of delta points —
//! and faasight the rest (`series.rs`): differencing cumulative points,
//! resets, rates and quantiles, which need the previous step's row and so
//! window functions that ClickHouse 18.16 lacks.
//!
//! Everything a file names (metric, service, attribute keys and values)
//! is a bound parameter, like the viewer's tenant and range: the SQL is
//! the same text for every value, and no value can change its meaning.

use super::MetricQuery;
use crate::dashboards::{BoundSql, Param};

/// The columns of the query, in order, with their ClickHouse types: what
/// [`PointRow`] reads (RowBinary is positional) and what the current
/// engine is checked to answer (`tests/chdb_check.py`).
pub const COLUMNS: [(&str, &str); 31] = [
    ("series", "UInt64"),
    ("series_start", "UInt64"),
    ("point_type", "String"),
    ("point_temporality", "Int8"),
    ("monotonic", "UInt8"),
    ("bounds", "Array(Float64)"),
    ("scale", "Int32"),
    ("positive_offset", "Int32"),
    ("negative_offset", "Int32"),
    ("group_values", "Array(String)"),
    ("step_index", "UInt32"),
    ("point_unit", "String"),
    ("last_time", "UInt64"),
    ("last_value", "Float64"),
    ("last_count", "UInt64"),
    ("last_sum", "Float64"),
    ("last_buckets", "Array(UInt64)"),
    ("last_zero", "UInt64"),
    ("last_positive", "Array(UInt64)"),
    ("last_negative", "Array(UInt64)"),
    ("value_total", "Float64"),
    ("value_points", "UInt64"),
    ("value_min", "Float64"),
    ("value_max", "Float64"),
    ("count_total", "UInt64"),
    ("sum_total", "Float64"),
    ("buckets_total", "Array(UInt64)"),
    ("zero_total", "UInt64"),
    ("positive_total", "Array(UInt64)"),
    ("negative_total", "Array(UInt64)"),
    ("delta_span", "UInt64"),
];

/// One row of the query (see [`COLUMNS`]): one series' points in one
/// time step.
#[derive(Debug, Clone, Default, PartialEq, clickhouse::Row, serde::Deserialize)]
pub(crate) struct PointRow {
    /// A hash of the series' identity: service, scope, resource and point
    /// attributes.
    pub series: u64,
    /// A cumulative series' start time (ns), 0 for the other kinds: a new
    /// start is a reset.
    pub series_start: u64,
    /// `gauge`, `sum`, `histogram`, `exponential_histogram`, `summary`.
    pub point_type: String,
    /// 1 delta, 2 cumulative, 0 unspecified (gauges, summaries).
    pub point_temporality: i8,
    /// 1 for a monotonic sum.
    pub monotonic: u8,
    /// A histogram's explicit bounds.
    pub bounds: Vec<f64>,
    /// An exponential histogram's scale and bucket offsets.
    pub scale: i32,
    pub positive_offset: i32,
    pub negative_offset: i32,
    /// The values of the panel's `group_by` keys.
    pub group_values: Vec<String>,
    /// 0 for the step before the range, k for the k-th step of the range.
    pub step_index: u32,
    /// The metric's unit as sent (`s`, `{request}`, `1`).
    pub point_unit: String,
    /// The latest point's time (ns) and its values (cumulative kinds and
    /// gauges' last value).
    pub last_time: u64,
    pub last_value: f64,
    pub last_count: u64,
    pub last_sum: f64,
    pub last_buckets: Vec<u64>,
    pub last_zero: u64,
    pub last_positive: Vec<u64>,
    pub last_negative: Vec<u64>,
    /// Every point's value (NaN ones left out): sum, how many, min, max.
    pub value_total: f64,
    pub value_points: u64,
    pub value_min: f64,
    pub value_max: f64,
    /// Sums over the points (delta kinds).
    pub count_total: u64,
    pub sum_total: f64,
    pub buckets_total: Vec<u64>,
    pub zero_total: u64,
    pub positive_total: Vec<u64>,
    pub negative_total: Vec<u64>,
    /// The time the delta points cover, ns (their end − start, summed).
    pub delta_span: u64,
}

/// An attribute's value by key `k`: the point's attribute, else the
/// resource's, else (for `service.name`) the service column, else ''.
const LOOKUP: &str =
    "k -> if(has(attribute_keys, k), attribute_values[indexOf(attribute_keys, k)], \
     if(has(resource_keys, k), resource_values[indexOf(resource_keys, k)], \
     if(k = 'service.name', service_name, '')))";

/// The query for `m`, with the parameters to bind in order.
pub(crate) fn build(m: &MetricQuery) -> BoundSql {
    let mut params = Vec::new();
    let text = |params: &mut Vec<Param>, values: &mut dyn Iterator<Item = &String>| {
        let list: Vec<&str> = values
            .map(|v| {
                params.push(Param::Text(v.clone()));
                "toString(?)"
            })
            .collect();
        format!("[{}]", list.join(", "))
    };
    let groups = if m.group_by.is_empty() {
        "emptyArrayString()".to_string()
    } else {
        format!(
            "arrayMap({LOOKUP}, {})",
            text(&mut params, &mut m.group_by.iter())
        )
    };
    params.extend([Param::Step, Param::From, Param::Step]);
    params.extend([
        Param::Tenant,
        Param::Text(m.metric.clone()),
        Param::From,
        Param::Step,
        Param::To,
    ]);
    let mut filters = String::new();
    if let Some(service) = &m.service {
        params.push(Param::Text(service.clone()));
        filters.push_str("\n  AND service_name = ?");
    }
    if !m.filters.is_empty() {
        let keys = text(&mut params, &mut m.filters.iter().map(|(k, _)| k));
        let values = text(&mut params, &mut m.filters.iter().map(|(_, v)| v));
        filters.push_str(&format!("\n  AND arrayMap({LOOKUP}, {keys}) = {values}"));
    }
    let sql = format!(
        "-- The points of one metric per series and time step, for a metrics panel: per\n\
         -- series (service, scope, resource and point attributes) and step, the last\n\
         -- cumulative point and the sums of delta points. faasight works out increases,\n\
         -- resets, rates and quantiles from these rows. Step 0 is the step before the\n\
         -- range, which cumulative points are differenced against.\n\
         SELECT\n    \
             cityHash64(service_name, scope_name, resource_keys, resource_values, attribute_keys, attribute_values) AS series,\n    \
             if(temporality = 2, start_time_unix_nano, toUInt64(0)) AS series_start,\n    \
             metric_type AS point_type,\n    \
             temporality AS point_temporality,\n    \
             is_monotonic AS monotonic,\n    \
             explicit_bounds AS bounds,\n    \
             exp_scale AS scale,\n    \
             exp_positive_offset AS positive_offset,\n    \
             exp_negative_offset AS negative_offset,\n    \
             {groups} AS group_values,\n    \
             toUInt32(intDiv(toUInt32(timestamp) + ? - toUInt32(toDateTime(?)), ?)) AS step_index,\n    \
             any(metric_unit) AS point_unit,\n    \
             max(time_unix_nano) AS last_time,\n    \
             argMax(value, time_unix_nano) AS last_value,\n    \
             argMax(count, time_unix_nano) AS last_count,\n    \
             argMax(sum, time_unix_nano) AS last_sum,\n    \
             argMax(bucket_counts, time_unix_nano) AS last_buckets,\n    \
             argMax(exp_zero_count, time_unix_nano) AS last_zero,\n    \
             argMax(exp_positive_counts, time_unix_nano) AS last_positive,\n    \
             argMax(exp_negative_counts, time_unix_nano) AS last_negative,\n    \
             sumIf(value, NOT isNaN(value)) AS value_total,\n    \
             countIf(NOT isNaN(value)) AS value_points,\n    \
             minIf(value, NOT isNaN(value)) AS value_min,\n    \
             maxIf(value, NOT isNaN(value)) AS value_max,\n    \
             sum(count) AS count_total,\n    \
             sum(sum) AS sum_total,\n    \
             sumForEach(bucket_counts) AS buckets_total,\n    \
             sum(exp_zero_count) AS zero_total,\n    \
             sumForEach(exp_positive_counts) AS positive_total,\n    \
             sumForEach(exp_negative_counts) AS negative_total,\n    \
             sumIf(toUInt64(time_unix_nano - start_time_unix_nano), start_time_unix_nano > 0 AND start_time_unix_nano < time_unix_nano) AS delta_span\n\
         FROM metrics\n\
         WHERE tenant = ?\n  \
           AND metric_name = ?\n  \
           AND timestamp >= toDateTime(?) - ? AND timestamp < toDateTime(?){filters}\n\
         GROUP BY series, series_start, point_type, point_temporality, monotonic, bounds, scale,\n    \
             positive_offset, negative_offset, group_values, step_index"
    );
    BoundSql { sql, params }
}
