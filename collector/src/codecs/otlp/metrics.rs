//! OTLP metrics to rows: one `MetricRow` per data point of a gauge, sum,
//! histogram, exponential histogram or summary, following the metrics data
//! model (<https://opentelemetry.io/docs/specs/otel/metrics/data-model/>)
//! and opentelemetry-proto's `metrics.proto`.
//!
//! Resource and point attributes, the service name and the tenant are taken
//! as for spans. A point is refused (counted in `rejected_points`, its
//! reason in `errors`) when it cannot be stored as it is meant: its metric
//! has no name, it has no time or one past 2106-02-07, or it is a histogram
//! whose `bucket_counts` are not one more than its `explicit_bounds` (or
//! both empty) or whose bounds are not increasing numbers. Exemplars are
//! kept (time, value, trace and span id; an id of the wrong length is left
//! empty, their filtered attributes are not stored).

use super::*;
use faasight_store::MetricRow;
use opentelemetry_proto::tonic::metrics::v1::{exemplar, number_data_point};

/// What a metric gives every row of its points.
pub(super) struct MetricInfo {
    name: String,
    description: String,
    unit: String,
    kind: &'static str,
    temporality: i8,
    is_monotonic: u8,
}

impl MetricInfo {
    /// The metric's name.
    pub(super) fn name(&self) -> &str {
        &self.name
    }

    /// The metric's kind (`gauge`, ...; "" without data).
    pub(super) fn kind(&self) -> &'static str {
        self.kind
    }

    /// The metric's fields without its points, and the points.
    pub(super) fn split(metric: Metric) -> (MetricInfo, Option<MetricData>) {
        let (kind, temporality, is_monotonic) = match &metric.data {
            Some(MetricData::Gauge(_)) => ("gauge", 0, false),
            Some(MetricData::Sum(s)) => ("sum", s.aggregation_temporality, s.is_monotonic),
            Some(MetricData::Histogram(h)) => ("histogram", h.aggregation_temporality, false),
            Some(MetricData::ExponentialHistogram(h)) => {
                ("exponential_histogram", h.aggregation_temporality, false)
            }
            Some(MetricData::Summary(_)) => ("summary", 0, false),
            None => ("", 0, false),
        };
        let info = MetricInfo {
            name: metric.name,
            description: metric.description,
            unit: metric.unit,
            kind,
            // An unknown number is stored as unspecified.
            temporality: i8::try_from(temporality)
                .ok()
                .filter(|t| (0..=2).contains(t))
                .unwrap_or_default(),
            is_monotonic: u8::from(is_monotonic),
        };
        (info, metric.data)
    }

    /// What the metric's own strings add to each of its rows.
    pub(super) fn row_bytes(metric: &Metric) -> usize {
        metric.name.len()
            + metric.description.len()
            + metric.unit.len()
            + "exponential_histogram".len()
    }
}

/// The data points of a metric, without decoding anything.
pub(super) fn points(data: Option<&MetricData>) -> usize {
    match data {
        Some(MetricData::Gauge(g)) => g.data_points.len(),
        Some(MetricData::Sum(s)) => s.data_points.len(),
        Some(MetricData::Histogram(h)) => h.data_points.len(),
        Some(MetricData::ExponentialHistogram(h)) => h.data_points.len(),
        Some(MetricData::Summary(s)) => s.data_points.len(),
        None => 0,
    }
}

/// Where a metric's rows go: the resource's and scope's shares, and the tenant.
pub(super) struct Context<'a> {
    pub(super) res: &'a ResourceInfo,
    pub(super) scope_name: &'a str,
    pub(super) scope_version: &'a str,
    pub(super) tenant: &'a str,
}

/// The fields every point has: its attributes, times and flags.
struct Common {
    attributes: Vec<KeyValue>,
    start_time_unix_nano: u64,
    time_unix_nano: u64,
    flags: u32,
    exemplars: Vec<Exemplar>,
}

/// Calls `emit` with the row of each point of `data`, or with why the
/// point is refused. The metric has a name (see `build_metrics`).
pub(super) fn metric_rows(
    info: &MetricInfo,
    data: MetricData,
    ctx: &Context<'_>,
    emit: &mut dyn FnMut(Result<MetricRow, String>) -> Result<(), OtlpError>,
) -> Result<(), OtlpError> {
    let name = short(&info.name);
    let point_error = |i: usize, what: &str| format!("metric {name:?}, data point {i}: {what}");
    match data {
        MetricData::Gauge(g) => {
            for (i, p) in g.data_points.into_iter().enumerate() {
                emit(number_row(info, ctx, p).map_err(|e| point_error(i, &e)))?;
            }
        }
        MetricData::Sum(s) => {
            for (i, p) in s.data_points.into_iter().enumerate() {
                emit(number_row(info, ctx, p).map_err(|e| point_error(i, &e)))?;
            }
        }
        MetricData::Histogram(h) => {
            for (i, p) in h.data_points.into_iter().enumerate() {
                emit(histogram_row(info, ctx, p).map_err(|e| point_error(i, &e)))?;
            }
        }
        MetricData::ExponentialHistogram(h) => {
            for (i, p) in h.data_points.into_iter().enumerate() {
                emit(exponential_row(info, ctx, p).map_err(|e| point_error(i, &e)))?;
            }
        }
        MetricData::Summary(s) => {
            for (i, p) in s.data_points.into_iter().enumerate() {
                emit(summary_row(info, ctx, p).map_err(|e| point_error(i, &e)))?;
            }
        }
    }
    Ok(())
}

/// A row with the metric's, resource's, scope's and point's common fields;
/// the kind's own fields at their defaults (`min`, `max`, `value` NaN).
fn base_row(info: &MetricInfo, ctx: &Context<'_>, p: Common) -> Result<MetricRow, String> {
    if p.time_unix_nano == 0 {
        return Err("timeUnixNano is missing".to_string());
    }
    let timestamp = seconds(p.time_unix_nano).ok_or_else(|| {
        format!(
            "timeUnixNano {} is past 2106-02-07, the last time stored",
            p.time_unix_nano
        )
    })?;
    let (attribute_keys, attribute_values) = flatten(&p.attributes);
    let mut row = MetricRow {
        tenant: ctx.tenant.to_string(),
        timestamp,
        time_unix_nano: p.time_unix_nano,
        start_time_unix_nano: p.start_time_unix_nano,
        service_name: ctx.res.service_name.clone(),
        metric_name: info.name.clone(),
        metric_description: info.description.clone(),
        metric_unit: info.unit.clone(),
        metric_type: info.kind.to_string(),
        temporality: info.temporality,
        is_monotonic: info.is_monotonic,
        resource_keys: ctx.res.keys.clone(),
        resource_values: ctx.res.values.clone(),
        scope_name: ctx.scope_name.to_string(),
        scope_version: ctx.scope_version.to_string(),
        attribute_keys,
        attribute_values,
        value: f64::NAN,
        min: f64::NAN,
        max: f64::NAN,
        flags: p.flags,
        // `batch_id` and `batch_row` are the sink's.
        ..Default::default()
    };
    for e in &p.exemplars {
        row.exemplar_time_unix_nano.push(e.time_unix_nano);
        row.exemplar_values.push(match e.value {
            Some(exemplar::Value::AsDouble(d)) => d,
            Some(exemplar::Value::AsInt(i)) => i as f64,
            None => f64::NAN,
        });
        // An exemplar's ids are optional: a malformed one is left empty.
        row.exemplar_trace_ids
            .push(id_hex(&e.trace_id, 16).unwrap_or_default());
        row.exemplar_span_ids
            .push(id_hex(&e.span_id, 8).unwrap_or_default());
    }
    Ok(row)
}

fn number_row(
    info: &MetricInfo,
    ctx: &Context<'_>,
    p: NumberDataPoint,
) -> Result<MetricRow, String> {
    let value = match p.value {
        Some(number_data_point::Value::AsDouble(d)) => d,
        Some(number_data_point::Value::AsInt(i)) => i as f64,
        None => f64::NAN,
    };
    let common = Common {
        attributes: p.attributes,
        start_time_unix_nano: p.start_time_unix_nano,
        time_unix_nano: p.time_unix_nano,
        flags: p.flags,
        exemplars: p.exemplars,
    };
    Ok(MetricRow {
        value,
        ..base_row(info, ctx, common)?
    })
}

fn histogram_row(
    info: &MetricInfo,
    ctx: &Context<'_>,
    p: HistogramDataPoint,
) -> Result<MetricRow, String> {
    let (buckets, bounds) = (p.bucket_counts.len(), p.explicit_bounds.len());
    if !(buckets == bounds + 1 || (buckets == 0 && bounds == 0)) {
        return Err(format!(
            "a histogram with {buckets} bucketCounts for {bounds} explicitBounds \
             (there must be one more bucket than bounds, or neither)"
        ));
    }
    if p.explicit_bounds.iter().any(|b| b.is_nan()) {
        return Err("a histogram with NaN among its explicitBounds".to_string());
    }
    if let Some(w) = p.explicit_bounds.windows(2).find(|w| w[0] >= w[1]) {
        return Err(format!(
            "a histogram whose explicitBounds do not increase ({} then {})",
            w[0], w[1]
        ));
    }
    let common = Common {
        attributes: p.attributes,
        start_time_unix_nano: p.start_time_unix_nano,
        time_unix_nano: p.time_unix_nano,
        flags: p.flags,
        exemplars: p.exemplars,
    };
    Ok(MetricRow {
        count: p.count,
        sum: p.sum.unwrap_or_default(),
        min: p.min.unwrap_or(f64::NAN),
        max: p.max.unwrap_or(f64::NAN),
        bucket_counts: p.bucket_counts,
        explicit_bounds: p.explicit_bounds,
        ..base_row(info, ctx, common)?
    })
}

fn exponential_row(
    info: &MetricInfo,
    ctx: &Context<'_>,
    p: ExponentialHistogramDataPoint,
) -> Result<MetricRow, String> {
    let common = Common {
        attributes: p.attributes,
        start_time_unix_nano: p.start_time_unix_nano,
        time_unix_nano: p.time_unix_nano,
        flags: p.flags,
        exemplars: p.exemplars,
    };
    let positive = p.positive.unwrap_or_default();
    let negative = p.negative.unwrap_or_default();
    Ok(MetricRow {
        count: p.count,
        sum: p.sum.unwrap_or_default(),
        min: p.min.unwrap_or(f64::NAN),
        max: p.max.unwrap_or(f64::NAN),
        exp_scale: p.scale,
        exp_zero_count: p.zero_count,
        exp_positive_offset: positive.offset,
        exp_positive_counts: positive.bucket_counts,
        exp_negative_offset: negative.offset,
        exp_negative_counts: negative.bucket_counts,
        ..base_row(info, ctx, common)?
    })
}

fn summary_row(
    info: &MetricInfo,
    ctx: &Context<'_>,
    p: SummaryDataPoint,
) -> Result<MetricRow, String> {
    let common = Common {
        attributes: p.attributes,
        start_time_unix_nano: p.start_time_unix_nano,
        time_unix_nano: p.time_unix_nano,
        flags: p.flags,
        exemplars: Vec::new(),
    };
    let (quantiles, quantile_values) = p
        .quantile_values
        .iter()
        .map(|q| (q.quantile, q.value))
        .unzip();
    Ok(MetricRow {
        count: p.count,
        sum: p.sum,
        quantiles,
        quantile_values,
        ..base_row(info, ctx, common)?
    })
}
