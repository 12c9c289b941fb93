//! Traces and logs: finding traces, the spans of one, and the log records
//! of a trace or an invocation.

use crate::reports::QueryTrace;
use crate::{Result, TimeRange};
use faasight_store::Store;
use serde::{Deserialize, Serialize};

/// SQL of the trace search.
pub const TRACE_SEARCH_SQL: &str = include_str!("../queries/trace_search.sql");
/// SQL of one trace's spans.
pub const TRACE_SPANS_SQL: &str = include_str!("../queries/trace_spans.sql");
/// SQL of the logs of a trace or request.
pub const INVOCATION_LOGS_SQL: &str = include_str!("../queries/invocation_logs.sql");

/// What to look for; empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TraceFilter {
    /// This trace id only (32 hex digits).
    pub trace_id: String,
    /// Traces touching this service (function).
    pub service: String,
    /// Traces lasting at least this long, ms.
    pub min_duration_ms: u64,
    /// Traces with an error span only.
    pub errors_only: bool,
}

/// One trace found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clickhouse::Row)]
pub struct TraceLine {
    /// Trace id.
    pub trace_id: String,
    /// Earliest span start, epoch ns.
    pub start_ns: u64,
    /// Earliest start to latest end, ns.
    pub duration_ns: u64,
    /// Spans.
    pub spans: u64,
    /// Spans with status ERROR.
    pub error_spans: u64,
    /// Service of the earliest span.
    pub root_service: String,
    /// Name of the earliest span.
    pub root_name: String,
}

/// Traces of `tenant` in `range` matching `filter`, newest first (≤ 100).
pub async fn trace_search(
    store: &Store,
    tenant: &str,
    range: TimeRange,
    filter: &TraceFilter,
) -> Result<(Vec<TraceLine>, QueryTrace)> {
    const Q: &str = "trace_search.sql";
    let min_ns = filter.min_duration_ms.saturating_mul(1_000_000);
    let leading = vec![
        filter.trace_id.clone(),
        filter.service.clone(),
        min_ns.to_string(),
        u8::from(filter.errors_only).to_string(),
    ];
    super::fetch(
        store,
        Q,
        TRACE_SEARCH_SQL,
        |q| {
            q.bind(&filter.trace_id)
                .bind(&filter.service)
                .bind(min_ns)
                .bind(u8::from(filter.errors_only))
        },
        leading,
        tenant,
        range,
    )
    .await
}

/// One span of a trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clickhouse::Row)]
pub struct SpanLine {
    /// Span id.
    pub span_id: String,
    /// Parent span id (empty for a root).
    pub parent_span_id: String,
    /// Operation name.
    pub name: String,
    /// Service (function).
    pub service_name: String,
    /// OTLP span kind (1 internal, 2 server, 3 client, 4 producer, 5 consumer).
    pub kind: i8,
    /// OTLP status (0 unset, 1 ok, 2 error).
    pub status_code: i8,
    /// Status message.
    pub status_message: String,
    /// Start, epoch ns.
    pub start_ns: u64,
    /// End, epoch ns.
    pub end_ns: u64,
}

/// The spans of `trace_id` (≤ 2,000), in start order.
pub async fn trace_spans(
    store: &Store,
    tenant: &str,
    trace_id: &str,
) -> Result<(Vec<SpanLine>, QueryTrace)> {
    fetch_texts(
        store,
        "trace_spans.sql",
        TRACE_SPANS_SQL,
        &[trace_id, tenant],
    )
    .await
}

/// One log record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clickhouse::Row)]
pub struct LogLine {
    /// Time, epoch ns.
    pub time_ns: u64,
    /// Severity as sent (`INFO`, `ERROR`, …).
    pub severity_text: String,
    /// The message.
    pub body: String,
    /// Service.
    pub service_name: String,
    /// Function.
    pub function: String,
    /// Request id.
    pub request_id: String,
    /// Trace id.
    pub trace_id: String,
    /// Span id.
    pub span_id: String,
}

/// Log records of a trace or of a request (either may be empty), in time
/// order (≤ 1,000).
pub async fn invocation_logs(
    store: &Store,
    tenant: &str,
    trace_id: &str,
    request_id: &str,
) -> Result<(Vec<LogLine>, QueryTrace)> {
    fetch_texts(
        store,
        "invocation_logs.sql",
        INVOCATION_LOGS_SQL,
        &[trace_id, request_id, tenant],
    )
    .await
}

/// Runs the query `sql` (file `name`) whose placeholders are all text,
/// bound from `params` in order — the shape of the trace and log lookups,
/// which have no time window.
async fn fetch_texts<T>(
    store: &Store,
    name: &'static str,
    sql: &'static str,
    params: &[&str],
) -> Result<(Vec<T>, QueryTrace)>
where
    T: clickhouse::RowOwned + clickhouse::RowRead,
{
    let query = params
        .iter()
        .fold(store.client().query(sql), |q, p| q.bind(*p));
    let rows = crate::reports::traced_fetch(name, query).await?;
    let params = params.iter().map(|p| p.to_string()).collect();
    Ok((rows, QueryTrace::new(name, sql, params)))
}
