//! AWS Lambda log lines, as CloudWatch Logs stores them, decoded into
//! [`LambdaEvent`]s.
//!
//! Lambda writes its platform lines in one of two formats. The text format
//! (<https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html>)
//! has `START RequestId: <id> Version: <v>`, `END RequestId: <id>`,
//! `REPORT RequestId: <id> Duration: 1.23 ms Billed Duration: 2 ms Memory
//! Size: 128 MB Max Memory Used: 60 MB` with optional `Init Duration`,
//! `Restore Duration`/`Billed Restore Duration` (SnapStart), `Status`/`Error
//! Type` (newer lines only) and `XRAY TraceId`/`SegmentId`/`Sampled` fields,
//! `INIT_START`/`INIT_REPORT`, `RESTORE_START`/`RESTORE_REPORT`, and the
//! runtime's `<time> <request-id> Task timed out after N seconds`. The JSON
//! log format
//! (<https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html>)
//! writes the same facts as Telemetry-API-shaped objects
//! (`{"time":…,"type":"platform.report","record":{…}}`) and function logs as
//! `{"timestamp":…,"level":…,"requestId":…,"message":…}`.
//!
//! Text lines are read token by token. A separator is one or more spaces,
//! TABs, line breaks or the two characters `\t` / `\n` / `\r` (escapes left
//! behind by JSON exports), and trailing separators are ignored. Before the
//! platform keyword a line may carry a `sam logs` log-stream name
//! (`2023/07/05/[56]374cd…`) and a timestamp (RFC 3339, with or without
//! offset, any number of fractional digits; no offset means UTC), or a
//! console-rendered clock time without a date (`11:20:37:066`, dropped:
//! `time` stays `None`). Field values are found by their key names, which may
//! contain spaces (`Max Memory Used:`), in any order.
//!
//! [`parse_line`] never fails and never panics. A line that is not a
//! platform line becomes [`LambdaEvent::Log`] with origin `function`, with
//! time, request id and level taken from the runtimes' usual prefixes
//! (`<time> <request-id> INFO message` as Node.js, Java and .NET write it,
//! `[INFO] <time> <request-id> message` as Python does). A platform keyword
//! counts only when a known key follows it directly and the field its event
//! cannot do without could be read: the request id for `START`/`END`, a
//! numeric `Duration` for `REPORT` (the request id may be missing and is then
//! empty; other unreadable numbers become `None`), the `Init Duration` for
//! `INIT_REPORT`, the runtime version for `INIT_START`/`RESTORE_START`, the
//! duration or status for `RESTORE_REPORT`. Otherwise the line is kept,
//! unchanged, as a function log, so nothing is lost and no invocation with a
//! made-up duration is invented. Extension lines (`EXTENSION Name: …`,
//! `TELEMETRY Name: …`, `LOGS Name: …`) become logs with origin `platform`,
//! and `RequestId: <id> <message>` crash lines (`Process exited before
//! completing request`, `Error: Runtime exited …`) become
//! [`LambdaEvent::Fault`]. JSON `platform.*` events that carry no
//! invocation data (`platform.logsDropped`, `platform.extension`, …), and
//! known ones whose required field is missing, become [`LambdaEvent::Other`]
//! with their record; any other JSON object is a function log.

use crate::codecs::lambda::{InitPhase, InitType, LambdaEvent, Report};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde_json::{Map, Value};

/// Decodes one log line (as it appears in a CloudWatch log event `message`,
/// or one line of a raw log file) into a [`LambdaEvent`].
///
/// Never fails: a line that is not a recognisable platform line or JSON
/// event becomes [`LambdaEvent::Log`]; a JSON `platform.*` event that cannot
/// be decoded into its own variant becomes [`LambdaEvent::Other`] (see the
/// module docs for the exact rules).
pub fn parse_line(line: &str) -> LambdaEvent {
    let trimmed = line.trim();
    if trimmed.starts_with('{') {
        if let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(trimmed) {
            return parse_json(&obj, trimmed);
        }
    }
    let tokens = tokenize(line);
    parse_platform_text(line, &tokens).unwrap_or_else(|| parse_function_log(line, &tokens))
}

// ---------------------------------------------------------------------------
// Tokens

/// One token of a text line, with its byte offset in the line.
#[derive(Debug, Clone, Copy)]
struct Tok<'a> {
    text: &'a str,
    start: usize,
}

/// The byte length of the separator at `i`, if one starts there: ASCII
/// whitespace (1) or a literal `\t`, `\n`, `\r` escape (2).
fn separator_len(bytes: &[u8], i: usize) -> usize {
    match bytes.get(i) {
        Some(b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c) => 1,
        Some(b'\\') if matches!(bytes.get(i + 1), Some(b't' | b'n' | b'r')) => 2,
        _ => 0,
    }
}

/// Splits a line at separators. Separators are ASCII, so every cut falls on
/// a character boundary.
fn tokenize(line: &str) -> Vec<Tok<'_>> {
    let bytes = line.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    let mut start = None;
    while i < bytes.len() {
        let sep = separator_len(bytes, i);
        if sep > 0 {
            if let Some(s) = start.take() {
                if let Some(text) = line.get(s..i) {
                    tokens.push(Tok { text, start: s });
                }
            }
            i += sep;
        } else {
            start.get_or_insert(i);
            i += 1;
        }
    }
    if let Some(s) = start {
        if let Some(text) = line.get(s..) {
            tokens.push(Tok { text, start: s });
        }
    }
    tokens
}

/// The text of token `i`, if there is one.
fn text_at<'a>(tokens: &[Tok<'a>], i: usize) -> Option<&'a str> {
    tokens.get(i).map(|t| t.text)
}

// ---------------------------------------------------------------------------
// Prefixes and times

/// Whether `s` is a CloudWatch log stream name, `YYYY/MM/DD/[version]id`.
fn is_log_stream(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(digits(0..4) && at(4, b'/') && digits(5..7) && at(7, b'/') && digits(8..10)) {
        return false;
    }
    if !(at(10, b'/') && at(11, b'[')) {
        return false;
    }
    match s.get(12..).and_then(|rest| rest.split_once(']')) {
        Some((_, id)) => !id.is_empty() && id.bytes().all(|c| c.is_ascii_alphanumeric()),
        None => false,
    }
}

/// Parses an RFC 3339 timestamp; one without an offset is taken as UTC.
fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    let looks_like_date = b
        .get(0..4)
        .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
        && b.get(4) == Some(&b'-');
    if !looks_like_date {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}

/// Reads a timestamp at the start of `tokens`: one RFC 3339 token, or a
/// date token and a time token (`2024-01-02 03:04:05.678`, as log4j writes
/// it). Returns the time and how many tokens it took.
fn take_timestamp(tokens: &[Tok<'_>], i: usize) -> Option<(DateTime<Utc>, usize)> {
    let first = text_at(tokens, i)?;
    if let Some(t) = parse_timestamp(first) {
        return Some((t, 1));
    }
    let date = NaiveDate::parse_from_str(first, "%Y-%m-%d").ok()?;
    let clock = text_at(tokens, i + 1)?;
    let clock = clock.strip_suffix('Z').unwrap_or(clock);
    let time = NaiveTime::parse_from_str(clock, "%H:%M:%S%.f").ok()?;
    Some((date.and_time(time).and_utc(), 2))
}

/// Whether `s` is a bare clock time as consoles render it (`11:20:37:066`,
/// `11:20:37.066`): digits, `:` and `.`, starting `HH:`.
fn is_clock(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 5
        && b.get(0..2)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
        && b.get(2) == Some(&b':')
        && b.iter()
            .all(|c| c.is_ascii_digit() || *c == b':' || *c == b'.')
}

/// Skips a leading log-stream name and timestamps (the `sam logs` prefix,
/// or a console clock time when `allow_clock`). Returns the last full
/// timestamp read and the index of the first token after the prefix.
fn skip_prefix(tokens: &[Tok<'_>], allow_clock: bool) -> (Option<DateTime<Utc>>, usize) {
    let mut i = 0;
    let mut time = None;
    if text_at(tokens, i).is_some_and(is_log_stream) {
        i += 1;
    }
    // `sam logs` puts its own timestamp before the runtime's: read up to two.
    for _ in 0..2 {
        if let Some((t, n)) = take_timestamp(tokens, i) {
            time = Some(t);
            i += n;
        } else if allow_clock && text_at(tokens, i).is_some_and(is_clock) {
            i += 1;
        } else {
            break;
        }
    }
    (time, i)
}

/// Whether `s` looks like a Lambda request id: a UUID-like run of letters,
/// digits and dashes (the docs' `xmpl` ids are not hex, so letters are
/// allowed).
fn looks_like_request_id(s: &str) -> bool {
    (16..=64).contains(&s.len())
        && s.contains('-')
        && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
        && s.bytes().any(|c| c.is_ascii_digit())
}

/// A log level token as runtimes print it: `INFO` or `info`, kept as given.
fn level_token(s: &str) -> Option<&str> {
    const LEVELS: [&str; 8] = [
        "TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL", "CRITICAL",
    ];
    let lower = s.bytes().all(|c| c.is_ascii_lowercase());
    let known = LEVELS
        .iter()
        .any(|l| *l == s || (lower && l.eq_ignore_ascii_case(s)));
    known.then_some(s)
}

// ---------------------------------------------------------------------------
// Platform text lines

/// The field keys of platform text lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    RequestId,
    Version,
    Duration,
    BilledDuration,
    MemorySize,
    MaxMemoryUsed,
    InitDuration,
    RestoreDuration,
    BilledRestoreDuration,
    Status,
    ErrorType,
    TraceId,
    SegmentId,
    Sampled,
    RuntimeVersion,
    RuntimeVersionArn,
    Phase,
    Name,
}

/// Key names as token sequences, longest first so that `Billed Duration:`
/// is never read as `Duration:`.
const KEYS: &[(&[&str], Key)] = &[
    (
        &["Billed", "Restore", "Duration:"],
        Key::BilledRestoreDuration,
    ),
    (&["Max", "Memory", "Used:"], Key::MaxMemoryUsed),
    (&["Runtime", "Version", "ARN:"], Key::RuntimeVersionArn),
    (&["Billed", "Duration:"], Key::BilledDuration),
    (&["Memory", "Size:"], Key::MemorySize),
    (&["Init", "Duration:"], Key::InitDuration),
    (&["Restore", "Duration:"], Key::RestoreDuration),
    (&["Error", "Type:"], Key::ErrorType),
    (&["XRAY", "TraceId:"], Key::TraceId),
    (&["Runtime", "Version:"], Key::RuntimeVersion),
    (&["RequestId:"], Key::RequestId),
    (&["Version:"], Key::Version),
    (&["Duration:"], Key::Duration),
    (&["Status:"], Key::Status),
    (&["SegmentId:"], Key::SegmentId),
    (&["Sampled:"], Key::Sampled),
    (&["Phase:"], Key::Phase),
    (&["Name:"], Key::Name),
];

/// Units that may follow a number.
const UNITS: [&str; 5] = ["ms", "MB", "s", "seconds", "GB"];

/// The key starting at token `i`, and how many tokens it spans.
fn key_at(tokens: &[&str], i: usize) -> Option<(Key, usize)> {
    let rest = tokens.get(i..)?;
    KEYS.iter()
        .find(|(words, _)| rest.starts_with(words))
        .map(|(words, key)| (*key, words.len()))
}

/// The `Key: value [unit]` pairs of a platform line.
#[derive(Debug, Default)]
struct Fields<'a> {
    /// Key, value token, and the token after the value (its unit, if any).
    pairs: Vec<(Key, &'a str, Option<&'a str>)>,
}

impl<'a> Fields<'a> {
    /// Reads every known key and the token after it. A key directly
    /// followed by another key (or by nothing) has no value.
    fn scan(tokens: &[&'a str]) -> Fields<'a> {
        let mut fields = Fields::default();
        let mut i = 0;
        while i < tokens.len() {
            let Some((key, len)) = key_at(tokens, i) else {
                i += 1;
                continue;
            };
            let vi = i + len;
            let value = tokens
                .get(vi)
                .copied()
                .filter(|v| key_at(tokens, vi).is_none() && !v.ends_with(':'));
            match value {
                Some(v) => {
                    let unit = tokens
                        .get(vi + 1)
                        .copied()
                        .filter(|_| key_at(tokens, vi + 1).is_none());
                    fields.pairs.push((key, v, unit));
                    i = vi + 1;
                }
                None => i = vi,
            }
        }
        fields
    }

    /// The first value of `key`, with the token after it.
    fn raw(&self, key: Key) -> Option<(&'a str, Option<&'a str>)> {
        self.pairs
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, v, u)| (*v, *u))
    }

    /// The first value of `key` as text.
    fn text(&self, key: Key) -> Option<String> {
        self.raw(key).map(|(v, _)| v.to_string())
    }

    /// The value of `key` if its unit is `unit` or unstated; `None` when
    /// another unit follows.
    fn with_unit(&self, key: Key, unit: &str) -> Option<&'a str> {
        let (value, next) = self.raw(key)?;
        match next {
            Some(u) if UNITS.contains(&u) && u != unit => None,
            _ => Some(value),
        }
    }

    /// A decimal number of milliseconds.
    fn ms(&self, key: Key) -> Option<f64> {
        self.with_unit(key, "ms").and_then(parse_decimal)
    }

    /// A whole number of milliseconds.
    fn whole_ms(&self, key: Key) -> Option<u64> {
        self.with_unit(key, "ms").and_then(parse_whole)
    }

    /// A whole number of megabytes.
    fn mb(&self, key: Key) -> Option<u32> {
        self.with_unit(key, "MB")
            .and_then(parse_whole)
            .and_then(|v| u32::try_from(v).ok())
    }
}

/// Parses a plain non-negative decimal (`1201.12`, `3`): digits and at most
/// one dot; no signs, exponents, `inf` or `NaN`.
fn parse_decimal(s: &str) -> Option<f64> {
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    let dots = s.bytes().filter(|c| *c == b'.').count();
    if digits == 0 || dots > 1 || digits + dots != s.len() {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Parses a whole non-negative number (digits only).
fn parse_whole(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Decodes a platform text line, or returns `None` when the line is not one.
fn parse_platform_text(line: &str, tokens: &[Tok<'_>]) -> Option<LambdaEvent> {
    let (time, first) = skip_prefix(tokens, true);
    let rest = tokens.get(first..)?;
    let words: Vec<&str> = rest.iter().map(|t| t.text).collect();
    let (keyword, after) = words.split_first()?;
    if *keyword == "RequestId:" {
        let id = after
            .first()
            .copied()
            .filter(|id| looks_like_request_id(id))?;
        let message = rest.get(2).and_then(|t| line.get(t.start..))?;
        return Some(LambdaEvent::Fault {
            time,
            request_id: Some(id.to_string()),
            message: message.trim_end().to_string(),
        });
    }
    if key_at(after, 0).is_none() {
        return parse_timeout(time, &words);
    }
    let f = Fields::scan(after);
    match *keyword {
        "START" => Some(LambdaEvent::Start {
            time,
            request_id: f.text(Key::RequestId)?,
            version: f.text(Key::Version),
            xray_trace_id: f.text(Key::TraceId),
        }),
        "END" => Some(LambdaEvent::End {
            time,
            request_id: f.text(Key::RequestId)?,
        }),
        "REPORT" => Some(LambdaEvent::Report(Report {
            time,
            request_id: f.text(Key::RequestId).unwrap_or_default(),
            duration_ms: f.ms(Key::Duration)?,
            billed_duration_ms: f.whole_ms(Key::BilledDuration),
            memory_size_mb: f.mb(Key::MemorySize),
            max_memory_used_mb: f.mb(Key::MaxMemoryUsed),
            init_duration_ms: f.ms(Key::InitDuration),
            restore_duration_ms: f.ms(Key::RestoreDuration),
            billed_restore_duration_ms: f.whole_ms(Key::BilledRestoreDuration),
            status: f.text(Key::Status),
            error_type: f.text(Key::ErrorType),
            xray_trace_id: f.text(Key::TraceId),
        })),
        "INIT_START" => Some(LambdaEvent::InitStart {
            time,
            init_type: InitType::Unknown,
            runtime_version: Some(f.text(Key::RuntimeVersion)?),
            phase: InitPhase::Init,
        }),
        "INIT_REPORT" => Some(LambdaEvent::InitReport {
            time,
            init_type: InitType::Unknown,
            phase: match f.raw(Key::Phase) {
                Some(("invoke", _)) => InitPhase::Invoke,
                _ => InitPhase::Init,
            },
            duration_ms: f.ms(Key::InitDuration)?,
            status: f.text(Key::Status),
            error_type: f.text(Key::ErrorType),
        }),
        "RESTORE_START" => Some(LambdaEvent::RestoreStart {
            time,
            runtime_version: Some(f.text(Key::RuntimeVersion)?),
        }),
        "RESTORE_REPORT" => {
            let duration_ms = f.ms(Key::RestoreDuration);
            let status = f.text(Key::Status);
            if duration_ms.is_none() && status.is_none() {
                return None;
            }
            Some(LambdaEvent::RestoreReport {
                time,
                duration_ms,
                status,
                error_type: f.text(Key::ErrorType),
            })
        }
        "EXTENSION" | "TELEMETRY" | "LOGS" => {
            f.raw(Key::Name)?;
            let message = rest.first().and_then(|t| line.get(t.start..))?;
            Some(LambdaEvent::Log {
                time,
                request_id: None,
                level: None,
                origin: "platform",
                message: message.trim_end().to_string(),
            })
        }
        _ => None,
    }
}

/// Decodes `[<request-id>] Task timed out after N seconds`.
fn parse_timeout(time: Option<DateTime<Utc>>, words: &[&str]) -> Option<LambdaEvent> {
    const PHRASE: [&str; 4] = ["Task", "timed", "out", "after"];
    let at = if words.starts_with(&PHRASE) { 0 } else { 1 };
    if !words.get(at..).is_some_and(|w| w.starts_with(&PHRASE)) {
        return None;
    }
    let seconds = words.get(at + 4).copied().and_then(parse_decimal)?;
    if !matches!(words.get(at + 5), None | Some(&"seconds")) {
        return None;
    }
    let request_id = match words.first() {
        Some(id) if at == 1 && looks_like_request_id(id) => id.to_string(),
        _ if at == 0 => String::new(),
        _ => return None,
    };
    Some(LambdaEvent::Timeout {
        time,
        request_id,
        seconds,
    })
}

// ---------------------------------------------------------------------------
// Function log lines

/// Decodes a line that is not a platform line as a function log, reading
/// the runtimes' `<time> <request-id> LEVEL` or `[LEVEL] <time>
/// <request-id>` prefixes when present. With no prefix the message is the
/// line itself (without its line break).
fn parse_function_log(line: &str, tokens: &[Tok<'_>]) -> LambdaEvent {
    let (mut time, mut i) = skip_prefix(tokens, false);
    let mut level = None;
    let mut request_id = None;
    if let Some(l) = text_at(tokens, i)
        .and_then(|t| t.strip_prefix('[')?.strip_suffix(']'))
        .and_then(level_token)
    {
        level = Some(l.to_string());
        i += 1;
        if let Some((t, n)) = take_timestamp(tokens, i) {
            time = Some(t);
            i += n;
        }
    }
    if time.is_some() {
        if let Some(id) = text_at(tokens, i) {
            if looks_like_request_id(id) {
                request_id = Some(id.to_string());
                i += 1;
            } else if id == "undefined" {
                i += 1;
            }
        }
        if level.is_none() {
            if let Some(l) = text_at(tokens, i).and_then(level_token) {
                level = Some(l.to_string());
                i += 1;
            }
        }
    }
    let message = if i == 0 {
        line.trim_end_matches(['\r', '\n'])
    } else {
        tokens
            .get(i)
            .and_then(|t| line.get(t.start..))
            .map_or("", str::trim_end)
    };
    LambdaEvent::Log {
        time,
        request_id,
        level,
        origin: "function",
        message: message.to_string(),
    }
}

// ---------------------------------------------------------------------------
// JSON lines

/// Decodes a JSON object line: a platform event, or a function log.
fn parse_json(obj: &Map<String, Value>, raw: &str) -> LambdaEvent {
    if let (Some(kind), Some(record)) = (obj.get("type").and_then(Value::as_str), obj.get("record"))
    {
        let time = obj.get("time").and_then(json_time);
        if let Some(event) = parse_json_event(kind, record, time) {
            return event;
        }
    }
    json_function_log(obj, raw, "function", None)
}

/// A JSON time: RFC 3339 text or epoch milliseconds.
fn json_time(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::String(s) => parse_timestamp(s),
        Value::Number(n) => Utc.timestamp_millis_opt(n.as_i64()?).single(),
        _ => None,
    }
}

/// A string field of a JSON object.
fn json_str(obj: &Value, key: &str) -> Option<String> {
    obj.get(key).and_then(Value::as_str).map(str::to_string)
}

/// A number in `record.metrics`.
fn metric(record: &Value, key: &str) -> Option<f64> {
    record
        .get("metrics")?
        .get(key)?
        .as_f64()
        .filter(|v| v.is_finite())
}

/// A whole number in `record.metrics` (integral floats accepted).
fn whole_metric(record: &Value, key: &str) -> Option<u64> {
    let v = record.get("metrics")?.get(key)?;
    v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0 && f.fract() == 0.0 && *f < 1.8e19)
            .map(|f| f as u64)
    })
}

/// The X-Ray trace id (`Root=` part) of `record.tracing.value`.
fn trace_id(record: &Value) -> Option<String> {
    let value = record.get("tracing")?.get("value")?.as_str()?;
    value
        .split(';')
        .find_map(|part| part.trim().strip_prefix("Root="))
        .map(str::to_string)
}

/// `record.phase` as an [`InitPhase`].
fn json_phase(record: &Value) -> InitPhase {
    match record.get("phase").and_then(Value::as_str) {
        Some("invoke") => InitPhase::Invoke,
        _ => InitPhase::Init,
    }
}

/// `record.initializationType` as an [`InitType`].
fn json_init_type(record: &Value) -> InitType {
    record
        .get("initializationType")
        .and_then(Value::as_str)
        .map_or(InitType::Unknown, InitType::parse)
}

/// Decodes a `{"type":…,"record":…}` event. `None` for types that are not
/// Lambda's (the object is then read as a function log).
fn parse_json_event(
    kind: &str,
    record: &Value,
    time: Option<DateTime<Utc>>,
) -> Option<LambdaEvent> {
    let event = match kind {
        "function" | "extension" => {
            let origin = if kind == "function" {
                "function"
            } else {
                "extension"
            };
            return Some(match record {
                Value::String(s) => LambdaEvent::Log {
                    time,
                    request_id: None,
                    level: None,
                    origin,
                    message: s.clone(),
                },
                Value::Object(obj) => json_function_log(obj, &record.to_string(), origin, time),
                other => LambdaEvent::Log {
                    time,
                    request_id: None,
                    level: None,
                    origin,
                    message: other.to_string(),
                },
            });
        }
        "platform.initStart" => Some(LambdaEvent::InitStart {
            time,
            init_type: json_init_type(record),
            runtime_version: json_str(record, "runtimeVersion"),
            phase: json_phase(record),
        }),
        "platform.initReport" => {
            metric(record, "durationMs").map(|duration_ms| LambdaEvent::InitReport {
                time,
                init_type: json_init_type(record),
                phase: json_phase(record),
                duration_ms,
                status: json_str(record, "status"),
                error_type: json_str(record, "errorType"),
            })
        }
        "platform.restoreStart" => Some(LambdaEvent::RestoreStart {
            time,
            runtime_version: json_str(record, "runtimeVersion"),
        }),
        "platform.restoreReport" => Some(LambdaEvent::RestoreReport {
            time,
            duration_ms: metric(record, "durationMs"),
            status: json_str(record, "status"),
            error_type: json_str(record, "errorType"),
        }),
        "platform.start" => json_str(record, "requestId").map(|request_id| LambdaEvent::Start {
            time,
            request_id,
            version: json_str(record, "version"),
            xray_trace_id: trace_id(record),
        }),
        "platform.runtimeDone" => {
            match (json_str(record, "requestId"), json_str(record, "status")) {
                (Some(request_id), Some(status)) => Some(LambdaEvent::RuntimeDone {
                    time,
                    request_id,
                    status,
                    error_type: json_str(record, "errorType"),
                    duration_ms: metric(record, "durationMs"),
                }),
                _ => None,
            }
        }
        "platform.end" => {
            json_str(record, "requestId").map(|request_id| LambdaEvent::End { time, request_id })
        }
        "platform.report" => metric(record, "durationMs").map(|duration_ms| {
            LambdaEvent::Report(Report {
                time,
                request_id: json_str(record, "requestId").unwrap_or_default(),
                duration_ms,
                billed_duration_ms: whole_metric(record, "billedDurationMs"),
                memory_size_mb: whole_metric(record, "memorySizeMB")
                    .and_then(|v| u32::try_from(v).ok()),
                max_memory_used_mb: whole_metric(record, "maxMemoryUsedMB")
                    .and_then(|v| u32::try_from(v).ok()),
                init_duration_ms: metric(record, "initDurationMs"),
                restore_duration_ms: metric(record, "restoreDurationMs"),
                billed_restore_duration_ms: whole_metric(record, "billedRestoreDurationMs"),
                status: json_str(record, "status"),
                error_type: json_str(record, "errorType"),
                xray_trace_id: trace_id(record),
            })
        }),
        "platform.fault" => {
            let message = match record {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let request_id = message
                .strip_prefix("RequestId:")
                .and_then(|rest| rest.split_whitespace().next())
                .map(str::to_string);
            Some(LambdaEvent::Fault {
                time,
                request_id,
                message,
            })
        }
        _ if kind.starts_with("platform.") => None,
        _ => return None,
    };
    Some(event.unwrap_or_else(|| LambdaEvent::Other {
        time,
        kind: kind.to_string(),
        detail: record.to_string(),
    }))
}

/// Decodes a JSON function log (`timestamp`, `level`, `requestId`,
/// `message`). Without a `message` field the whole object is the message.
fn json_function_log(
    obj: &Map<String, Value>,
    raw: &str,
    origin: &'static str,
    time: Option<DateTime<Utc>>,
) -> LambdaEvent {
    let text = |key: &str| obj.get(key).and_then(Value::as_str).map(str::to_string);
    let message = match obj.get("message") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => raw.to_string(),
    };
    LambdaEvent::Log {
        time: obj
            .get("timestamp")
            .and_then(json_time)
            .or_else(|| obj.get("time").and_then(json_time))
            .or(time),
        request_id: text("requestId"),
        level: text("level"),
        origin,
        message,
    }
}

#[cfg(test)]
#[path = "lambda_log_tests.rs"]
mod tests;
