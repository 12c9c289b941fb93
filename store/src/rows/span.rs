//! A row of the `spans` table (migrations/0002_otel_spans_logs.sql).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One OpenTelemetry span as received. Ids are lower-case hex; attributes
/// are parallel key/value arrays (values in their string form).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, clickhouse::Row)]
#[allow(missing_docs)]
pub struct SpanRow {
    pub tenant: String,
    /// Start time, whole seconds (partitioning and ordering).
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub timestamp: DateTime<Utc>,
    pub start_time_unix_nano: u64,
    pub end_time_unix_nano: u64,
    pub duration_ns: u64,
    pub trace_id: String,
    pub span_id: String,
    pub parent_span_id: String,
    pub trace_state: String,
    pub name: String,
    /// OTLP SpanKind number (2 = server).
    pub kind: i8,
    /// OTLP status code (0 unset, 1 ok, 2 error).
    pub status_code: i8,
    pub status_message: String,
    pub service_name: String,
    pub resource_keys: Vec<String>,
    pub resource_values: Vec<String>,
    pub scope_name: String,
    pub scope_version: String,
    pub attribute_keys: Vec<String>,
    pub attribute_values: Vec<String>,
    pub event_time_unix_nano: Vec<u64>,
    pub event_names: Vec<String>,
    /// Each event's attributes as a JSON object.
    pub event_attributes: Vec<String>,
    pub link_trace_ids: Vec<String>,
    pub link_span_ids: Vec<String>,
    /// Id of the collector write batch that stored the row (empty for bulk loads).
    #[serde(default)]
    pub batch_id: String,
    #[serde(default)]
    pub batch_row: u32,
}

impl SpanRow {
    /// Roughly the memory the row holds: its own size plus its strings.
    /// Bounds what the collector's queue holds in bytes, not only rows.
    pub fn approx_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.tenant.len()
            + self.trace_id.len()
            + self.span_id.len()
            + self.parent_span_id.len()
            + self.trace_state.len()
            + self.name.len()
            + self.status_message.len()
            + self.service_name.len()
            + self.scope_name.len()
            + self.scope_version.len()
            + self.batch_id.len()
            + super::strings_bytes(&self.resource_keys)
            + super::strings_bytes(&self.resource_values)
            + super::strings_bytes(&self.attribute_keys)
            + super::strings_bytes(&self.attribute_values)
            + super::strings_bytes(&self.event_names)
            + super::strings_bytes(&self.event_attributes)
            + super::strings_bytes(&self.link_trace_ids)
            + super::strings_bytes(&self.link_span_ids)
            + self.event_time_unix_nano.len() * 8
    }
}
