//! Spans of faasight's ClickHouse statements, as the database semantic
//! conventions describe client spans
//! (<https://opentelemetry.io/docs/specs/semconv/database/database-spans/>):
//! named `{operation} {target}`, where the target is the query's file (a
//! report query) or the table (an INSERT).

use tracing::field::Empty;

/// A span for one statement: `operation` is `SELECT` or `INSERT`,
/// `target` the query file or the table. Record its rows with
/// [`record_rows`] on the returned span when known.
pub fn statement_span(operation: &'static str, target: &str) -> tracing::Span {
    crate::export_span!(
        "statement",
        otel.name = %format_args!("{operation} {target}"),
        otel.kind = "client",
        otel.status_code = Empty,
        db.system.name = "clickhouse",
        db.operation.name = operation,
        db.query.summary = %format_args!("{operation} {target}"),
        db.collection.name = Empty,
        db.response.returned_rows = Empty,
        faasight.rows = Empty,
        faasight.batch_id = Empty,
        "error.type" = Empty,
    )
}

/// Records how many rows a statement returned (SELECT) or wrote (INSERT).
pub fn record_rows(span: &tracing::Span, operation: &str, rows: usize) {
    if operation == "SELECT" {
        span.record("db.response.returned_rows", rows as u64);
    } else {
        span.record("faasight.rows", rows as u64);
    }
}

/// Marks a statement failed, with the error's kind.
pub fn record_error(span: &tracing::Span, kind: &str) {
    span.record("otel.status_code", "error");
    span.record("error.type", kind);
}
