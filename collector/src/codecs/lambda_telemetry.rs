//! AWS Lambda Telemetry API (and Logs API) event batches.
//!
//! A Lambda extension subscribes to the Telemetry API and Lambda POSTs it
//! batches of events; the extension forwards them unchanged to faasight's
//! `POST /v1/lambda/telemetry`. Each event is an object
//! `{"time": RFC 3339, "type": "platform.report", "record": …}`; this module
//! turns them into [`LambdaEvent`]s. Schemas:
//! <https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html>
//! and <https://docs.aws.amazon.com/lambda/latest/dg/telemetry-api.html>; the
//! older Logs API (`platform.end`, `platform.fault`,
//! `platform.logsSubscription`) is described at
//! <https://docs.aws.amazon.com/lambda/latest/dg/runtimes-logs-api.html>.
//!
//! Decisions worth knowing:
//! - A body is a JSON array of events, one event object, or NDJSON (one
//!   event per line). If the body is not JSON, it is retried once with
//!   trailing commas (a comma followed only by whitespace and `}` or `]`,
//!   outside strings) removed, because AWS's own documentation examples
//!   contain them; nothing else is repaired.
//! - Every event gets its own result, so one bad event does not lose the
//!   others; only a body that cannot be split into events at all is refused
//!   as a whole.
//! - `platform.initRuntimeDone` and `platform.restoreRuntimeDone` become
//!   [`LambdaEvent::Other`] whatever their status: a failed init is also
//!   stated, with its duration, by the `platform.initReport` that follows,
//!   and the detail keeps the status and error type for display.
//! - Unknown event types, `platform.*` or not, become
//!   [`LambdaEvent::Other`] rather than errors, so new AWS event types are
//!   kept.
//! - `function`/`extension` log lines keep their text verbatim (only a
//!   trailing newline is dropped); request id and level are taken from a
//!   `TIMESTAMP\tREQUEST_ID\tLEVEL\t…` (Node.js and others) or
//!   `[LEVEL]\tTIMESTAMP\tREQUEST_ID\t…` (Python) prefix when one is there.
//! - A field that is present with the wrong type or an impossible value
//!   (negative duration, unparsable `time`) refuses the event; `null` counts
//!   as absent.

use crate::codecs::lambda::{InitPhase, InitType, LambdaEvent, Report};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// Why a body or event was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TelemetryError {
    /// The body holds nothing but whitespace.
    #[error("the body is empty; expected a JSON array of events, an event object, or NDJSON")]
    EmptyBody,
    /// The body is not JSON, even after removing trailing commas, and not
    /// NDJSON either. Line and column are serde's, in the body as sent.
    #[error("the body is not valid JSON (line {line}, column {column}): {reason}")]
    Json {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What serde_json found wrong.
        reason: String,
    },
    /// The body is JSON but neither an array nor an object.
    #[error(
        "the body is a JSON {found}; expected a JSON array of events, an event object, or NDJSON"
    )]
    NotEvents {
        /// The JSON type found (`string`, `number`, …).
        found: &'static str,
    },
    /// One line of an NDJSON body is not JSON.
    #[error("event {index} (line {line}) is not valid JSON (column {column}): {reason}")]
    LineJson {
        /// 0-based index of the event in the body.
        index: usize,
        /// 1-based line in the body.
        line: usize,
        /// 1-based column in that line.
        column: usize,
        /// What serde_json found wrong.
        reason: String,
    },
    /// An event is not a JSON object.
    #[error("{} is a JSON {found}, not an object", at(.index, None))]
    NotAnObject {
        /// 0-based index of the event in the body, when decoded from a body.
        index: Option<usize>,
        /// The JSON type found.
        found: &'static str,
    },
    /// A required field is absent (or `null`).
    #[error("{} has no `{field}`", at(.index, .kind.as_deref()))]
    MissingField {
        /// 0-based index of the event in the body, when decoded from a body.
        index: Option<usize>,
        /// The event's `type`, when known.
        kind: Option<String>,
        /// The missing field, as a path (`record.requestId`).
        field: &'static str,
    },
    /// A field has the wrong JSON type or an impossible value.
    #[error("{}: `{field}` {reason}", at(.index, .kind.as_deref()))]
    InvalidField {
        /// 0-based index of the event in the body, when decoded from a body.
        index: Option<usize>,
        /// The event's `type`, when known.
        kind: Option<String>,
        /// The field, as a path (`record.metrics.durationMs`).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// Names an event in an error message: `event 3 (platform.start)`.
fn at(index: &Option<usize>, kind: Option<&str>) -> String {
    match (index, kind) {
        (Some(i), Some(k)) => format!("event {i} ({k})"),
        (Some(i), None) => format!("event {i}"),
        (None, Some(k)) => format!("the {k} event"),
        (None, None) => "the event".to_string(),
    }
}

impl TelemetryError {
    /// Records the event's position in its body.
    fn with_index(mut self, i: usize) -> Self {
        match &mut self {
            TelemetryError::NotAnObject { index, .. }
            | TelemetryError::MissingField { index, .. }
            | TelemetryError::InvalidField { index, .. } => *index = Some(i),
            TelemetryError::EmptyBody
            | TelemetryError::Json { .. }
            | TelemetryError::NotEvents { .. }
            | TelemetryError::LineJson { .. } => {}
        }
        self
    }
}

/// Decodes a body: a JSON array of events, a single event object, or NDJSON (one event per line).
/// Returns one result per event so that one bad event does not lose the others.
pub fn parse_body(body: &str) -> Result<Vec<Result<LambdaEvent, TelemetryError>>, TelemetryError> {
    let body = body.strip_prefix('\u{feff}').unwrap_or(body);
    if body.trim().is_empty() {
        return Err(TelemetryError::EmptyBody);
    }
    let first_error = match serde_json::from_str::<Value>(body) {
        Ok(value) => return events_of(&value),
        Err(e) => e,
    };
    if let Some(repaired) = remove_trailing_commas(body) {
        if let Ok(value) = serde_json::from_str::<Value>(&repaired) {
            return events_of(&value);
        }
    }
    if let Some(results) = parse_ndjson(body) {
        return Ok(results);
    }
    Err(TelemetryError::Json {
        line: first_error.line(),
        column: first_error.column(),
        reason: serde_reason(&first_error),
    })
}

/// Splits a parsed body into events.
fn events_of(value: &Value) -> Result<Vec<Result<LambdaEvent, TelemetryError>>, TelemetryError> {
    match value {
        Value::Array(items) => Ok(items
            .iter()
            .enumerate()
            .map(|(i, v)| parse_event(v).map_err(|e| e.with_index(i)))
            .collect()),
        Value::Object(_) => Ok(vec![parse_event(value)]),
        other => Err(TelemetryError::NotEvents {
            found: json_kind(other),
        }),
    }
}

/// Decodes an NDJSON body, one event per non-blank line; `None` when the
/// body does not look like NDJSON (fewer than two non-blank lines, or a
/// first line that is not a JSON object by itself).
fn parse_ndjson(body: &str) -> Option<Vec<Result<LambdaEvent, TelemetryError>>> {
    let lines: Vec<(usize, &str)> = body
        .split('\n')
        .enumerate()
        .map(|(n, l)| (n + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    if lines.len() < 2 {
        return None;
    }
    let mut results = Vec::with_capacity(lines.len());
    for (index, (line, text)) in lines.into_iter().enumerate() {
        let parsed = serde_json::from_str::<Value>(text).or_else(|e| {
            remove_trailing_commas(text)
                .and_then(|r| serde_json::from_str::<Value>(&r).ok())
                .ok_or(e)
        });
        match parsed {
            // The first line decides whether this is NDJSON of events at
            // all: it must be a JSON object by itself.
            Ok(value) if index == 0 && !value.is_object() => return None,
            Err(_) if index == 0 => return None,
            Ok(value) => results.push(parse_event(&value).map_err(|e| e.with_index(index))),
            Err(e) => results.push(Err(TelemetryError::LineJson {
                index,
                line,
                column: e.column(),
                reason: serde_reason(&e),
            })),
        }
    }
    Some(results)
}

/// serde_json's message without its ` at line L column C` suffix.
fn serde_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(head) => head.to_string(),
        None => text,
    }
}

/// Removes every comma that, outside strings, is followed only by
/// whitespace and then `}` or `]`. `None` when there is none to remove.
fn remove_trailing_commas(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut drop = Vec::new();
    for (i, b) in super::json_scan::outside_strings(bytes) {
        if b == b',' {
            let next = bytes
                .iter()
                .skip(i + 1)
                .find(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r'));
            if matches!(next, Some(b'}') | Some(b']')) {
                drop.push(i);
            }
        }
    }
    if drop.is_empty() {
        return None;
    }
    // Commas are ASCII, so every cut is on a character boundary.
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for i in drop {
        out.push_str(text.get(from..i)?);
        from = i + 1;
    }
    out.push_str(text.get(from..)?);
    Some(out)
}

/// The name of a JSON value's type, for messages.
fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A value as compact JSON, cut to about 80 characters, for messages.
fn short_json(v: &Value) -> String {
    let text = compact(v);
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text,
    }
}

/// A value as compact JSON text.
fn compact(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// One event being decoded: its type and record, for field access and errors.
struct Ctx<'a> {
    kind: &'a str,
    record: Option<&'a Value>,
}

impl<'a> Ctx<'a> {
    fn missing(&self, field: &'static str) -> TelemetryError {
        TelemetryError::MissingField {
            index: None,
            kind: Some(self.kind.to_string()),
            field,
        }
    }

    fn invalid(&self, field: &'static str, reason: String) -> TelemetryError {
        TelemetryError::InvalidField {
            index: None,
            kind: Some(self.kind.to_string()),
            field,
            reason,
        }
    }

    /// The record as an object; `None` when absent or `null`.
    fn record_map(&self) -> Result<Option<&'a Map<String, Value>>, TelemetryError> {
        match self.record {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(other) => Err(self.invalid(
                "record",
                format!("must be an object, found a {}", json_kind(other)),
            )),
        }
    }

    /// The value at `path` (`record.metrics.durationMs`); `None` when any
    /// step is absent, `null`, or not an object.
    fn get(&self, path: &'static str) -> Option<&'a Value> {
        let mut keys = path.split('.');
        if keys.next() != Some("record") {
            return None;
        }
        let mut cur = self.record?;
        for key in keys {
            cur = cur.as_object()?.get(key)?;
        }
        (!cur.is_null()).then_some(cur)
    }

    fn opt_str(&self, path: &'static str) -> Result<Option<String>, TelemetryError> {
        match self.get(path) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.invalid(
                path,
                format!("must be a string, found {}", short_json(other)),
            )),
        }
    }

    fn req_str(&self, path: &'static str) -> Result<String, TelemetryError> {
        match self.opt_str(path)? {
            None => Err(self.missing(path)),
            Some(s) if s.trim().is_empty() => {
                Err(self.invalid(path, "must not be empty".to_string()))
            }
            Some(s) => Ok(s),
        }
    }

    /// A duration in milliseconds: a finite, non-negative number.
    fn opt_ms(&self, path: &'static str) -> Result<Option<f64>, TelemetryError> {
        let Some(v) = self.get(path) else {
            return Ok(None);
        };
        match v.as_f64() {
            Some(ms) if ms.is_finite() && ms >= 0.0 => Ok(Some(ms)),
            _ => Err(self.invalid(
                path,
                format!(
                    "must be a non-negative number of milliseconds, found {}",
                    short_json(v)
                ),
            )),
        }
    }

    /// A whole number in `0..=max` (a float with no fraction is accepted).
    fn opt_uint(&self, path: &'static str, max: u64) -> Result<Option<u64>, TelemetryError> {
        let Some(v) = self.get(path) else {
            return Ok(None);
        };
        let n = match v.as_u64() {
            Some(n) => Some(n),
            None => v
                .as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0 && f.fract() == 0.0 && *f <= max as f64)
                .map(|f| f as u64),
        };
        match n {
            Some(n) if n <= max => Ok(Some(n)),
            _ => Err(self.invalid(
                path,
                format!(
                    "must be a whole number from 0 to {max}, found {}",
                    short_json(v)
                ),
            )),
        }
    }

    fn opt_u32(&self, path: &'static str) -> Result<Option<u32>, TelemetryError> {
        Ok(self
            .opt_uint(path, u64::from(u32::MAX))?
            .and_then(|n| u32::try_from(n).ok()))
    }

    fn init_type(&self) -> Result<InitType, TelemetryError> {
        Ok(self
            .opt_str("record.initializationType")?
            .map_or(InitType::Unknown, |s| InitType::parse(&s)))
    }

    /// `record.phase`; absent in the 2022-07-01 schema, so absent means `init`.
    fn phase(&self) -> Result<InitPhase, TelemetryError> {
        match self.opt_str("record.phase")?.as_deref() {
            None | Some("init") => Ok(InitPhase::Init),
            Some("invoke") => Ok(InitPhase::Invoke),
            Some(other) => Err(self.invalid(
                "record.phase",
                format!("must be \"init\" or \"invoke\", found {other:?}"),
            )),
        }
    }

    /// The X-Ray trace id from `record.tracing` (`{"value": "Root=…;…"}`,
    /// or the header text itself).
    fn trace_id(&self) -> Result<Option<String>, TelemetryError> {
        let header = match self.get("record.tracing") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Object(_)) => self.opt_str("record.tracing.value")?,
            _ => None,
        };
        Ok(header.as_deref().and_then(trace_root))
    }
}

/// The `Root` of an `X-Amzn-Trace-Id` header
/// (`Root=1-…;Parent=…;Sampled=1`), or a bare `1-…` trace id.
fn trace_root(header: &str) -> Option<String> {
    let header = header.trim();
    for part in header.split(';') {
        if let Some((key, value)) = part.split_once('=') {
            if key.trim().eq_ignore_ascii_case("root") && !value.trim().is_empty() {
                return Some(value.trim().to_string());
            }
        }
    }
    (header.starts_with("1-") && !header.contains(['=', ';'])).then(|| header.to_string())
}

/// Parses an RFC 3339 time.
fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Decodes one event object.
pub fn parse_event(value: &Value) -> Result<LambdaEvent, TelemetryError> {
    let Value::Object(event) = value else {
        return Err(TelemetryError::NotAnObject {
            index: None,
            found: json_kind(value),
        });
    };
    let kind = match event.get("type") {
        None | Some(Value::Null) => {
            return Err(TelemetryError::MissingField {
                index: None,
                kind: None,
                field: "type",
            })
        }
        Some(Value::String(s)) if !s.trim().is_empty() => s.as_str(),
        Some(other) => {
            return Err(TelemetryError::InvalidField {
                index: None,
                kind: None,
                field: "type",
                reason: format!("must be a non-empty string, found {}", short_json(other)),
            })
        }
    };
    let cx = Ctx {
        kind,
        record: event.get("record"),
    };
    let time =
        match event.get("time") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(parse_time(s).ok_or_else(|| {
                cx.invalid("time", format!("must be an RFC 3339 time, found {s:?}"))
            })?),
            Some(other) => {
                return Err(cx.invalid(
                    "time",
                    format!("must be an RFC 3339 time, found {}", short_json(other)),
                ))
            }
        };
    match kind {
        "platform.initStart" => {
            cx.record_map()?;
            Ok(LambdaEvent::InitStart {
                time,
                init_type: cx.init_type()?,
                runtime_version: cx.opt_str("record.runtimeVersion")?,
                phase: cx.phase()?,
            })
        }
        "platform.initReport" => {
            cx.record_map()?;
            let duration_ms = cx
                .opt_ms("record.metrics.durationMs")?
                .ok_or_else(|| cx.missing("record.metrics.durationMs"))?;
            Ok(LambdaEvent::InitReport {
                time,
                init_type: cx.init_type()?,
                phase: cx.phase()?,
                duration_ms,
                status: cx.opt_str("record.status")?,
                error_type: cx.opt_str("record.errorType")?,
            })
        }
        "platform.start" => {
            cx.record_map()?;
            Ok(LambdaEvent::Start {
                time,
                request_id: cx.req_str("record.requestId")?,
                version: cx.opt_str("record.version")?,
                xray_trace_id: cx.trace_id()?,
            })
        }
        "platform.runtimeDone" => {
            cx.record_map()?;
            Ok(LambdaEvent::RuntimeDone {
                time,
                request_id: cx.req_str("record.requestId")?,
                status: cx.req_str("record.status")?,
                error_type: cx.opt_str("record.errorType")?,
                duration_ms: cx.opt_ms("record.metrics.durationMs")?,
            })
        }
        "platform.report" => {
            cx.record_map()?;
            let request_id = cx.req_str("record.requestId")?;
            let duration_ms = cx
                .opt_ms("record.metrics.durationMs")?
                .ok_or_else(|| cx.missing("record.metrics.durationMs"))?;
            Ok(LambdaEvent::Report(Report {
                time,
                request_id,
                duration_ms,
                billed_duration_ms: cx.opt_uint("record.metrics.billedDurationMs", u64::MAX)?,
                memory_size_mb: cx.opt_u32("record.metrics.memorySizeMB")?,
                max_memory_used_mb: cx.opt_u32("record.metrics.maxMemoryUsedMB")?,
                init_duration_ms: cx.opt_ms("record.metrics.initDurationMs")?,
                restore_duration_ms: cx.opt_ms("record.metrics.restoreDurationMs")?,
                billed_restore_duration_ms: cx
                    .opt_uint("record.metrics.billedRestoreDurationMs", u64::MAX)?,
                status: cx.opt_str("record.status")?,
                error_type: cx.opt_str("record.errorType")?,
                xray_trace_id: cx.trace_id()?,
            }))
        }
        "platform.restoreStart" => {
            cx.record_map()?;
            Ok(LambdaEvent::RestoreStart {
                time,
                runtime_version: cx.opt_str("record.runtimeVersion")?,
            })
        }
        "platform.restoreReport" => {
            cx.record_map()?;
            Ok(LambdaEvent::RestoreReport {
                time,
                duration_ms: cx.opt_ms("record.metrics.durationMs")?,
                status: cx.opt_str("record.status")?,
                error_type: cx.opt_str("record.errorType")?,
            })
        }
        "platform.end" => {
            cx.record_map()?;
            Ok(LambdaEvent::End {
                time,
                request_id: cx.req_str("record.requestId")?,
            })
        }
        "platform.fault" => fault(&cx, time),
        "function" => log(&cx, time, "function"),
        "extension" => log(&cx, time, "extension"),
        _ => Ok(LambdaEvent::Other {
            time,
            kind: kind.to_string(),
            detail: cx.record.map_or_else(|| "null".to_string(), compact),
        }),
    }
}

/// `platform.fault`: the record is text such as
/// `RequestId: d783… Process exited before completing request`.
fn fault(cx: &Ctx<'_>, time: Option<DateTime<Utc>>) -> Result<LambdaEvent, TelemetryError> {
    let (request_id, message) = match cx.record {
        None | Some(Value::Null) => return Err(cx.missing("record")),
        Some(Value::String(s)) => (request_id_in_text(s), s.trim_end().to_string()),
        Some(record @ Value::Object(m)) => {
            let message = match m.get("message") {
                Some(Value::String(s)) => s.trim_end().to_string(),
                _ => compact(record),
            };
            let request_id = match cx.opt_str("record.requestId")? {
                Some(id) if !id.trim().is_empty() => Some(id),
                _ => request_id_in_text(&message),
            };
            (request_id, message)
        }
        Some(other) => (None, compact(other)),
    };
    Ok(LambdaEvent::Fault {
        time,
        request_id,
        message,
    })
}

/// The id after `RequestId:` in a text, if any.
fn request_id_in_text(text: &str) -> Option<String> {
    let (_, rest) = text.split_once("RequestId:")?;
    let id: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    (!id.is_empty()).then_some(id)
}

/// `function` and `extension` events: a text line or a JSON-format log
/// object (`timestamp`, `level`, `requestId`, `message`).
fn log(
    cx: &Ctx<'_>,
    time: Option<DateTime<Utc>>,
    origin: &'static str,
) -> Result<LambdaEvent, TelemetryError> {
    match cx.record {
        None | Some(Value::Null) => Err(cx.missing("record")),
        Some(Value::String(line)) => {
            let line = line.strip_suffix('\n').unwrap_or(line);
            let line = line.strip_suffix('\r').unwrap_or(line);
            // A text line is what the runtime printed, prefix and all: the
            // CloudWatch line decoder reads it the same way for both paths.
            match super::lambda_log::parse_line(line) {
                LambdaEvent::Log {
                    time: line_time,
                    request_id,
                    level,
                    message,
                    ..
                } => Ok(LambdaEvent::Log {
                    time: time.or(line_time),
                    request_id,
                    level,
                    origin,
                    message,
                }),
                _ => Ok(LambdaEvent::Log {
                    time,
                    request_id: None,
                    level: None,
                    origin,
                    message: line.to_string(),
                }),
            }
        }
        Some(record @ Value::Object(_)) => {
            let message = match record.get("message") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => compact(record),
                Some(other) => compact(other),
            };
            let record_time = match cx.get("record.timestamp") {
                Some(Value::String(s)) => parse_time(s),
                _ => None,
            };
            Ok(LambdaEvent::Log {
                time: time.or(record_time),
                request_id: cx.opt_str("record.requestId")?.filter(|s| !s.is_empty()),
                level: cx.opt_str("record.level")?.filter(|s| !s.is_empty()),
                origin,
                message,
            })
        }
        Some(other) => Ok(LambdaEvent::Log {
            time,
            request_id: None,
            level: None,
            origin,
            message: compact(other),
        }),
    }
}

#[cfg(test)]
#[path = "lambda_telemetry_tests.rs"]
mod tests;
