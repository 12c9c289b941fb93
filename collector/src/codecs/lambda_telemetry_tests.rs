//! Tests for `lambda_telemetry`. Expected values are written by hand from
//! the fixture text, not computed by the decoder.

use super::*;
use chrono::{Duration, TimeZone};
use serde_json::json;

const FIXTURE_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/lambda-logs/telemetry_events.jsonl"
);

/// The fixture file, read at test time.
fn fixture() -> String {
    std::fs::read_to_string(FIXTURE_PATH).unwrap_or_else(|e| panic!("{FIXTURE_PATH}: {e}"))
}

/// A UTC time from its parts, independent of the decoder's RFC 3339 parsing.
fn ts(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, ms: i64) -> Option<DateTime<Utc>> {
    let t = Utc.with_ymd_and_hms(y, mo, d, h, mi, s).single().unwrap();
    Some(t + Duration::milliseconds(ms))
}

fn s(text: &str) -> String {
    text.to_string()
}

/// What one fixture record must decode to.
enum Expect {
    /// Exactly this event.
    Event(LambdaEvent),
    /// `Other` with this time and kind, and a detail equal (as JSON) to this.
    Other(Option<DateTime<Utc>>, &'static str, Value),
}

fn expected() -> Vec<Expect> {
    use Expect::{Event, Other};
    vec![
        // 0: function log line, plain text without a runtime prefix.
        Event(LambdaEvent::Log {
            time: ts(2020, 8, 20, 12, 31, 32, 123),
            request_id: None,
            level: None,
            origin: "function",
            message: s("hello world"),
        }),
        // 1: platform.start with X-Ray tracing.
        Event(LambdaEvent::Start {
            time: ts(2022, 10, 21, 14, 5, 3, 165),
            request_id: s("459921b5-681c-4a96-beb0-81e0aa586026"),
            version: Some(s("$LATEST")),
            xray_trace_id: Some(s("1-6352a70e-1e2c502e358361800241fd45")),
        }),
        // 2: platform.runtimeDone, metrics.durationMs 2599.0.
        Event(LambdaEvent::RuntimeDone {
            time: ts(2022, 10, 21, 14, 5, 5, 764),
            request_id: s("459921b5-681c-4a96-beb0-81e0aa586026"),
            status: s("success"),
            error_type: None,
            duration_ms: Some(2599.0),
        }),
        // 3
        Other(
            ts(2022, 10, 19, 13, 52, 15, 667),
            "platform.telemetrySubscription",
            json!({"name": "my-extension", "state": "Subscribed", "types": ["platform", "function"]}),
        ),
        // 4
        Other(
            ts(2022, 10, 19, 13, 52, 16, 136),
            "platform.extension",
            json!({"name": "my-extension", "state": "Ready", "events": ["SHUTDOWN", "INVOKE"]}),
        ),
        // 5: restoreStart with an empty record.
        Event(LambdaEvent::RestoreStart {
            time: ts(2022, 10, 19, 13, 52, 15, 636),
            runtime_version: None,
        }),
        // 6: restoreReport without metrics.
        Event(LambdaEvent::RestoreReport {
            time: ts(2022, 10, 19, 13, 52, 16, 136),
            duration_ms: None,
            status: Some(s("failure")),
            error_type: Some(s("RestoreError")),
        }),
        // 7
        Event(LambdaEvent::InitStart {
            time: ts(2022, 10, 12, 0, 0, 15, 64),
            init_type: InitType::OnDemand,
            runtime_version: Some(s("nodejs-14.v3")),
            phase: InitPhase::Init,
        }),
        // 8
        Event(LambdaEvent::InitReport {
            time: ts(2022, 10, 12, 0, 1, 15, 0),
            init_type: InitType::OnDemand,
            phase: InitPhase::Init,
            duration_ms: 125.33,
            status: None,
            error_type: None,
        }),
        // 9: its span has a malformed start time, which is not read.
        Event(LambdaEvent::RuntimeDone {
            time: ts(2022, 10, 12, 0, 1, 15, 0),
            request_id: s("6d68ca91-49c9-448d-89b8-7ca3e6dc66aa"),
            status: s("success"),
            error_type: None,
            duration_ms: Some(140.0),
        }),
        // 10
        Other(
            ts(2022, 10, 12, 0, 2, 15, 0),
            "platform.extension",
            json!({"events": ["INVOKE", "SHUTDOWN"], "name": "my-telemetry-extension", "state": "Ready"}),
        ),
        // 11
        Other(
            ts(2022, 10, 12, 0, 2, 35, 0),
            "platform.logsDropped",
            json!({
                "droppedBytes": 12345,
                "droppedRecords": 123,
                "reason": "Consumer seems to have fallen behind as it has not acknowledged receipt of logs."
            }),
        ),
        // 12: Logs API platform.end.
        Event(LambdaEvent::End {
            time: ts(2020, 8, 20, 12, 31, 32, 123),
            request_id: s("6f7f0961f83442118a7af6fe80b88d56"),
        }),
        // 13: Logs API platform.fault, request id taken from the text.
        Event(LambdaEvent::Fault {
            time: ts(2020, 8, 20, 12, 31, 32, 123),
            request_id: Some(s("d783b35e-a91d-4251-af17-035953428a2c")),
            message: s(
                "RequestId: d783b35e-a91d-4251-af17-035953428a2c Process exited before completing request",
            ),
        }),
        // 14: not strict JSON (trailing comma before `}`), repaired.
        Other(
            ts(2020, 8, 20, 12, 31, 32, 123),
            "platform.logsSubscription",
            json!({"name": "Foo.bar", "state": "Subscribed", "types": ["function", "platform"]}),
        ),
        // 15: Logs API runtimeDone, no metrics.
        Event(LambdaEvent::RuntimeDone {
            time: ts(2021, 2, 4, 20, 0, 5, 123),
            request_id: s("6f7f0961f83442118a7af6fe80b88"),
            status: s("success"),
            error_type: None,
            duration_ms: None,
        }),
        // 16
        Event(LambdaEvent::RuntimeDone {
            time: ts(2021, 2, 4, 20, 0, 5, 123),
            request_id: s("6f7f0961f83442118a7af6fe80b88"),
            status: s("timeout"),
            error_type: None,
            duration_ms: None,
        }),
    ]
}

fn check(i: usize, got: &LambdaEvent, want: &Expect) {
    match want {
        Expect::Event(e) => assert_eq!(got, e, "fixture record {i}"),
        Expect::Other(time, kind, detail) => match got {
            LambdaEvent::Other {
                time: t,
                kind: k,
                detail: d,
            } => {
                assert_eq!(t, time, "fixture record {i}: time");
                assert_eq!(k, kind, "fixture record {i}: kind");
                let d: Value = serde_json::from_str(d).unwrap();
                assert_eq!(&d, detail, "fixture record {i}: detail");
            }
            other => panic!("fixture record {i}: expected Other, got {other:?}"),
        },
    }
}

#[test]
fn every_fixture_record_decodes_as_expected() {
    let text = fixture();
    let records: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let want = expected();
    assert_eq!(records.len(), 17);
    assert_eq!(want.len(), records.len());
    for (i, (rec, want)) in records.iter().zip(&want).enumerate() {
        let raw = rec["raw"].as_str().unwrap();
        let strict = rec["strict_json"].as_bool().unwrap();
        let direct = serde_json::from_str::<Value>(raw);
        assert_eq!(direct.is_ok(), strict, "fixture record {i}: strict_json");

        let results = parse_body(raw).unwrap_or_else(|e| panic!("record {i}: {e}"));
        assert_eq!(results.len(), 1, "fixture record {i}");
        let got = results[0]
            .as_ref()
            .unwrap_or_else(|e| panic!("record {i}: {e}"));
        check(i, got, want);

        if let Ok(value) = direct {
            assert_eq!(
                &parse_event(&value).unwrap(),
                got,
                "record {i}: parse_event"
            );
        }
    }
    // The whole fixture's raw events, one per line, form an NDJSON body.
    let body: Vec<String> = records
        .iter()
        .map(|r| {
            let raw = r["raw"].as_str().unwrap();
            match serde_json::from_str::<Value>(raw) {
                Ok(v) => v.to_string(),
                Err(_) => raw.replace('\n', " "),
            }
        })
        .collect();
    let results = parse_body(&body.join("\n")).unwrap();
    assert_eq!(results.len(), 17);
    for (i, (got, want)) in results.iter().zip(&want).enumerate() {
        check(i, got.as_ref().unwrap(), want);
    }
}

#[test]
fn platform_report_with_all_metrics() {
    let body = r#"{"time":"2023-03-01T10:00:02.500Z","type":"platform.report","record":{
        "requestId":"0f2b4a1c-1111-2222-3333-444455556666","status":"success",
        "metrics":{"durationMs":12.5,"billedDurationMs":13,"memorySizeMB":256,"maxMemoryUsedMB":78,"initDurationMs":230.25},
        "tracing":{"spanId":"aa","type":"X-Amzn-Trace-Id","value":"Root=1-63ff2000-0123456789abcdef01234567;Parent=1a2b;Sampled=0"}}}"#;
    let got = parse_body(body).unwrap().remove(0).unwrap();
    assert_eq!(
        got,
        LambdaEvent::Report(Report {
            time: ts(2023, 3, 1, 10, 0, 2, 500),
            request_id: s("0f2b4a1c-1111-2222-3333-444455556666"),
            duration_ms: 12.5,
            billed_duration_ms: Some(13),
            memory_size_mb: Some(256),
            max_memory_used_mb: Some(78),
            init_duration_ms: Some(230.25),
            restore_duration_ms: None,
            billed_restore_duration_ms: None,
            status: Some(s("success")),
            error_type: None,
            xray_trace_id: Some(s("1-63ff2000-0123456789abcdef01234567")),
        })
    );
}

#[test]
fn platform_report_snapstart_and_error() {
    let v = json!({"type": "platform.report", "record": {
        "requestId": "r-1234567890", "status": "error", "errorType": "Runtime.OutOfMemory",
        "metrics": {"durationMs": 100.0, "billedDurationMs": 1000.0, "memorySizeMB": 128,
                    "maxMemoryUsedMB": 128, "restoreDurationMs": 300.5, "billedRestoreDurationMs": 301}}});
    let LambdaEvent::Report(r) = parse_event(&v).unwrap() else {
        panic!("not a report")
    };
    assert_eq!(r.time, None);
    assert_eq!(r.billed_duration_ms, Some(1000));
    assert_eq!(r.restore_duration_ms, Some(300.5));
    assert_eq!(r.billed_restore_duration_ms, Some(301));
    assert_eq!(r.status.as_deref(), Some("error"));
    assert_eq!(r.error_type.as_deref(), Some("Runtime.OutOfMemory"));
    assert_eq!(r.xray_trace_id, None);

    // A report without durationMs, or with a fractional billed duration, is refused.
    let v =
        json!({"type": "platform.report", "record": {"requestId": "r-1234567890", "metrics": {}}});
    assert_eq!(
        parse_event(&v),
        Err(TelemetryError::MissingField {
            index: None,
            kind: Some(s("platform.report")),
            field: "record.metrics.durationMs"
        })
    );
    let v = json!({"type": "platform.report", "record": {"requestId": "r-1234567890",
        "metrics": {"durationMs": 1.0, "billedDurationMs": 2.5}}});
    assert!(matches!(
        parse_event(&v),
        Err(TelemetryError::InvalidField {
            field: "record.metrics.billedDurationMs",
            ..
        })
    ));
    let v = json!({"type": "platform.report", "record": {"requestId": "r-1234567890",
        "metrics": {"durationMs": -1.0}}});
    assert!(matches!(
        parse_event(&v),
        Err(TelemetryError::InvalidField {
            field: "record.metrics.durationMs",
            ..
        })
    ));
    let v = json!({"type": "platform.report", "record": {"requestId": "r-1234567890",
        "metrics": {"durationMs": 1.0, "memorySizeMB": 5_000_000_000u64}}});
    assert!(matches!(
        parse_event(&v),
        Err(TelemetryError::InvalidField {
            field: "record.metrics.memorySizeMB",
            ..
        })
    ));
}

#[test]
fn init_events() {
    let v = json!({"time": "2024-01-01T00:00:00Z", "type": "platform.initReport", "record": {
        "initializationType": "snap-start", "phase": "invoke", "status": "error",
        "errorType": "Runtime.ExitError", "metrics": {"durationMs": 9}}});
    assert_eq!(
        parse_event(&v).unwrap(),
        LambdaEvent::InitReport {
            time: ts(2024, 1, 1, 0, 0, 0, 0),
            init_type: InitType::SnapStart,
            phase: InitPhase::Invoke,
            duration_ms: 9.0,
            status: Some(s("error")),
            error_type: Some(s("Runtime.ExitError")),
        }
    );
    // 2022-07-01 schema: no phase; unknown initialization type.
    let v = json!({"type": "platform.initStart", "record": {"initializationType": "warp-drive"}});
    assert_eq!(
        parse_event(&v).unwrap(),
        LambdaEvent::InitStart {
            time: None,
            init_type: InitType::Unknown,
            runtime_version: None,
            phase: InitPhase::Init,
        }
    );
    let v = json!({"type": "platform.initStart", "record": {"phase": "later"}});
    assert!(matches!(
        parse_event(&v),
        Err(TelemetryError::InvalidField {
            field: "record.phase",
            ..
        })
    ));
    // initRuntimeDone is kept as Other, failed or not.
    let v = json!({"time": "2024-01-01T00:00:00.250+02:00", "type": "platform.initRuntimeDone",
        "record": {"initializationType": "on-demand", "phase": "init", "status": "failure",
                   "errorType": "Runtime.ExitError"}});
    let LambdaEvent::Other { time, kind, detail } = parse_event(&v).unwrap() else {
        panic!("not Other")
    };
    assert_eq!(time, ts(2023, 12, 31, 22, 0, 0, 250));
    assert_eq!(kind, "platform.initRuntimeDone");
    let detail: Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["status"], "failure");
    assert_eq!(detail["errorType"], "Runtime.ExitError");
    let v = json!({"type": "platform.restoreRuntimeDone", "record": {"status": "success"}});
    assert!(
        matches!(parse_event(&v), Ok(LambdaEvent::Other { kind, .. }) if kind == "platform.restoreRuntimeDone")
    );
}

#[test]
fn log_events() {
    // Node.js text format: the prefix becomes fields, the message is the rest.
    let v = json!({"time": "2022-10-12T00:03:50.000Z", "type": "function",
        "record": "2022-10-12T00:03:50.000Z\tc793869b-ee49-115b-a5b6-4fd21e8dedac\tINFO\tHello world\n"});
    assert_eq!(
        parse_event(&v).unwrap(),
        LambdaEvent::Log {
            time: ts(2022, 10, 12, 0, 3, 50, 0),
            request_id: Some(s("c793869b-ee49-115b-a5b6-4fd21e8dedac")),
            level: Some(s("INFO")),
            origin: "function",
            message: s("Hello world"),
        }
    );
    // Python text format, no event time: the prefix's time is used.
    let v = json!({"type": "function",
        "record": "[ERROR]\t2023-05-06T07:08:09.010Z\t1b2c3d4e-aaaa-bbbb-cccc-0123456789ab\tboom"});
    assert_eq!(
        parse_event(&v).unwrap(),
        LambdaEvent::Log {
            time: ts(2023, 5, 6, 7, 8, 9, 10),
            request_id: Some(s("1b2c3d4e-aaaa-bbbb-cccc-0123456789ab")),
            level: Some(s("ERROR")),
            origin: "function",
            message: s("boom"),
        }
    );
    // Node.js outside a request: `undefined` is not a request id; the level stays.
    let v =
        json!({"type": "function", "record": "2023-05-06T07:08:09.010Z\tundefined\tINFO\tloading"});
    let LambdaEvent::Log {
        request_id, level, ..
    } = parse_event(&v).unwrap()
    else {
        panic!("not a Log")
    };
    assert_eq!((request_id, level), (None, Some(s("INFO"))));
    // Tabs without a timestamp: nothing is extracted.
    let v = json!({"type": "extension", "record": "a\tb\tINFO\tc"});
    assert_eq!(
        parse_event(&v).unwrap(),
        LambdaEvent::Log {
            time: None,
            request_id: None,
            level: None,
            origin: "extension",
            message: s("a\tb\tINFO\tc"),
        }
    );
    // JSON log format.
    let v = json!({"time": "2023-11-16T12:00:00.000Z", "type": "function", "record": {
        "timestamp": "2023-11-16T11:59:59.999Z", "level": "WARN",
        "requestId": "79b4f56e-95b1-4643-9700-2807f4e68189", "message": "disk almost full"}});
    assert_eq!(
        parse_event(&v).unwrap(),
        LambdaEvent::Log {
            time: ts(2023, 11, 16, 12, 0, 0, 0),
            request_id: Some(s("79b4f56e-95b1-4643-9700-2807f4e68189")),
            level: Some(s("WARN")),
            origin: "function",
            message: s("disk almost full"),
        }
    );
    // JSON log format without event time, structured message.
    let v = json!({"type": "extension", "record": {
        "timestamp": "2023-11-16T11:59:59.999Z", "level": "INFO", "message": {"k": 1}}});
    assert_eq!(
        parse_event(&v).unwrap(),
        LambdaEvent::Log {
            time: ts(2023, 11, 16, 11, 59, 59, 999),
            request_id: None,
            level: Some(s("INFO")),
            origin: "extension",
            message: s(r#"{"k":1}"#),
        }
    );
    // A log event without a record is refused.
    let v = json!({"type": "function"});
    assert!(matches!(
        parse_event(&v),
        Err(TelemetryError::MissingField {
            field: "record",
            ..
        })
    ));
}

#[test]
fn faults_and_trace_headers() {
    let v = json!({"type": "platform.fault", "record": "Process exited before completing request"});
    assert_eq!(
        parse_event(&v).unwrap(),
        LambdaEvent::Fault {
            time: None,
            request_id: None,
            message: s("Process exited before completing request"),
        }
    );
    assert_eq!(
        trace_root("Root=1-5e1b4151-43a0913a12345678901234567;Parent=53995c3f42cd8ad8;Sampled=1"),
        Some(s("1-5e1b4151-43a0913a12345678901234567"))
    );
    assert_eq!(
        trace_root("Sampled=1; root=1-5e1b4151-43a0913a12345678901234567"),
        Some(s("1-5e1b4151-43a0913a12345678901234567"))
    );
    assert_eq!(
        trace_root("1-5e1b4151-43a0913a12345678901234567"),
        Some(s("1-5e1b4151-43a0913a12345678901234567"))
    );
    assert_eq!(trace_root("Parent=53995c3f42cd8ad8;Sampled=1"), None);
    assert_eq!(trace_root("Root="), None);
    assert_eq!(trace_root(""), None);
}

#[test]
fn required_fields_and_bad_events() {
    for kind in [
        "platform.start",
        "platform.end",
        "platform.runtimeDone",
        "platform.report",
    ] {
        let v =
            json!({"type": kind, "record": {"status": "success", "metrics": {"durationMs": 1}}});
        assert_eq!(
            parse_event(&v),
            Err(TelemetryError::MissingField {
                index: None,
                kind: Some(s(kind)),
                field: "record.requestId"
            }),
            "{kind}"
        );
    }
    let v = json!({"type": "platform.runtimeDone", "record": {"requestId": "abcdefgh-1"}});
    assert!(matches!(
        parse_event(&v),
        Err(TelemetryError::MissingField {
            field: "record.status",
            ..
        })
    ));
    let v = json!({"type": "platform.start", "record": {"requestId": 7}});
    assert!(matches!(
        parse_event(&v),
        Err(TelemetryError::InvalidField {
            field: "record.requestId",
            ..
        })
    ));
    let v = json!({"type": "platform.start", "record": "RequestId: x"});
    assert!(matches!(
        parse_event(&v),
        Err(TelemetryError::InvalidField {
            field: "record",
            ..
        })
    ));
    let v =
        json!({"time": "yesterday", "type": "platform.end", "record": {"requestId": "abcdefgh-1"}});
    assert!(matches!(
        parse_event(&v),
        Err(TelemetryError::InvalidField { field: "time", .. })
    ));
    assert_eq!(
        parse_event(&json!({"record": {}})),
        Err(TelemetryError::MissingField {
            index: None,
            kind: None,
            field: "type"
        })
    );
    assert!(matches!(
        parse_event(&json!({"type": 3})),
        Err(TelemetryError::InvalidField { field: "type", .. })
    ));
    assert_eq!(
        parse_event(&json!([1])),
        Err(TelemetryError::NotAnObject {
            index: None,
            found: "array"
        })
    );
    // Unknown types are kept; a missing record is `null`.
    assert_eq!(
        parse_event(&json!({"type": "platform.somethingNew"})).unwrap(),
        LambdaEvent::Other {
            time: None,
            kind: s("platform.somethingNew"),
            detail: s("null"),
        }
    );
}

#[test]
fn array_body_returns_one_result_per_event() {
    let body = r#"[
        {"time":"2022-10-21T14:05:03.165Z","type":"platform.start","record":{"requestId":"aaaaaaaa-0001"}},
        {"time":"2022-10-21T14:05:03.200Z","record":{"requestId":"aaaaaaaa-0001"}},
        {"type":"platform.end","record":{"requestId":"aaaaaaaa-0001"}},
        "not an event",
    ]"#;
    let results = parse_body(body).unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(
        results[0],
        Ok(LambdaEvent::Start {
            time: ts(2022, 10, 21, 14, 5, 3, 165),
            request_id: s("aaaaaaaa-0001"),
            version: None,
            xray_trace_id: None,
        })
    );
    let err = results[1].clone().unwrap_err();
    assert_eq!(
        err,
        TelemetryError::MissingField {
            index: Some(1),
            kind: None,
            field: "type"
        }
    );
    assert_eq!(err.to_string(), "event 1 has no `type`");
    assert_eq!(
        results[2],
        Ok(LambdaEvent::End {
            time: None,
            request_id: s("aaaaaaaa-0001"),
        })
    );
    let err = results[3].clone().unwrap_err();
    assert_eq!(err.to_string(), "event 3 is a JSON string, not an object");

    let v = json!([{"type": "platform.start", "record": {}}]);
    let results = parse_body(&v.to_string()).unwrap();
    assert_eq!(
        results[0].clone().unwrap_err().to_string(),
        "event 0 (platform.start) has no `record.requestId`"
    );
}

#[test]
fn ndjson_body() {
    let body = "{\"type\":\"platform.start\",\"record\":{\"requestId\":\"bbbbbbbb-0002\",\"version\":\"3\"}}\r\n\
                \r\n\
                {\"type\":\"platform.runtimeDone\",\"record\":{\"requestId\":\"bbbbbbbb-0002\",\"status\":\"error\",\"errorType\":\"Handler.Crash\"}}\n\
                {\"type\":\"platform.end\",\"record\":{\"requestId\":\n\
                {\"type\":\"platform.end\",\"record\":{\"requestId\":\"bbbbbbbb-0002\",},}\n";
    let results = parse_body(body).unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(
        results[0],
        Ok(LambdaEvent::Start {
            time: None,
            request_id: s("bbbbbbbb-0002"),
            version: Some(s("3")),
            xray_trace_id: None,
        })
    );
    assert_eq!(
        results[1],
        Ok(LambdaEvent::RuntimeDone {
            time: None,
            request_id: s("bbbbbbbb-0002"),
            status: s("error"),
            error_type: Some(s("Handler.Crash")),
            duration_ms: None,
        })
    );
    assert!(matches!(
        results[2],
        Err(TelemetryError::LineJson {
            index: 2,
            line: 4,
            ..
        })
    ));
    assert_eq!(
        results[3],
        Ok(LambdaEvent::End {
            time: None,
            request_id: s("bbbbbbbb-0002"),
        })
    );
}

#[test]
fn empty_and_garbage_bodies() {
    assert_eq!(parse_body("[]"), Ok(vec![]));
    assert_eq!(parse_body(" [ ] \n"), Ok(vec![]));
    assert_eq!(parse_body(""), Err(TelemetryError::EmptyBody));
    assert_eq!(parse_body(" \n\t"), Err(TelemetryError::EmptyBody));
    assert!(matches!(
        parse_body("["),
        Err(TelemetryError::Json { line: 1, .. })
    ));
    assert_eq!(
        parse_body("{}"),
        Ok(vec![Err(TelemetryError::MissingField {
            index: None,
            kind: None,
            field: "type"
        })])
    );
    assert_eq!(
        parse_body("\"x\""),
        Err(TelemetryError::NotEvents { found: "string" })
    );
    assert_eq!(
        parse_body("42"),
        Err(TelemetryError::NotEvents { found: "number" })
    );
    assert!(parse_body("\u{0}\u{1}\u{fffd}\u{7f}ÿ").is_err());
    assert!(parse_body("1\n2").is_err());
    assert!(parse_body("[1]\n[2]").is_err());
    let err = parse_body("{\n  \"type\": \"function\",\n  \"record\": }\n").unwrap_err();
    match &err {
        TelemetryError::Json {
            line,
            column,
            reason,
        } => {
            assert_eq!((*line, *column), (3, 13));
            assert!(!reason.contains("at line"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err
        .to_string()
        .starts_with("the body is not valid JSON (line 3, column 13)"));
    // Nesting past serde's recursion limit is an error, not a stack overflow.
    let deep = "[".repeat(100_000);
    assert!(parse_body(&deep).is_err());
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    assert!(parse_body(&deep).is_err());
}

#[test]
fn trailing_comma_repair_is_conservative() {
    assert_eq!(remove_trailing_commas("[1,2,]").as_deref(), Some("[1,2]"));
    assert_eq!(
        remove_trailing_commas("{\"a\": [1 , \n ] ,\r\n}").as_deref(),
        Some("{\"a\": [1  \n ] \r\n}")
    );
    // Inside strings, including after escaped quotes, commas stay.
    assert_eq!(remove_trailing_commas(r#"{"a": ",}", "b": "\",]"}"#), None);
    assert_eq!(
        remove_trailing_commas(r#"["\\",]"#).as_deref(),
        Some(r#"["\\"]"#)
    );
    assert_eq!(remove_trailing_commas("[1,,]").as_deref(), Some("[1,]"));
    // Only one repair pass: a doubled comma is still an error.
    assert!(parse_body("[{\"type\":\"x\"},,]").is_err());
    let results =
        parse_body("[{\"type\":\"platform.end\",\"record\":{\"requestId\":\"é,]\",},},]").unwrap();
    assert_eq!(
        results,
        vec![Ok(LambdaEvent::End {
            time: None,
            request_id: s("é,]"),
        })]
    );
}

/// A small deterministic generator for fuzz-like inputs.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn never_panics_on_mangled_input() {
    let text = fixture();
    let raws: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v["raw"].as_str().map(str::to_string))
        .collect();
    for raw in &raws {
        for (i, _) in raw.char_indices() {
            let _ = parse_body(&raw[..i]);
            let _ = parse_body(&raw[i..]);
            let mut cut = raw.clone();
            cut.remove(i);
            let _ = parse_body(&cut);
        }
    }
    let alphabet = b"{}[]\",:\\ \t\n0123456789.-eE+truefalsnl\x00\xff";
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3_000 {
        let len = (rng.next() % 64) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                let r = rng.next();
                if r.is_multiple_of(4) {
                    (r >> 8) as u8
                } else {
                    alphabet[(r >> 8) as usize % alphabet.len()]
                }
            })
            .collect();
        let _ = parse_body(&String::from_utf8_lossy(&bytes));
    }
    // Well-formed JSON with every field of the wrong type.
    for kind in [
        "platform.initStart",
        "platform.initReport",
        "platform.start",
        "platform.runtimeDone",
        "platform.report",
        "platform.restoreStart",
        "platform.restoreReport",
        "platform.end",
        "platform.fault",
        "function",
        "extension",
        "platform.logsDropped",
    ] {
        for odd in [
            json!(null),
            json!(true),
            json!(-1),
            json!(1e308),
            json!("x"),
            json!([]),
            json!({}),
        ] {
            let _ = parse_event(&json!({"type": kind, "time": odd, "record": odd}));
            let record = json!({
                "requestId": odd, "status": odd, "errorType": odd, "phase": odd,
                "initializationType": odd, "runtimeVersion": odd, "version": odd,
                "tracing": odd, "message": odd, "level": odd, "timestamp": odd,
                "metrics": {"durationMs": odd, "billedDurationMs": odd, "memorySizeMB": odd,
                            "maxMemoryUsedMB": odd, "initDurationMs": odd}
            });
            let _ = parse_event(&json!({"type": kind, "record": record}));
            let _ = parse_event(
                &json!({"type": kind, "record": {"metrics": odd, "tracing": {"value": odd}}}),
            );
        }
    }
}
