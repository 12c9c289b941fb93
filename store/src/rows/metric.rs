//! A row of the `metrics` table (migrations/0009_metrics.sql).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One OpenTelemetry metric data point as received: a gauge's or sum's
/// number, or a histogram's, exponential histogram's or summary's
/// distribution. The columns its kind does not have keep their default.
/// Attributes are parallel key/value arrays (values in their string form),
/// exemplars parallel arrays, ids lower-case hex.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, clickhouse::Row)]
#[allow(missing_docs)]
pub struct MetricRow {
    pub tenant: String,
    /// `time_unix_nano`, whole seconds (partitioning and ordering).
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub timestamp: DateTime<Utc>,
    pub time_unix_nano: u64,
    pub start_time_unix_nano: u64,
    /// The resource's `service.name`.
    pub service_name: String,
    pub metric_name: String,
    pub metric_description: String,
    pub metric_unit: String,
    /// `gauge`, `sum`, `histogram`, `exponential_histogram` or `summary`.
    pub metric_type: String,
    /// OTLP AggregationTemporality: 0 unspecified, 1 delta, 2 cumulative
    /// (0 for gauges and summaries).
    pub temporality: i8,
    /// Sums only: 1 when monotonic.
    pub is_monotonic: u8,
    pub resource_keys: Vec<String>,
    pub resource_values: Vec<String>,
    pub scope_name: String,
    pub scope_version: String,
    pub attribute_keys: Vec<String>,
    pub attribute_values: Vec<String>,
    /// A gauge's or sum's point (`as_int` as a float; NaN when none).
    pub value: f64,
    /// Histograms, exponential histograms, summaries.
    pub count: u64,
    pub sum: f64,
    /// NaN when the point has none.
    pub min: f64,
    /// NaN when the point has none.
    pub max: f64,
    pub bucket_counts: Vec<u64>,
    pub explicit_bounds: Vec<f64>,
    pub exp_scale: i32,
    pub exp_zero_count: u64,
    pub exp_positive_offset: i32,
    pub exp_positive_counts: Vec<u64>,
    pub exp_negative_offset: i32,
    pub exp_negative_counts: Vec<u64>,
    pub quantiles: Vec<f64>,
    pub quantile_values: Vec<f64>,
    pub flags: u32,
    pub exemplar_time_unix_nano: Vec<u64>,
    pub exemplar_values: Vec<f64>,
    pub exemplar_trace_ids: Vec<String>,
    pub exemplar_span_ids: Vec<String>,
    /// Id of the collector write batch that stored the row (empty for bulk loads).
    #[serde(default)]
    pub batch_id: String,
    #[serde(default)]
    pub batch_row: u32,
}

impl MetricRow {
    /// Roughly the memory the row holds: its own size plus its strings and
    /// arrays. Bounds what the collector's queue holds in bytes, not only rows.
    pub fn approx_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.tenant.len()
            + self.service_name.len()
            + self.metric_name.len()
            + self.metric_description.len()
            + self.metric_unit.len()
            + self.metric_type.len()
            + self.scope_name.len()
            + self.scope_version.len()
            + self.batch_id.len()
            + super::strings_bytes(&self.resource_keys)
            + super::strings_bytes(&self.resource_values)
            + super::strings_bytes(&self.attribute_keys)
            + super::strings_bytes(&self.attribute_values)
            + super::strings_bytes(&self.exemplar_trace_ids)
            + super::strings_bytes(&self.exemplar_span_ids)
            + 8 * (self.bucket_counts.len()
                + self.explicit_bounds.len()
                + self.exp_positive_counts.len()
                + self.exp_negative_counts.len()
                + self.quantiles.len()
                + self.quantile_values.len()
                + self.exemplar_time_unix_nano.len()
                + self.exemplar_values.len())
    }
}
