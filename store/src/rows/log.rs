//! A row of the `logs` table (migrations/0002_otel_spans_logs.sql).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One log record: from OTLP, a Lambda function/extension log line, or a
/// CloudWatch Logs event. `function` and `request_id` attribute it to an
/// invocation where the source tells.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, clickhouse::Row)]
#[allow(missing_docs)]
pub struct LogRow {
    pub tenant: String,
    /// Time of the record, whole seconds.
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub timestamp: DateTime<Utc>,
    pub time_unix_nano: u64,
    pub observed_time_unix_nano: u64,
    pub trace_id: String,
    pub span_id: String,
    /// OTLP SeverityNumber (1–24; 0 unspecified).
    pub severity_number: i8,
    pub severity_text: String,
    pub body: String,
    pub service_name: String,
    pub function: String,
    pub request_id: String,
    pub resource_keys: Vec<String>,
    pub resource_values: Vec<String>,
    pub scope_name: String,
    pub attribute_keys: Vec<String>,
    pub attribute_values: Vec<String>,
    /// Which receiver produced it: `otlp`, `lambda-telemetry`, `cloudwatch`, ...
    pub source: String,
    /// Id of the collector write batch that stored the row (empty for bulk loads).
    #[serde(default)]
    pub batch_id: String,
    #[serde(default)]
    pub batch_row: u32,
}

impl LogRow {
    /// Roughly the memory the row holds: its own size plus its strings.
    /// Bounds what the collector's queue holds in bytes, not only rows.
    pub fn approx_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.tenant.len()
            + self.trace_id.len()
            + self.span_id.len()
            + self.severity_text.len()
            + self.body.len()
            + self.service_name.len()
            + self.function.len()
            + self.request_id.len()
            + self.scope_name.len()
            + self.source.len()
            + self.batch_id.len()
            + super::strings_bytes(&self.resource_keys)
            + super::strings_bytes(&self.resource_values)
            + super::strings_bytes(&self.attribute_keys)
            + super::strings_bytes(&self.attribute_values)
    }
}
