//! OTLP export requests (traces, logs, metrics) decoded into faasight rows.
//!
//! Bodies are protobuf or OTLP/JSON (<https://opentelemetry.io/docs/specs/otlp/>).
//! JSON is read with the generated types' serde support (hex ids, camelCase,
//! int64 as string or number); enum *names* such as `SPAN_KIND_SERVER`,
//! which older senders wrote, are turned into their numbers first. A span
//! without a valid 16-byte trace id and 8-byte span id is not stored but
//! counted, so the receiver can answer with a partial success.
//!
//! Invocation records are derived from FaaS server spans following the
//! OpenTelemetry semantic conventions: resource `faas.*` and `cloud.*`
//! (<https://opentelemetry.io/docs/specs/semconv/resource/faas/>,
//! <https://opentelemetry.io/docs/specs/semconv/resource/cloud/>) and span
//! `faas.invocation_id`, `faas.trigger`, `faas.coldstart`
//! (<https://opentelemetry.io/docs/specs/semconv/faas/faas-spans/>).

use chrono::{DateTime, Utc};
use faasight_store::{InvocationRow, LogRow, SpanRow};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::metrics::v1::metric;
use prost::Message;
use serde_json::Value;

/// Wire encoding of a request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `application/x-protobuf`.
    Protobuf,
    /// `application/json`.
    Json,
}

impl Encoding {
    /// From a Content-Type value (without parameters).
    pub fn from_content_type(ct: &str) -> Option<Encoding> {
        match ct.split(';').next().unwrap_or("").trim() {
            "application/x-protobuf" | "application/protobuf" => Some(Encoding::Protobuf),
            "application/json" => Some(Encoding::Json),
            _ => None,
        }
    }
}

/// Decoded trace data.
#[derive(Debug, Default)]
pub struct DecodedTraces {
    /// Spans to store.
    pub spans: Vec<SpanRow>,
    /// Invocation records from FaaS server spans (not yet normalized).
    pub invocations: Vec<InvocationRow>,
    /// Spans refused.
    pub rejected_spans: u64,
    /// Why (at most 20).
    pub errors: Vec<String>,
}

/// Decoded logs.
#[derive(Debug, Default)]
pub struct DecodedLogs {
    /// Log records to store.
    pub logs: Vec<LogRow>,
    /// Records refused.
    pub rejected_logs: u64,
    /// Why (at most 20).
    pub errors: Vec<String>,
}

/// A body that cannot be decoded at all.
#[derive(Debug, thiserror::Error)]
pub enum OtlpError {
    /// Not a valid protobuf message of the expected type.
    #[error("not a valid OTLP protobuf message: {0}")]
    Protobuf(String),
    /// Not valid OTLP/JSON.
    #[error("not valid OTLP/JSON: {0}")]
    Json(String),
}

const SPAN_KINDS: [&str; 6] = ["SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"];
const STATUS_CODES: [&str; 3] = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];
const SEVERITIES: [&str; 25] = [
    "SEVERITY_NUMBER_UNSPECIFIED", "SEVERITY_NUMBER_TRACE", "SEVERITY_NUMBER_TRACE2", "SEVERITY_NUMBER_TRACE3",
    "SEVERITY_NUMBER_TRACE4", "SEVERITY_NUMBER_DEBUG", "SEVERITY_NUMBER_DEBUG2", "SEVERITY_NUMBER_DEBUG3",
    "SEVERITY_NUMBER_DEBUG4", "SEVERITY_NUMBER_INFO", "SEVERITY_NUMBER_INFO2", "SEVERITY_NUMBER_INFO3",
    "SEVERITY_NUMBER_INFO4", "SEVERITY_NUMBER_WARN", "SEVERITY_NUMBER_WARN2", "SEVERITY_NUMBER_WARN3",
    "SEVERITY_NUMBER_WARN4", "SEVERITY_NUMBER_ERROR", "SEVERITY_NUMBER_ERROR2", "SEVERITY_NUMBER_ERROR3",
    "SEVERITY_NUMBER_ERROR4", "SEVERITY_NUMBER_FATAL", "SEVERITY_NUMBER_FATAL2", "SEVERITY_NUMBER_FATAL3",
    "SEVERITY_NUMBER_FATAL4",
];

/// Replaces enum names by numbers, in place, at any depth (bounded).
fn enum_names_to_numbers(v: &mut Value, depth: usize) {
    if depth > 64 {
        return;
    }
    match v {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                let table: Option<&[&str]> = match key.as_str() {
                    "kind" => Some(&SPAN_KINDS),
                    "code" => Some(&STATUS_CODES),
                    "severityNumber" => Some(&SEVERITIES),
                    _ => None,
                };
                if let (Some(table), Value::String(name)) = (table, &*value) {
                    if let Some(n) = table.iter().position(|t| t == name) {
                        *value = Value::from(n);
                        continue;
                    }
                }
                enum_names_to_numbers(value, depth + 1);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| enum_names_to_numbers(i, depth + 1)),
        _ => {}
    }
}

fn decode<M: Message + Default + serde::de::DeserializeOwned>(body: &[u8], encoding: Encoding) -> Result<M, OtlpError> {
    match encoding {
        Encoding::Protobuf => M::decode(body).map_err(|e| OtlpError::Protobuf(e.to_string())),
        Encoding::Json => {
            let mut value: Value = serde_json::from_slice(body).map_err(|e| OtlpError::Json(e.to_string()))?;
            if !value.is_object() {
                return Err(OtlpError::Json("the body must be a JSON object".into()));
            }
            enum_names_to_numbers(&mut value, 0);
            serde_json::from_value(value).map_err(|e| OtlpError::Json(e.to_string()))
        }
    }
}

/// The string form of an attribute value: strings as they are, numbers and
/// booleans printed, bytes as hex, arrays and key/value lists as JSON.
pub fn value_string(v: Option<&AnyValue>) -> String {
    match v.and_then(|v| v.value.as_ref()) {
        None => String::new(),
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        Some(any_value::Value::BytesValue(b)) => hex::encode(b),
        Some(other) => value_json(Some(other), 0).to_string(),
    }
}

fn value_json(v: Option<&any_value::Value>, depth: usize) -> Value {
    if depth > 32 {
        return Value::Null;
    }
    match v {
        None => Value::Null,
        Some(any_value::Value::StringValue(s)) => Value::from(s.clone()),
        Some(any_value::Value::BoolValue(b)) => Value::from(*b),
        Some(any_value::Value::IntValue(i)) => Value::from(*i),
        Some(any_value::Value::DoubleValue(d)) => Value::from(*d),
        Some(any_value::Value::BytesValue(b)) => Value::from(hex::encode(b)),
        Some(any_value::Value::ArrayValue(a)) => {
            Value::Array(a.values.iter().map(|x| value_json(x.value.as_ref(), depth + 1)).collect())
        }
        Some(any_value::Value::KvlistValue(kv)) => Value::Object(
            kv.values.iter().map(|k| (k.key.clone(), value_json(k.value.as_ref().and_then(|v| v.value.as_ref()), depth + 1))).collect(),
        ),
        Some(any_value::Value::StringValueStrindex(i)) => Value::from(*i),
    }
}

fn flatten(attrs: &[KeyValue]) -> (Vec<String>, Vec<String>) {
    attrs.iter().map(|kv| (kv.key.clone(), value_string(kv.value.as_ref()))).unzip()
}

fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a any_value::Value> {
    attrs.iter().find(|kv| kv.key == key).and_then(|kv| kv.value.as_ref()).and_then(|v| v.value.as_ref())
}

fn attr_string(attrs: &[KeyValue], key: &str) -> Option<String> {
    match attr(attrs, key)? {
        any_value::Value::StringValue(s) => Some(s.clone()),
        any_value::Value::IntValue(i) => Some(i.to_string()),
        any_value::Value::DoubleValue(d) => Some(d.to_string()),
        any_value::Value::BoolValue(b) => Some(b.to_string()),
        _ => None,
    }
}

fn attr_i64(attrs: &[KeyValue], key: &str) -> Option<i64> {
    match attr(attrs, key)? {
        any_value::Value::IntValue(i) => Some(*i),
        any_value::Value::DoubleValue(d) => Some(*d as i64),
        any_value::Value::StringValue(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn attr_bool(attrs: &[KeyValue], key: &str) -> Option<bool> {
    match attr(attrs, key)? {
        any_value::Value::BoolValue(b) => Some(*b),
        any_value::Value::StringValue(s) => s.parse().ok(),
        _ => None,
    }
}

fn seconds(nanos: u64) -> DateTime<Utc> {
    DateTime::from_timestamp((nanos / 1_000_000_000) as i64, 0).unwrap_or_default()
}

fn valid_id(id: &[u8], len: usize) -> bool {
    id.len() == len && id.iter().any(|b| *b != 0)
}

/// The `provider` column for `cloud.provider` / `cloud.platform`.
fn provider(resource: &[KeyValue]) -> String {
    let cloud = attr_string(resource, "cloud.provider").unwrap_or_default();
    let platform = attr_string(resource, "cloud.platform").unwrap_or_default();
    match (cloud.as_str(), platform.as_str()) {
        (_, "aws_lambda") | ("aws", "") => "aws_lambda",
        (_, "azure_functions") | ("azure", "") => "azure_functions",
        (_, "gcp_cloud_functions" | "gcp_cloud_run") | ("gcp", "") => "gcp_cloud_run_functions",
        (_, "cloudflare_workers") | ("cloudflare", _) => "cloudflare_workers",
        _ => "",
    }
    .to_string()
}

fn invocation(resource: &[KeyValue], span: &opentelemetry_proto::tonic::trace::v1::Span, tenant: &str, trace_id: &str, span_id: &str) -> Option<InvocationRow> {
    let function = attr_string(resource, "faas.name")?;
    if span.kind != 2 {
        return None;
    }
    let runtime = match (attr_string(resource, "process.runtime.name"), attr_string(resource, "process.runtime.version")) {
        (Some(n), Some(v)) => format!("{n}{}", v.split('.').take(2).collect::<Vec<_>>().join(".")),
        (Some(n), None) => n,
        _ => String::new(),
    };
    let arch = match attr_string(resource, "host.arch").as_deref() {
        Some("amd64" | "x86_64") => "x86_64",
        Some("arm64" | "aarch64") => "arm64",
        _ => "",
    };
    let failed = span.status.as_ref().is_some_and(|s| s.code == 2);
    // `error.type` (semantic conventions), else the first exception event's
    // type, else the status message.
    let error_type = if failed {
        attr_string(&span.attributes, "error.type")
            .or_else(|| span.events.iter().find(|e| e.name == "exception").and_then(|e| attr_string(&e.attributes, "exception.type")))
            .or_else(|| span.status.as_ref().map(|s| s.message.clone()))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let status = match (failed, error_type.as_str()) {
        (false, _) => "success",
        (true, "timeout") => "timeout",
        (true, _) => "error",
    };
    Some(InvocationRow {
        tenant: tenant.to_string(),
        provider: provider(resource),
        account: attr_string(resource, "cloud.account.id").unwrap_or_default(),
        region: attr_string(resource, "cloud.region").unwrap_or_default(),
        function,
        version: attr_string(resource, "faas.version").unwrap_or_default(),
        runtime,
        arch: arch.into(),
        memory_mb: attr_i64(resource, "faas.max_memory").map(|b| (b.max(0) / 1_048_576) as u32).unwrap_or(0),
        request_id: attr_string(&span.attributes, "faas.invocation_id").unwrap_or_else(|| span_id.to_string()),
        instance_id: attr_string(resource, "faas.instance").unwrap_or_default(),
        trace_id: trace_id.to_string(),
        start_time_ms: span.start_time_unix_nano / 1_000_000,
        duration_ms: span.end_time_unix_nano.saturating_sub(span.start_time_unix_nano) as f64 / 1e6,
        start_type: match attr_bool(&span.attributes, "faas.coldstart") {
            Some(true) => "cold",
            Some(false) => "warm",
            None => "unknown",
        }
        .into(),
        status: status.into(),
        error_type,
        trigger: attr_string(&span.attributes, "faas.trigger").unwrap_or_default(),
        source: "otlp".into(),
        ..Default::default()
    })
}

/// Rows from a decoded trace export request.
pub fn traces_from_request(req: ExportTraceServiceRequest, tenant: &str) -> DecodedTraces {
    let mut out = DecodedTraces::default();
    for rs in &req.resource_spans {
        let resource: &[KeyValue] = rs.resource.as_ref().map(|r| r.attributes.as_slice()).unwrap_or(&[]);
        let (resource_keys, resource_values) = flatten(resource);
        let service_name = attr_string(resource, "service.name").unwrap_or_default();
        for ss in &rs.scope_spans {
            let (scope_name, scope_version) = ss.scope.as_ref().map(|s| (s.name.clone(), s.version.clone())).unwrap_or_default();
            for span in &ss.spans {
                if !valid_id(&span.trace_id, 16) || !valid_id(&span.span_id, 8) {
                    out.rejected_spans += 1;
                    if out.errors.len() < 20 {
                        out.errors.push(format!("span {:?} has no valid trace id and span id", span.name));
                    }
                    continue;
                }
                let trace_id = hex::encode(&span.trace_id);
                let span_id = hex::encode(&span.span_id);
                if let Some(row) = invocation(resource, span, tenant, &trace_id, &span_id) {
                    out.invocations.push(row);
                }
                let (attribute_keys, attribute_values) = flatten(&span.attributes);
                out.spans.push(SpanRow {
                    tenant: tenant.to_string(),
                    timestamp: seconds(span.start_time_unix_nano),
                    start_time_unix_nano: span.start_time_unix_nano,
                    end_time_unix_nano: span.end_time_unix_nano,
                    duration_ns: span.end_time_unix_nano.saturating_sub(span.start_time_unix_nano),
                    trace_id,
                    span_id,
                    parent_span_id: hex::encode(&span.parent_span_id),
                    trace_state: span.trace_state.clone(),
                    name: span.name.clone(),
                    kind: span.kind.clamp(0, 127) as i8,
                    status_code: span.status.as_ref().map(|s| s.code.clamp(0, 127) as i8).unwrap_or(0),
                    status_message: span.status.as_ref().map(|s| s.message.clone()).unwrap_or_default(),
                    service_name: service_name.clone(),
                    resource_keys: resource_keys.clone(),
                    resource_values: resource_values.clone(),
                    scope_name: scope_name.clone(),
                    scope_version: scope_version.clone(),
                    attribute_keys,
                    attribute_values,
                    event_time_unix_nano: span.events.iter().map(|e| e.time_unix_nano).collect(),
                    event_names: span.events.iter().map(|e| e.name.clone()).collect(),
                    event_attributes: span
                        .events
                        .iter()
                        .map(|e| {
                            Value::Object(e.attributes.iter().map(|kv| (kv.key.clone(), value_json(kv.value.as_ref().and_then(|v| v.value.as_ref()), 0))).collect())
                                .to_string()
                        })
                        .collect(),
                    link_trace_ids: span.links.iter().map(|l| hex::encode(&l.trace_id)).collect(),
                    link_span_ids: span.links.iter().map(|l| hex::encode(&l.span_id)).collect(),
                    batch_id: String::new(),
                });
            }
        }
    }
    out
}

/// Rows from a decoded logs export request.
pub fn logs_from_request(req: ExportLogsServiceRequest, tenant: &str) -> DecodedLogs {
    let mut out = DecodedLogs::default();
    for rl in &req.resource_logs {
        let resource: &[KeyValue] = rl.resource.as_ref().map(|r| r.attributes.as_slice()).unwrap_or(&[]);
        let (resource_keys, resource_values) = flatten(resource);
        let service_name = attr_string(resource, "service.name").unwrap_or_default();
        let function = attr_string(resource, "faas.name").unwrap_or_default();
        for sl in &rl.scope_logs {
            let scope_name = sl.scope.as_ref().map(|s| s.name.clone()).unwrap_or_default();
            for record in &sl.log_records {
                let time = if record.time_unix_nano > 0 { record.time_unix_nano } else { record.observed_time_unix_nano };
                let (attribute_keys, attribute_values) = flatten(&record.attributes);
                out.logs.push(LogRow {
                    tenant: tenant.to_string(),
                    timestamp: seconds(time),
                    time_unix_nano: time,
                    observed_time_unix_nano: record.observed_time_unix_nano,
                    trace_id: if valid_id(&record.trace_id, 16) { hex::encode(&record.trace_id) } else { String::new() },
                    span_id: if valid_id(&record.span_id, 8) { hex::encode(&record.span_id) } else { String::new() },
                    severity_number: record.severity_number.clamp(0, 127) as i8,
                    severity_text: record.severity_text.clone(),
                    body: value_string(record.body.as_ref()),
                    service_name: service_name.clone(),
                    function: function.clone(),
                    request_id: attr_string(&record.attributes, "faas.invocation_id").unwrap_or_default(),
                    resource_keys: resource_keys.clone(),
                    resource_values: resource_values.clone(),
                    scope_name: scope_name.clone(),
                    attribute_keys,
                    attribute_values,
                    source: "otlp".into(),
                    batch_id: String::new(),
                });
            }
        }
    }
    out
}

/// Decodes a trace export body.
pub fn decode_traces(body: &[u8], encoding: Encoding, tenant: &str) -> Result<DecodedTraces, OtlpError> {
    Ok(traces_from_request(decode(body, encoding)?, tenant))
}

/// Decodes a logs export body.
pub fn decode_logs(body: &[u8], encoding: Encoding, tenant: &str) -> Result<DecodedLogs, OtlpError> {
    Ok(logs_from_request(decode(body, encoding)?, tenant))
}

/// Decodes a metrics export body and counts its data points (metrics are
/// accepted but not stored yet).
pub fn decode_metrics_count(body: &[u8], encoding: Encoding) -> Result<u64, OtlpError> {
    let req: ExportMetricsServiceRequest = decode(body, encoding)?;
    Ok(req
        .resource_metrics
        .iter()
        .flat_map(|r| &r.scope_metrics)
        .flat_map(|s| &s.metrics)
        .map(|m| match &m.data {
            Some(metric::Data::Gauge(g)) => g.data_points.len(),
            Some(metric::Data::Sum(s)) => s.data_points.len(),
            Some(metric::Data::Histogram(h)) => h.data_points.len(),
            Some(metric::Data::ExponentialHistogram(h)) => h.data_points.len(),
            Some(metric::Data::Summary(s)) => s.data_points.len(),
            None => 0,
        } as u64)
        .sum())
}

#[cfg(test)]
#[path = "otlp_tests.rs"]
mod tests;
