//! Invocation records as newline-delimited JSON, one object per line.
//!
//! Field names are the `invocations` table's columns. Times are RFC 3339
//! (`start_time`, any offset, stored as UTC with millisecond precision) or
//! epoch milliseconds (`start_time_ms`); `cost_usd` is a decimal number or
//! string of dollars and is computed from the provider's prices when absent,
//! as are `billed_duration_ms` and `start_time`'s second. Unknown fields are
//! refused by name, so a typo never silently drops data.

use crate::normalize::{normalize, NormalizeError};
use chrono::{DateTime, SecondsFormat, Utc};
use faasight_store::{InvocationRow, PicoUsd};
use serde::{Deserialize, Serialize};

/// `cost_usd` as JSON gives it, a number or a decimal string, as its
/// decimal text.
///
/// This and [`Time`] are read by hand rather than as `#[serde(untagged)]`
/// enums: an untagged enum buffers the value and builds (and drops) a
/// formatted error for every variant that does not fit, which cost more
/// than parsing the rest of the line.
#[derive(Debug)]
struct Money(String);

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Money;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number or a decimal string of dollars")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Money, E> {
                Ok(Money(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Money, E> {
                Ok(Money(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Money, E> {
                // A JSON number is a binary float by the time it is read,
                // and writers print small ones with an exponent (Python's
                // json gives 2.1e-06 for a typical invocation's cost): it
                // is taken to the pico-dollar, the precision of the column.
                if v.is_finite() {
                    Ok(Money(format!("{v:.12}")))
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Float(v), &self))
                }
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Money, E> {
                Ok(Money(v.to_string()))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// `start_time` as JSON gives it: RFC 3339 text or epoch milliseconds.
#[derive(Debug)]
enum Time {
    Millis(u64),
    Text(String),
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Time;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an RFC 3339 time or epoch milliseconds")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Time, E> {
                Ok(Time::Millis(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Time, E> {
                u64::try_from(v)
                    .map(Time::Millis)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Time, E> {
                Ok(Time::Text(v.to_string()))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// One invocation record on the wire.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Record {
    tenant: String,
    provider: String,
    account: String,
    region: String,
    function: String,
    version: String,
    runtime: String,
    arch: String,
    memory_mb: u32,
    timeout_ms: u32,
    request_id: String,
    instance_id: String,
    trace_id: String,
    start_time: Option<Time>,
    start_time_ms: Option<u64>,
    duration_ms: Option<f64>,
    billed_duration_ms: u64,
    init_duration_ms: f64,
    restore_duration_ms: f64,
    billed_restore_duration_ms: u64,
    cpu_time_ms: f64,
    start_type: String,
    max_memory_used_mb: u32,
    status: String,
    error_type: String,
    trigger: String,
    cost_usd: Option<Money>,
    source: String,
    ingested_at: Option<String>,
    /// Accepted because it is a column, but the collector sets its own.
    batch_id: Option<String>,
    /// Likewise.
    batch_row: Option<u32>,
}

/// Why a line was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecordError {
    /// Not JSON, or a field of the wrong type, or an unknown field.
    #[error("{0}")]
    Json(String),
    /// A field is missing or out of range.
    #[error(transparent)]
    Invalid(#[from] NormalizeError),
    /// A time or amount could not be parsed.
    #[error("{field}: {reason}")]
    Field {
        /// Field name.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}

fn json_error(e: serde_json::Error) -> RecordError {
    let msg = e.to_string();
    // serde lists every expected field after an unknown one; the name of the
    // offending field is what the sender needs.
    let msg = match msg.split_once(", expected") {
        Some((head, _)) if msg.starts_with("unknown field") => head.to_string(),
        _ => msg,
    };
    RecordError::Json(msg)
}

fn parse_time(t: Time) -> Result<u64, RecordError> {
    match t {
        Time::Millis(ms) => Ok(ms),
        Time::Text(s) => DateTime::parse_from_rfc3339(&s)
            .map(|d| d.timestamp_millis().max(0) as u64)
            .map_err(|e| RecordError::Field {
                field: "start_time",
                reason: format!("{s:?} is not an RFC 3339 time ({e})"),
            }),
    }
}

fn parse_money(m: Money) -> Result<PicoUsd, RecordError> {
    let Money(text) = m;
    PicoUsd::parse_decimal(&text).ok_or_else(|| RecordError::Field {
        field: "cost_usd",
        reason: format!("{text:?} is not a dollar amount with at most 12 decimals"),
    })
}

/// Decodes and normalizes one NDJSON line.
pub fn parse_line(line: &str, now: DateTime<Utc>) -> Result<InvocationRow, RecordError> {
    let r: Record = serde_json::from_str(line).map_err(json_error)?;
    let start_time_ms = match (r.start_time_ms, r.start_time) {
        (Some(ms), _) => ms,
        (None, Some(t)) => parse_time(t)?,
        (None, None) => return Err(NormalizeError::Missing("start_time").into()),
    };
    let duration_ms = r
        .duration_ms
        .ok_or(NormalizeError::Missing("duration_ms"))?;
    let cost = r.cost_usd.map(parse_money).transpose()?;
    let mut row = InvocationRow {
        tenant: r.tenant,
        provider: r.provider,
        account: r.account,
        region: r.region,
        function: r.function,
        version: r.version,
        runtime: r.runtime,
        arch: r.arch,
        memory_mb: r.memory_mb,
        timeout_ms: r.timeout_ms,
        request_id: r.request_id,
        instance_id: r.instance_id,
        trace_id: r.trace_id,
        start_time_ms,
        duration_ms,
        billed_duration_ms: r.billed_duration_ms,
        init_duration_ms: r.init_duration_ms,
        restore_duration_ms: r.restore_duration_ms,
        billed_restore_duration_ms: r.billed_restore_duration_ms,
        cpu_time_ms: r.cpu_time_ms,
        start_type: r.start_type,
        max_memory_used_mb: r.max_memory_used_mb,
        status: r.status,
        error_type: r.error_type,
        trigger: r.trigger,
        source: if r.source.is_empty() {
            "ndjson".into()
        } else {
            r.source
        },
        ..Default::default()
    };
    // Accepted for round trips; the collector stamps its own.
    let _ = (r.ingested_at, r.batch_id, r.batch_row);
    normalize(&mut row, now)?;
    if let Some(cost) = cost {
        row.cost_usd = cost;
    }
    Ok(row)
}

/// Decodes a whole body. All-or-nothing: on any bad line, returns up to ten
/// errors as `(line number, error)` and no rows, so that a sender can fix
/// the body and resend it without creating duplicates.
pub fn parse_body(
    body: &str,
    now: DateTime<Utc>,
) -> Result<Vec<InvocationRow>, Vec<(usize, RecordError)>> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in body.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match parse_line(line, now) {
            Ok(row) => rows.push(row),
            Err(e) if errors.len() < 10 => errors.push((n + 1, e)),
            Err(_) => {}
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// The wire form of a row, for output.
#[derive(Serialize)]
struct OutRecord<'a> {
    #[serde(flatten)]
    row: &'a InvocationRow,
}

/// Encodes a row as one NDJSON line (no newline): the table's columns, times
/// as RFC 3339 UTC with milliseconds, `cost_usd` as an exact decimal string.
pub fn to_line(row: &InvocationRow) -> String {
    let mut v = serde_json::to_value(OutRecord { row }).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        let start =
            DateTime::<Utc>::from_timestamp_millis(row.start_time_ms as i64).unwrap_or_default();
        obj.insert(
            "start_time".into(),
            start.to_rfc3339_opts(SecondsFormat::Millis, true).into(),
        );
        obj.remove("start_time_ms");
        obj.remove("batch_id");
        obj.remove("batch_row");
        obj.insert(
            "ingested_at".into(),
            row.ingested_at
                .to_rfc3339_opts(SecondsFormat::Secs, true)
                .into(),
        );
        obj.insert("cost_usd".into(), row.cost_usd.to_decimal_string().into());
    }
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"provider":"aws_lambda","function":"api","region":"us-east-1","arch":"arm64","memory_mb":512,"start_time":"2026-01-02T03:04:05.678+01:00","duration_ms":12.3,"start_type":"cold","init_duration_ms":210.5}"#;

    #[test]
    fn parses_and_prices_a_record() {
        let r = parse_line(LINE, Utc::now()).unwrap();
        assert_eq!(r.start_time_ms, 1_767_319_445_678);
        assert_eq!(r.start_time.to_rfc3339(), "2026-01-02T02:04:05+00:00");
        // INIT is billed after 2025-08-01: 12.3 + 210.5 → 223 ms.
        assert_eq!(r.billed_duration_ms, 223);
        assert!(r.cost_usd.0 > 200_000);
        assert_eq!(r.source, "ndjson");
    }

    #[test]
    fn round_trips_through_its_output_form() {
        let r = parse_line(LINE, Utc::now()).unwrap();
        let line = to_line(&r);
        assert!(
            line.contains(r#""start_time":"2026-01-02T02:04:05.678Z""#),
            "{line}"
        );
        let again = parse_line(&line, r.ingested_at).unwrap();
        assert_eq!(again, r);
    }

    #[test]
    fn names_unknown_fields_and_bad_lines() {
        let e = parse_line(
            r#"{"provider":"knative","function":"f","start_time_ms":1767225600000,"duration_ms":1,"memroy_mb":5}"#,
            Utc::now(),
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "unknown field `memroy_mb`");
        let errs = parse_body(
            &format!("{LINE}\n\nnot json\n{LINE}\n{{\"function\":\"f\"}}"),
            Utc::now(),
        )
        .unwrap_err();
        assert_eq!(errs.iter().map(|(n, _)| *n).collect::<Vec<_>>(), vec![3, 5]);
        assert!(errs[1].1.to_string().contains("start_time is required"));
        let e = parse_line(
            r#"{"function":"f","start_time":"yesterday","duration_ms":1}"#,
            Utc::now(),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("start_time: \"yesterday\" is not an RFC 3339 time"),
            "{e}"
        );
    }

    #[test]
    fn keeps_a_given_cost_exactly() {
        let line = r#"{"provider":"knative","function":"f","start_time_ms":1767225600000,"duration_ms":1,"cost_usd":"0.000000123456"}"#;
        assert_eq!(
            parse_line(line, Utc::now()).unwrap().cost_usd,
            PicoUsd(123_456)
        );
        let line = r#"{"provider":"knative","function":"f","start_time_ms":1767225600000,"duration_ms":1,"cost_usd":0.25}"#;
        assert_eq!(
            parse_line(line, Utc::now()).unwrap().cost_usd,
            PicoUsd(250_000_000_000)
        );
        // Numbers with an exponent, as Python's json writes small floats.
        for (cost, pico) in [
            ("3", 3_000_000_000_000),
            ("0.0000021", 2_100_000),
            ("2.1e-06", 2_100_000),
            ("1.5E-12", 2),
        ] {
            let line = format!(
                r#"{{"provider":"knative","function":"f","start_time_ms":1767225600000,"duration_ms":1,"cost_usd":{cost}}}"#
            );
            assert_eq!(
                parse_line(&line, Utc::now()).unwrap().cost_usd,
                PicoUsd(pico)
            );
        }
    }

    #[test]
    fn start_time_may_be_epoch_milliseconds_and_wrong_types_are_named() {
        let line =
            r#"{"provider":"knative","function":"f","start_time":1767319445678,"duration_ms":1}"#;
        assert_eq!(
            parse_line(line, Utc::now()).unwrap().start_time_ms,
            1_767_319_445_678
        );
        for (line, expected) in [
            (
                r#"{"function":"f","start_time":-5,"duration_ms":1}"#,
                "an RFC 3339 time or epoch milliseconds",
            ),
            (
                r#"{"function":"f","start_time":true,"duration_ms":1}"#,
                "an RFC 3339 time or epoch milliseconds",
            ),
            (
                r#"{"provider":"knative","function":"f","start_time_ms":1767225600000,"duration_ms":1,"cost_usd":[1]}"#,
                "a number or a decimal string of dollars",
            ),
        ] {
            let err = parse_line(line, Utc::now()).unwrap_err().to_string();
            assert!(err.contains(expected), "{line}: {err}");
        }
    }
}
