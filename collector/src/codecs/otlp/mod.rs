//! OTLP export requests (traces, logs, metrics), decoded into faasight's rows.
//!
//! The bodies are those of the OpenTelemetry Protocol,
//! <https://opentelemetry.io/docs/specs/otlp/>: an `Export*ServiceRequest`
//! as binary protobuf (OTLP/HTTP `application/x-protobuf`, or the message
//! inside an OTLP/gRPC frame) or as OTLP/JSON (`application/json`: camelCase
//! field names, hex trace and span ids, 64-bit integers as strings or
//! numbers). Decoding is pure: no I/O, no panics on any input.
//!
//! JSON is read leniently before the typed decode: enum *names* such as
//! `"SPAN_KIND_SERVER"` or `"SEVERITY_NUMBER_INFO"` (sent by older exporters)
//! become their numbers, `null` members are dropped, and an id that is not
//! hex makes only its own span or log record invalid instead of the whole
//! body. Unknown keys (snake_case ones included) are ignored, as the spec
//! requires; a span left without a valid 16-byte trace id and 8-byte span id
//! is therefore not stored but counted in `rejected_spans`, with a short
//! reason in `errors`, for the receiver's partial-success response. Log
//! records may lack ids, but ids that are present must be well-formed.
//!
//! Metrics become one [`MetricRow`] per data point of a gauge, sum,
//! histogram, exponential histogram or summary (the OTLP metrics data
//! model, <https://opentelemetry.io/docs/specs/otel/metrics/data-model/>),
//! resource and attributes taken as for spans. A point is refused alone,
//! counted in `rejected_points` with its reason for the partial-success
//! response, when its metric has no name, it has no time (or one past
//! 2106-02-07), or it is a histogram whose `bucketCounts` are not one more
//! than its `explicitBounds` (or both empty) or whose bounds are not
//! increasing numbers. In OTLP/JSON, doubles (`asDouble`, `sum`, `min`, `max`,
//! `zeroThreshold`, `explicitBounds`) may also be written as strings, as
//! the protobuf JSON mapping allows: numbers in strings are read as
//! numbers, and `"NaN"`, `"Infinity"` and `"-Infinity"`, which a JSON tree
//! cannot hold, are dropped (the point then has no such value: NaN for
//! `value`, `min` and `max`, 0 for `sum`; a bound dropped makes its
//! histogram's buckets not match, which refuses the point).
//!
//! Every SERVER span whose resource carries `faas.name` also yields an
//! [`InvocationRow`], following the FaaS semantic conventions for spans
//! (<https://opentelemetry.io/docs/specs/semconv/faas/faas-spans/>) and the
//! FaaS and cloud resource conventions
//! (<https://opentelemetry.io/docs/specs/semconv/resource/faas/>,
//! <https://opentelemetry.io/docs/specs/semconv/resource/cloud/>). Billing
//! fields are left at zero: the caller runs [`crate::normalize::normalize`].
//!
//! Memory is bounded per request by [`MAX_DECODED_BYTES`]: a small body
//! can describe far more than its size (a 2-byte empty log record decodes
//! into ~600 bytes of message and row; a resource's attributes are copied
//! into every row under it). Before decoding, the body's structure is
//! counted without decoding it (`wire_estimate`, `json_estimate`); while
//! rows are built, their size is counted again, each resource's share
//! before its rows exist. Either refusal is an [`OtlpError::is_too_large`]
//! error, and nothing of the request is kept.

use chrono::{DateTime, Utc};
use faasight_store::{InvocationRow, LogRow, MetricRow, SpanRow};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyVal;
use opentelemetry_proto::tonic::common::v1::{AnyValue, EntityRef, KeyValue};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs, SeverityNumber};
use opentelemetry_proto::tonic::metrics::v1::metric::Data as MetricData;
use opentelemetry_proto::tonic::metrics::v1::summary_data_point::ValueAtQuantile;
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, Exemplar, ExponentialHistogramDataPoint, HistogramDataPoint, Metric,
    NumberDataPoint, ResourceMetrics, ScopeMetrics, SummaryDataPoint,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::{Event, Link, SpanKind};
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;
use serde_json::Value as Json;

/// At most this many reasons are kept in `errors`; the rejected counts stay exact.
const MAX_ERRORS: usize = 20;
/// Nesting depth beyond which array/kvlist values are cut off (as `null`).
const MAX_VALUE_DEPTH: usize = 64;
/// Nesting depth beyond which the lenient JSON pass stops descending.
const MAX_JSON_DEPTH: usize = 256;
/// Bytes in a MiB.
const MIB: i64 = 1 << 20;

/// What one request may take in memory once decoded, at most: the decoded
/// message and the rows built from it. An OpenTelemetry Collector sends at
/// most 8,192 spans per batch by default (SDKs 512), a few MB to a few tens
/// of MB of rows; with the collector's 64 requests in flight
/// (`CollectorConfig::max_concurrent_requests`) 128 MiB each bounds all
/// decoding at 8 GiB, where one crafted 32 MiB body could otherwise take
/// 10 GB (16 million empty log records). The same figure bounds CloudWatch
/// requests (`receivers::cloudwatch::MAX_EXPANDED_BYTES`).
pub const MAX_DECODED_BYTES: usize = 128 * 1024 * 1024;

/// Wire encoding of a request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Binary protobuf (`application/x-protobuf`).
    Protobuf,
    /// OTLP/JSON (`application/json`).
    Json,
}

impl Encoding {
    /// From a Content-Type header value: `application/x-protobuf` (or
    /// `application/protobuf`) → Protobuf, `application/json` → Json,
    /// anything else → `None`. Parameters such as `; charset=utf-8` and the
    /// letter case are ignored.
    pub fn from_content_type(ct: &str) -> Option<Encoding> {
        let media = ct.split(';').next().unwrap_or_default().trim();
        if media.eq_ignore_ascii_case("application/x-protobuf")
            || media.eq_ignore_ascii_case("application/protobuf")
        {
            Some(Encoding::Protobuf)
        } else if media.eq_ignore_ascii_case("application/json") {
            Some(Encoding::Json)
        } else {
            None
        }
    }
}

/// Decoded trace data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecodedTraces {
    /// One row per valid span, in request order.
    pub spans: Vec<SpanRow>,
    /// One row per SERVER span of a FaaS resource (not yet normalized).
    pub invocations: Vec<InvocationRow>,
    /// Spans not stored (malformed ids).
    pub rejected_spans: u64,
    /// Why, one short sentence per rejected span (at most 20 are kept).
    pub errors: Vec<String>,
}

/// Decoded logs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecodedLogs {
    /// One row per valid log record, in request order.
    pub logs: Vec<LogRow>,
    /// Log records not stored (malformed ids).
    pub rejected_logs: u64,
    /// Why, one short sentence per rejected record (at most 20 are kept).
    pub errors: Vec<String>,
}

/// Decoded metrics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecodedMetrics {
    /// One row per valid data point, in request order.
    pub metrics: Vec<MetricRow>,
    /// Data points not stored (see the module docs).
    pub rejected_points: u64,
    /// Why, one short sentence per rejected point or nameless metric (at
    /// most 20 are kept).
    pub errors: Vec<String>,
}

/// The whole body could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum OtlpError {
    /// Not a valid protobuf encoding of the expected request message.
    #[error("the body is not a valid OTLP protobuf message: {0}")]
    Protobuf(#[from] prost::DecodeError),
    /// Not JSON, or JSON that does not have the expected request's shape.
    #[error("the body is not a valid OTLP/JSON request: {0}")]
    Json(#[from] serde_json::Error),
    /// Found before decoding, from the body's structure: its items (spans,
    /// log records, attributes, ...; JSON objects and values) would take
    /// more than `limit` bytes once decoded. `items` and `bytes` are what
    /// was counted when the count passed the limit.
    #[error(
        "the request is too large: decoding it would take more than {limit} bytes \
         ({} MiB, the limit per request) of memory; {items} items counted in the body \
         already need about {bytes} bytes. Send smaller batches.",
        limit >> 20
    )]
    TooManyItems {
        /// Items counted until the estimate passed the limit.
        items: u64,
        /// Their estimated size once decoded.
        bytes: usize,
        /// [`MAX_DECODED_BYTES`].
        limit: usize,
    },
    /// Found while building rows: they would take more than `limit` bytes,
    /// e.g. because large resource attributes are copied into each row.
    #[error(
        "the request is too large: its rows would take more than {limit} bytes \
         ({} MiB, the limit per request) of memory (about {bytes} bytes counted); \
         send smaller batches or smaller resource attributes.",
        limit >> 20
    )]
    RowsTooLarge {
        /// The rows' size counted or projected when the limit was passed.
        bytes: usize,
        /// [`MAX_DECODED_BYTES`].
        limit: usize,
    },
}

impl OtlpError {
    /// Whether the request was refused for the memory it would take (HTTP
    /// 413) rather than for its encoding: sending the same body again fails
    /// the same way.
    pub fn is_too_large(&self) -> bool {
        matches!(
            self,
            OtlpError::TooManyItems { .. } | OtlpError::RowsTooLarge { .. }
        )
    }
}

/// Decodes an OTLP trace export body into span and invocation rows, within
/// [`MAX_DECODED_BYTES`].
pub fn decode_traces(
    body: &[u8],
    encoding: Encoding,
    tenant: &str,
) -> Result<DecodedTraces, OtlpError> {
    let req: ExportTraceServiceRequest = decode(body, encoding, Msg::TracesRequest)?;
    try_traces_from_request(req, tenant)
}

/// Decodes an OTLP logs export body into log rows, within
/// [`MAX_DECODED_BYTES`].
pub fn decode_logs(
    body: &[u8],
    encoding: Encoding,
    tenant: &str,
) -> Result<DecodedLogs, OtlpError> {
    let req: ExportLogsServiceRequest = decode(body, encoding, Msg::LogsRequest)?;
    try_logs_from_request(req, tenant)
}

/// Decodes an OTLP metrics export body into metric rows (one per data
/// point), within [`MAX_DECODED_BYTES`].
pub fn decode_metrics(
    body: &[u8],
    encoding: Encoding,
    tenant: &str,
) -> Result<DecodedMetrics, OtlpError> {
    let req: ExportMetricsServiceRequest = decode(body, encoding, Msg::MetricsRequest)?;
    try_metrics_from_request(req, tenant)
}

/// Same conversion as [`decode_metrics`], from an already-decoded message
/// (used by the gRPC receiver): refuses ([`OtlpError::RowsTooLarge`]) rows
/// that would take more than [`MAX_DECODED_BYTES`].
pub fn try_metrics_from_request(
    req: ExportMetricsServiceRequest,
    tenant: &str,
) -> Result<DecodedMetrics, OtlpError> {
    build_metrics(req, tenant, MAX_DECODED_BYTES)
}

/// Same conversion as [`decode_traces`], from an already-decoded message
/// (used by the gRPC receiver, whose messages tonic decodes): refuses
/// ([`OtlpError::RowsTooLarge`]) rows that would take more than
/// [`MAX_DECODED_BYTES`].
pub fn try_traces_from_request(
    req: ExportTraceServiceRequest,
    tenant: &str,
) -> Result<DecodedTraces, OtlpError> {
    build_traces(req, tenant, MAX_DECODED_BYTES)
}

/// [`try_traces_from_request`] without the memory limit, for messages of a
/// trusted size.
pub fn traces_from_request(req: ExportTraceServiceRequest, tenant: &str) -> DecodedTraces {
    // An unlimited budget cannot be exceeded.
    build_traces(req, tenant, usize::MAX).unwrap_or_default()
}

/// Same conversion as [`decode_logs`], from an already-decoded message (used
/// by the gRPC receiver): refuses ([`OtlpError::RowsTooLarge`]) rows that
/// would take more than [`MAX_DECODED_BYTES`].
pub fn try_logs_from_request(
    req: ExportLogsServiceRequest,
    tenant: &str,
) -> Result<DecodedLogs, OtlpError> {
    build_logs(req, tenant, MAX_DECODED_BYTES)
}

/// [`try_logs_from_request`] without the memory limit, for messages of a
/// trusted size.
pub fn logs_from_request(req: ExportLogsServiceRequest, tenant: &str) -> DecodedLogs {
    // An unlimited budget cannot be exceeded.
    build_logs(req, tenant, usize::MAX).unwrap_or_default()
}

fn build_traces(
    req: ExportTraceServiceRequest,
    tenant: &str,
    limit: usize,
) -> Result<DecodedTraces, OtlpError> {
    let mut budget = RowBudget::new(limit);
    let mut out = DecodedTraces::default();
    for rs in req.resource_spans {
        let res = ResourceInfo::new(rs.resource.as_ref());
        // What the resource's rows will take at least, before they exist:
        // each row copies the resource's and its scope's strings.
        let shared = size_of::<SpanRow>() + tenant.len() + res.span_row_bytes();
        let mut projected: usize = 0;
        for ss in &rs.scope_spans {
            let scope = ss
                .scope
                .as_ref()
                .map_or(0, |s| s.name.len() + s.version.len());
            projected = projected.saturating_add(ss.spans.len().saturating_mul(shared + scope));
            if let Some(faas) = &res.faas {
                let servers = ss
                    .spans
                    .iter()
                    .filter(|s| s.kind == SpanKind::Server as i32)
                    .count();
                projected = projected
                    .saturating_add(servers.saturating_mul(faas.approx_bytes() + tenant.len()));
            }
        }
        budget.reserve(projected)?;
        for ss in rs.scope_spans {
            let (scope_name, scope_version) = match ss.scope {
                Some(s) => (s.name, s.version),
                None => (String::new(), String::new()),
            };
            for span in ss.spans {
                match span_row(span, &res, &scope_name, &scope_version, tenant) {
                    Ok((row, inv)) => {
                        budget.charge(row.approx_bytes())?;
                        out.spans.push(row);
                        if let Some(inv) = inv {
                            budget.charge(inv.approx_bytes())?;
                            out.invocations.push(inv);
                        }
                    }
                    Err(e) => {
                        out.rejected_spans += 1;
                        push_error(&mut out.errors, e);
                    }
                }
            }
        }
    }
    Ok(out)
}

fn build_logs(
    req: ExportLogsServiceRequest,
    tenant: &str,
    limit: usize,
) -> Result<DecodedLogs, OtlpError> {
    let mut budget = RowBudget::new(limit);
    let mut out = DecodedLogs::default();
    for rl in req.resource_logs {
        let res = ResourceInfo::new(rl.resource.as_ref());
        // As for spans: each row copies the resource's and scope's strings.
        let shared = size_of::<LogRow>() + tenant.len() + "otlp".len() + res.log_row_bytes();
        let mut projected: usize = 0;
        for sl in &rl.scope_logs {
            let scope = sl.scope.as_ref().map_or(0, |s| s.name.len());
            projected =
                projected.saturating_add(sl.log_records.len().saturating_mul(shared + scope));
        }
        budget.reserve(projected)?;
        for sl in rl.scope_logs {
            let scope_name = sl.scope.map(|s| s.name).unwrap_or_default();
            for rec in sl.log_records {
                match log_row(rec, &res, &scope_name, tenant) {
                    Ok(row) => {
                        budget.charge(row.approx_bytes())?;
                        out.logs.push(row);
                    }
                    Err(e) => {
                        out.rejected_logs += 1;
                        push_error(&mut out.errors, e);
                    }
                }
            }
        }
    }
    Ok(out)
}

fn build_metrics(
    req: ExportMetricsServiceRequest,
    tenant: &str,
    limit: usize,
) -> Result<DecodedMetrics, OtlpError> {
    let mut budget = RowBudget::new(limit);
    let mut out = DecodedMetrics::default();
    for rm in req.resource_metrics {
        let res = ResourceInfo::new(rm.resource.as_ref());
        // As for spans: each row copies the resource's, scope's and
        // metric's strings.
        let shared = size_of::<MetricRow>() + tenant.len() + res.span_row_bytes();
        let mut projected: usize = 0;
        for sm in &rm.scope_metrics {
            let scope = sm
                .scope
                .as_ref()
                .map_or(0, |s| s.name.len() + s.version.len());
            for m in &sm.metrics {
                let points = metrics::points(m.data.as_ref());
                let each = shared + scope + metrics::MetricInfo::row_bytes(m);
                projected = projected.saturating_add(points.saturating_mul(each));
            }
        }
        budget.reserve(projected)?;
        for sm in rm.scope_metrics {
            let (scope_name, scope_version) = match sm.scope {
                Some(s) => (s.name, s.version),
                None => (String::new(), String::new()),
            };
            let ctx = metrics::Context {
                res: &res,
                scope_name: &scope_name,
                scope_version: &scope_version,
                tenant,
            };
            for m in sm.metrics {
                let (info, data) = metrics::MetricInfo::split(m);
                let Some(data) = data else {
                    // No points: nothing to store or refuse.
                    continue;
                };
                if info.name().is_empty() {
                    let n = metrics::points(Some(&data));
                    out.rejected_points += n as u64;
                    push_error(
                        &mut out.errors,
                        format!(
                            "a {} metric without a name: its {n} data points are refused",
                            info.kind()
                        ),
                    );
                    continue;
                }
                metrics::metric_rows(&info, data, &ctx, &mut |row| {
                    match row {
                        Ok(row) => {
                            budget.charge(row.approx_bytes())?;
                            out.metrics.push(row);
                        }
                        Err(e) => {
                            out.rejected_points += 1;
                            push_error(&mut out.errors, e);
                        }
                    }
                    Ok(())
                })?;
            }
        }
    }
    Ok(out)
}

/// The memory one request's rows may take, and what they take so far (as
/// the rows' `approx_bytes`, which the pipeline's queue limits count, too).
struct RowBudget {
    limit: usize,
    used: usize,
}

impl RowBudget {
    fn new(limit: usize) -> RowBudget {
        RowBudget { limit, used: 0 }
    }

    /// Refuses when rows about to be built, of at least `bytes`, would pass
    /// the limit; counts nothing.
    fn reserve(&self, bytes: usize) -> Result<(), OtlpError> {
        self.check(self.used.saturating_add(bytes))
    }

    /// Counts a row built.
    fn charge(&mut self, bytes: usize) -> Result<(), OtlpError> {
        self.used = self.used.saturating_add(bytes);
        self.check(self.used)
    }

    fn check(&self, bytes: usize) -> Result<(), OtlpError> {
        if bytes > self.limit {
            return Err(OtlpError::RowsTooLarge {
                bytes,
                limit: self.limit,
            });
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Body decoding

/// The three OTLP export requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// `ExportTraceServiceRequest`.
    Traces,
    /// `ExportLogsServiceRequest`.
    Logs,
    /// `ExportMetricsServiceRequest`.
    Metrics,
}

/// Refuses a protobuf export request of `signal` whose structure shows
/// that it and its rows would take more than [`MAX_DECODED_BYTES`], without
/// decoding it: for callers that hand the bytes to a decoder of their own
/// (the gRPC server decodes before the receiver sees the message).
pub fn check_protobuf_size(body: &[u8], signal: Signal) -> Result<(), OtlpError> {
    let root = match signal {
        Signal::Traces => Msg::TracesRequest,
        Signal::Logs => Msg::LogsRequest,
        Signal::Metrics => Msg::MetricsRequest,
    };
    let estimate = wire_estimate(body, root, MAX_DECODED_BYTES);
    if estimate.bytes > MAX_DECODED_BYTES {
        return Err(OtlpError::TooManyItems {
            items: estimate.items,
            bytes: estimate.bytes,
            limit: MAX_DECODED_BYTES,
        });
    }
    Ok(())
}

/// Decodes a request message of type `root`, unless the body's structure
/// shows that the message and its rows would take more than
/// [`MAX_DECODED_BYTES`].
fn decode<T>(body: &[u8], encoding: Encoding, root: Msg) -> Result<T, OtlpError>
where
    T: Message + Default + serde::de::DeserializeOwned,
{
    let estimate = match encoding {
        Encoding::Protobuf => wire_estimate(body, root, MAX_DECODED_BYTES),
        Encoding::Json => json_estimate(body, root, MAX_DECODED_BYTES),
    };
    if estimate.bytes > MAX_DECODED_BYTES {
        return Err(OtlpError::TooManyItems {
            items: estimate.items,
            bytes: estimate.bytes,
            limit: MAX_DECODED_BYTES,
        });
    }
    match encoding {
        Encoding::Protobuf => Ok(T::decode(body)?),
        Encoding::Json => {
            let mut value: Json = serde_json::from_slice(body)?;
            if !value.is_object() {
                // serde would read a struct from an array, too.
                return Err(OtlpError::Json(serde::de::Error::custom(
                    "the request must be a JSON object",
                )));
            }
            lenient_json(&mut value, 0);
            Ok(serde_json::from_value(value)?)
        }
    }
}

/// Rewrites what the typed OTLP/JSON decoder would refuse but a lenient
/// receiver can understand (see the module docs).
fn lenient_json(v: &mut Json, depth: usize) {
    if depth > MAX_JSON_DEPTH {
        return;
    }
    match v {
        Json::Object(map) => {
            map.retain(|key, x| !x.is_null() && lenient_double(key, x));
            for (key, child) in map.iter_mut() {
                match key.as_str() {
                    "kind" => {
                        enum_to_number(child, |s| SpanKind::from_str_name(s).map(|k| k as i32))
                    }
                    "code" => {
                        enum_to_number(child, |s| StatusCode::from_str_name(s).map(|c| c as i32))
                    }
                    "severityNumber" => enum_to_number(child, |s| {
                        SeverityNumber::from_str_name(s).map(|n| n as i32)
                    }),
                    "aggregationTemporality" => enum_to_number(child, |s| {
                        AggregationTemporality::from_str_name(s).map(|t| t as i32)
                    }),
                    "traceId" | "spanId" | "parentSpanId" => {
                        if let Json::String(s) = child {
                            if !is_hex(s) {
                                // Valid hex of an impossible length: only this
                                // item is refused, later, by its id check.
                                *s = "00".to_string();
                            }
                        }
                    }
                    "explicitBounds" => {
                        if let Json::Array(bounds) = child {
                            bounds.retain_mut(|b| lenient_double("", b));
                        }
                    }
                    "scale" | "offset" | "flags" => {
                        if let Json::String(s) = child {
                            if let Ok(n) = s.trim().parse::<i64>() {
                                *child = Json::from(n);
                            }
                        }
                    }
                    "arrayValue" | "kvlistValue" => {
                        if let Json::Object(m) = child {
                            m.entry("values").or_insert_with(|| Json::Array(Vec::new()));
                        }
                    }
                    _ => {}
                }
                lenient_json(child, depth + 1);
            }
        }
        Json::Array(items) => {
            for item in items {
                lenient_json(item, depth + 1);
            }
        }
        _ => {}
    }
}

/// For a double member `key` of a metric data point (any key when ""),
/// written as a string: replaces a number by its value; false (drop it)
/// for anything else, e.g. `"NaN"` or `"Infinity"`, which JSON numbers
/// cannot hold. Other members are left alone (true).
fn lenient_double(key: &str, v: &mut Json) -> bool {
    if !matches!(
        key,
        "" | "asDouble" | "sum" | "min" | "max" | "zeroThreshold"
    ) {
        return true;
    }
    let Json::String(s) = v else {
        return true;
    };
    match s
        .trim()
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
    {
        Some(n) => {
            *v = Json::Number(n);
            true
        }
        None => false,
    }
}

/// Replaces an enum name (or a number written as a string) by its number.
fn enum_to_number(v: &mut Json, by_name: impl Fn(&str) -> Option<i32>) {
    if let Json::String(s) = v {
        let n = by_name(s.trim()).or_else(|| s.trim().parse::<i32>().ok());
        if let Some(n) = n {
            *v = Json::from(n);
        }
    }
}

fn is_hex(s: &str) -> bool {
    s.len().is_multiple_of(2) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn push_error(errors: &mut Vec<String>, e: String) {
    if errors.len() < MAX_ERRORS {
        errors.push(e);
    }
}

mod estimate;
mod metrics;
mod rows;

use estimate::{json_estimate, wire_estimate, Msg};
use rows::*;

#[cfg(test)]
mod metrics_tests;
#[cfg(test)]
mod tests;
