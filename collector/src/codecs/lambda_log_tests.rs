//! Tests for `lambda_log`. Expected values are written by hand from reading
//! each line, never computed by the parser.

use super::*;
use chrono::NaiveDate;

/// `y-m-d h:mi:s.micros` UTC.
fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32, micros: u32) -> Option<DateTime<Utc>> {
    Some(
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_micro_opt(h, mi, s, micros)
            .unwrap()
            .and_utc(),
    )
}

/// A report with only request id and duration set.
fn report(request_id: &str, duration_ms: f64) -> Report {
    Report {
        request_id: request_id.to_string(),
        duration_ms,
        ..Report::default()
    }
}

/// A function log.
fn log(
    time: Option<DateTime<Utc>>,
    request_id: Option<&str>,
    level: Option<&str>,
    message: &str,
) -> LambdaEvent {
    LambdaEvent::Log {
        time,
        request_id: request_id.map(str::to_string),
        level: level.map(str::to_string),
        origin: "function",
        message: message.to_string(),
    }
}

/// A function log without prefix: the line itself.
fn plain(message: &str) -> LambdaEvent {
    log(None, None, None, message)
}

fn some(s: &str) -> Option<String> {
    Some(s.to_string())
}

/// The fixture's lines, in order, each with its decoding.
fn fixture_cases() -> Vec<(&'static str, LambdaEvent)> {
    vec![
        (
            "REPORT RequestId: 2d7fd9b0-a17f-4482-bc6c-4b58bb47b884 Duration: 1201.12 ms Billed Duration: 1300 ms Memory Size: 128 MB Max Memory Used: 78 MB Init Duration: 287.33 ms",
            LambdaEvent::Report(Report {
                billed_duration_ms: Some(1300),
                memory_size_mb: Some(128),
                max_memory_used_mb: Some(78),
                init_duration_ms: Some(287.33),
                ..report("2d7fd9b0-a17f-4482-bc6c-4b58bb47b884", 1201.12)
            }),
        ),
        (
            "REPORT RequestId: 533dca35-3ef3-4824-8632-ea4846bcd532\tDuration: 2592.97 ms\tBilled Duration: 2593 ms\tMemory Size: 128 MB\tMax Memory Used: 93 MB",
            LambdaEvent::Report(Report {
                billed_duration_ms: Some(2593),
                memory_size_mb: Some(128),
                max_memory_used_mb: Some(93),
                ..report("533dca35-3ef3-4824-8632-ea4846bcd532", 2592.97)
            }),
        ),
        (
            "REPORT RequestId: fb63a8b6-599d-11e8-a437-911ac44bc0b4\\tDuration: 18018.26 ms\\tBilled Duration: 18000 ms \\tMemory Size: 512 MB\\tMax Memory Used: 82 MB\\t",
            LambdaEvent::Report(Report {
                billed_duration_ms: Some(18000),
                memory_size_mb: Some(512),
                max_memory_used_mb: Some(82),
                ..report("fb63a8b6-599d-11e8-a437-911ac44bc0b4", 18018.26)
            }),
        ),
        (
            "REPORT RequestId: b47cde10-029a-11e6-b5d6-1f01b70b94b2  Duration: 120000.64 ms  Billed Duration: 120000 ms Memory Size: 128 MB  Max Memory Used: 23 MB",
            LambdaEvent::Report(Report {
                billed_duration_ms: Some(120000),
                memory_size_mb: Some(128),
                max_memory_used_mb: Some(23),
                ..report("b47cde10-029a-11e6-b5d6-1f01b70b94b2", 120000.64)
            }),
        ),
        (
            "2020-11-10T05:46:57.874Z 160788cd-45ff-4583-809f-c7e31127cb95 Task timed out after 3.07 seconds",
            LambdaEvent::Timeout {
                time: utc(2020, 11, 10, 5, 46, 57, 874_000),
                request_id: "160788cd-45ff-4583-809f-c7e31127cb95".to_string(),
                seconds: 3.07,
            },
        ),
        (
            "REPORT RequestId: c2c3b330-0e87-40ec-a490-884dc5f81a3f Duration: 3031.25 ms Billed Duration: 4326 ms Memory Size: 128 MB Max Memory Used: 60 MB Init Duration: 1294.01 ms",
            LambdaEvent::Report(Report {
                billed_duration_ms: Some(4326),
                memory_size_mb: Some(128),
                max_memory_used_mb: Some(60),
                init_duration_ms: Some(1294.01),
                ..report("c2c3b330-0e87-40ec-a490-884dc5f81a3f", 3031.25)
            }),
        ),
        (
            "2023/07/05/[56]374cd7798d2a4e36a494a23d658b9741 2023-07-05T10:16:34.013000 RESTORE_START Runtime Version: java:11.v21\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:156ab0dc268a6b4a8dedcbcf0974795cafba2ee8760fe386062fffdbb887b971",
            LambdaEvent::RestoreStart {
                time: utc(2023, 7, 5, 10, 16, 34, 13_000),
                runtime_version: some("java:11.v21"),
            },
        ),
        (
            "2023/07/05/[56]374cd7798d2a4e36a494a23d658b9741 2023-07-05T10:16:34.686000 REPORT RequestId: b771fecc-1b53-4faf-922d-1d74357b1676\tDuration: 306.34 ms\tBilled Duration: 610 ms\tMemory Size: 3009 MB\tMax Memory Used: 155 MB\tRestore Duration: 511.25 ms\tBilled Restore Duration: 303 ms\t",
            LambdaEvent::Report(Report {
                time: utc(2023, 7, 5, 10, 16, 34, 686_000),
                billed_duration_ms: Some(610),
                memory_size_mb: Some(3009),
                max_memory_used_mb: Some(155),
                restore_duration_ms: Some(511.25),
                billed_restore_duration_ms: Some(303),
                ..report("b771fecc-1b53-4faf-922d-1d74357b1676", 306.34)
            }),
        ),
        (
            "2023/07/05/[56]374cd7798d2a4e36a494a23d658b9741 2023-07-05T10:16:56.031000 REPORT RequestId: c5617d6b-3eff-409b-bff8-7f6ed83c319a\tDuration: 50.76 ms\tBilled Duration: 51 ms\tMemory Size: 3009 MB\tMax Memory Used: 159 MB\t",
            LambdaEvent::Report(Report {
                time: utc(2023, 7, 5, 10, 16, 56, 31_000),
                billed_duration_ms: Some(51),
                memory_size_mb: Some(3009),
                max_memory_used_mb: Some(159),
                ..report("c5617d6b-3eff-409b-bff8-7f6ed83c319a", 50.76)
            }),
        ),
        (
            "2023/07/05/[56]374cd7798d2a4e36a494a23d658b9741 2023-07-05T10:17:00.017000 REPORT RequestId: 010f6002-d185-4e96-9971-5360a2c6aa72\tDuration: 8.31 ms\tBilled Duration: 9 ms\tMemory Size: 3009 MB\tMax Memory Used: 160 MB\t",
            LambdaEvent::Report(Report {
                time: utc(2023, 7, 5, 10, 17, 0, 17_000),
                billed_duration_ms: Some(9),
                memory_size_mb: Some(3009),
                max_memory_used_mb: Some(160),
                ..report("010f6002-d185-4e96-9971-5360a2c6aa72", 8.31)
            }),
        ),
        (
            "INIT_REPORT Init Duration: 0.61 ms\tPhase: invoke\tStatus: error\tError Type: Runtime.InvalidEntrypoint",
            LambdaEvent::InitReport {
                time: None,
                init_type: InitType::Unknown,
                phase: InitPhase::Invoke,
                duration_ms: 0.61,
                status: some("error"),
                error_type: some("Runtime.InvalidEntrypoint"),
            },
        ),
        (
            "INIT_REPORT Init Duration: 1.57 ms\tPhase: init\tStatus: error\tError Type: Runtime.InvalidEntrypoint",
            LambdaEvent::InitReport {
                time: None,
                init_type: InitType::Unknown,
                phase: InitPhase::Init,
                duration_ms: 1.57,
                status: some("error"),
                error_type: some("Runtime.InvalidEntrypoint"),
            },
        ),
        (
            "INIT_REPORT Init Duration: 137.69 ms\tPhase: init\tStatus: error\tError Type: Runtime.ImportModuleError",
            LambdaEvent::InitReport {
                time: None,
                init_type: InitType::Unknown,
                phase: InitPhase::Init,
                duration_ms: 137.69,
                status: some("error"),
                error_type: some("Runtime.ImportModuleError"),
            },
        ),
        (
            "REPORT RequestId: fa4e6a1f-083b-573d-ace2-090d2b00a3ac  Duration: 6954.19 ms  Billed Duration: 6955 ms  Memory Size: 1024 MB  Max Memory Used: 1023 MB  Status: error  Error Type: Runtime.OutOfMemory",
            LambdaEvent::Report(Report {
                billed_duration_ms: Some(6955),
                memory_size_mb: Some(1024),
                max_memory_used_mb: Some(1023),
                status: some("error"),
                error_type: some("Runtime.OutOfMemory"),
                ..report("fa4e6a1f-083b-573d-ace2-090d2b00a3ac", 6954.19)
            }),
        ),
        (
            "11:20:37:066 REPORT Duration: 119000.00 ms Billed Duration: 119000 ms Memory Size: 1024 MB Max Memory Used: 174 MB Status: timeout",
            LambdaEvent::Report(Report {
                billed_duration_ms: Some(119000),
                memory_size_mb: Some(1024),
                max_memory_used_mb: Some(174),
                status: some("timeout"),
                ..report("", 119000.0)
            }),
        ),
        (
            "REPORT RequestId: d848f0c5-1089-5c2b-9a3b-91a94511ee52 Duration: 10000.00 ms Billed Duration: 10434 ms Memory Size: 128 MB Max Memory Used: 102 MB Status: timeout",
            LambdaEvent::Report(Report {
                billed_duration_ms: Some(10434),
                memory_size_mb: Some(128),
                max_memory_used_mb: Some(102),
                status: some("timeout"),
                ..report("d848f0c5-1089-5c2b-9a3b-91a94511ee52", 10000.0)
            }),
        ),
        (
            "REPORT RequestId: d1cf0ccb-xmpl-46e6-950d-04c96c9b1c5d\tDuration: 4157.16 ms\tBilled Duration: 4200 ms\tMemory Size: 256 MB\tMax Memory Used: 99 MB\tInit Duration: 841.60 ms",
            LambdaEvent::Report(Report {
                billed_duration_ms: Some(4200),
                memory_size_mb: Some(256),
                max_memory_used_mb: Some(99),
                init_duration_ms: Some(841.6),
                ..report("d1cf0ccb-xmpl-46e6-950d-04c96c9b1c5d", 4157.16)
            }),
        ),
        (
            "REPORT RequestId: 4ce9340a-b765-490f-ad8a-02ab3415e2bf\\tDuration: 26.73 ms\\tBilled Duration: 27 ms \\tMemory Size: 128 MB\\tMax Memory Used: 75 MB\\t\\n",
            LambdaEvent::Report(Report {
                billed_duration_ms: Some(27),
                memory_size_mb: Some(128),
                max_memory_used_mb: Some(75),
                ..report("4ce9340a-b765-490f-ad8a-02ab3415e2bf", 26.73)
            }),
        ),
        (
            "REPORT RequestId: dbda340c-xmpl-4031-8810-11bb609b4c71\tDuration: 38.66 ms\tBilled Duration: 39 ms\tMemory Size: 128 MB\tMax Memory Used: 54 MB\tInit Duration: 203.69 ms",
            LambdaEvent::Report(Report {
                billed_duration_ms: Some(39),
                memory_size_mb: Some(128),
                max_memory_used_mb: Some(54),
                init_duration_ms: Some(203.69),
                ..report("dbda340c-xmpl-4031-8810-11bb609b4c71", 38.66)
            }),
        ),
        (
            "REPORT RequestId: c793869b-ee49-115b-a5b6-4fd21e8dedac\tDuration: 128.83 ms\tBilled Duration: 200 ms\tMemory Size: 128 MB\tMax Memory Used: 74 MB\tInit Duration: 166.62 ms\tXRAY TraceId: 1-5d9d007f-0a8c7fd02xmpl480aed55ef0\tSegmentId: 3d752xmpl1bbe37e\tSampled: true",
            LambdaEvent::Report(Report {
                billed_duration_ms: Some(200),
                memory_size_mb: Some(128),
                max_memory_used_mb: Some(74),
                init_duration_ms: Some(166.62),
                xray_trace_id: some("1-5d9d007f-0a8c7fd02xmpl480aed55ef0"),
                ..report("c793869b-ee49-115b-a5b6-4fd21e8dedac", 128.83)
            }),
        ),
        (
            "REPORT RequestId: 8f507cfc-xmpl-4697-b07a-ac58fc914c95  Duration: 15.74 ms  Billed Duration: 16 ms Memory Size: 128 MB Max Memory Used: 56 MB  Init Duration: 130.49 ms",
            LambdaEvent::Report(Report {
                billed_duration_ms: Some(16),
                memory_size_mb: Some(128),
                max_memory_used_mb: Some(56),
                init_duration_ms: Some(130.49),
                ..report("8f507cfc-xmpl-4697-b07a-ac58fc914c95", 15.74)
            }),
        ),
        (
            "REPORT RequestId: 50aba555-xmpl-4b21-8358-644ee996a05f\tDuration: 12.96 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 48 MB\tInit Duration: 117.86 ms",
            LambdaEvent::Report(Report {
                billed_duration_ms: Some(13),
                memory_size_mb: Some(128),
                max_memory_used_mb: Some(48),
                init_duration_ms: Some(117.86),
                ..report("50aba555-xmpl-4b21-8358-644ee996a05f", 12.96)
            }),
        ),
        (
            "REPORT RequestId: 6234bffe-149a-b642-81ff-2e8e376d8aff\\tDuration: 46.84 ms\\tBilled Duration: 47 ms \\tMemory Size: 192 MB\\tMax Memory Used: 72 MB\\t\\n",
            LambdaEvent::Report(Report {
                billed_duration_ms: Some(47),
                memory_size_mb: Some(192),
                max_memory_used_mb: Some(72),
                ..report("6234bffe-149a-b642-81ff-2e8e376d8aff", 46.84)
            }),
        ),
    ]
}

/// The fixture file's `line` fields, in order.
fn fixture_lines() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/lambda-logs/log_lines.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("fixture file");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let record: Value = serde_json::from_str(l).expect("fixture record is JSON");
            record["line"]
                .as_str()
                .expect("record has a line")
                .to_string()
        })
        .collect()
}

#[test]
fn fixture_lines_decode_as_read_by_hand() {
    let lines = fixture_lines();
    let cases = fixture_cases();
    assert_eq!(lines.len(), 23, "fixture has changed: expected 23 records");
    assert_eq!(cases.len(), 23);
    for (n, (line, (expected_line, expected))) in lines.iter().zip(cases).enumerate() {
        assert_eq!(line, expected_line, "fixture record {} changed", n + 1);
        assert_eq!(parse_line(line), expected, "fixture record {}", n + 1);
    }
}

#[test]
fn fixture_lines_survive_every_truncation() {
    for line in fixture_lines() {
        for (i, _) in line.char_indices() {
            let _ = parse_line(&line[..i]);
            let _ = parse_line(&line[i..]);
        }
    }
}

// --- platform text lines -----------------------------------------------------

#[test]
fn start_and_end_lines() {
    assert_eq!(
        parse_line("START RequestId: 8f507cfc-xmpl-4697-b07a-ac58fc914c95 Version: $LATEST"),
        LambdaEvent::Start {
            time: None,
            request_id: "8f507cfc-xmpl-4697-b07a-ac58fc914c95".to_string(),
            version: some("$LATEST"),
            xray_trace_id: None,
        }
    );
    assert_eq!(
        parse_line(
            "2024-01-02T03:04:05.678Z\tEND RequestId: 8f507cfc-xmpl-4697-b07a-ac58fc914c95\n"
        ),
        LambdaEvent::End {
            time: utc(2024, 1, 2, 3, 4, 5, 678_000),
            request_id: "8f507cfc-xmpl-4697-b07a-ac58fc914c95".to_string(),
        }
    );
}

#[test]
fn init_start_and_restore_report_lines() {
    assert_eq!(
        parse_line("INIT_START Runtime Version: python:3.12.v18\tRuntime Version ARN: arn:aws:lambda:eu-west-1::runtime:abc"),
        LambdaEvent::InitStart {
            time: None,
            init_type: InitType::Unknown,
            runtime_version: some("python:3.12.v18"),
            phase: InitPhase::Init,
        }
    );
    assert_eq!(
        parse_line("RESTORE_REPORT Restore Duration: 513.22 ms"),
        LambdaEvent::RestoreReport {
            time: None,
            duration_ms: Some(513.22),
            status: None,
            error_type: None,
        }
    );
    assert_eq!(
        parse_line("RESTORE_REPORT Restore Duration: 10000.01 ms Status: timeout"),
        LambdaEvent::RestoreReport {
            time: None,
            duration_ms: Some(10000.01),
            status: some("timeout"),
            error_type: None,
        }
    );
}

#[test]
fn report_with_offset_timestamp_and_restore_and_xray() {
    let line = "2024-03-01T12:00:00.5+02:00 REPORT RequestId: 11111111-2222-3333-4444-555555555555 Duration: 10 ms Billed Duration: 10 ms Memory Size: 512 MB Max Memory Used: 100 MB Restore Duration: 300.5 ms Billed Restore Duration: 200 ms Status: error Error Type: Runtime.ExitError XRAY TraceId: 1-65e1b415-43a0913a12345678901234567 SegmentId: 0a1b2c3d4e5f6a7b Sampled: false";
    assert_eq!(
        parse_line(line),
        LambdaEvent::Report(Report {
            time: utc(2024, 3, 1, 10, 0, 0, 500_000),
            billed_duration_ms: Some(10),
            memory_size_mb: Some(512),
            max_memory_used_mb: Some(100),
            restore_duration_ms: Some(300.5),
            billed_restore_duration_ms: Some(200),
            status: some("error"),
            error_type: some("Runtime.ExitError"),
            xray_trace_id: some("1-65e1b415-43a0913a12345678901234567"),
            ..report("11111111-2222-3333-4444-555555555555", 10.0)
        })
    );
}

#[test]
fn timeout_without_time_and_crash_line() {
    assert_eq!(
        parse_line("Task timed out after 900.10 seconds"),
        LambdaEvent::Timeout {
            time: None,
            request_id: String::new(),
            seconds: 900.1,
        }
    );
    assert_eq!(
        parse_line("RequestId: d783b35e-a91d-4251-af17-035953428a2c Error: Runtime exited with error: signal: killed"),
        LambdaEvent::Fault {
            time: None,
            request_id: some("d783b35e-a91d-4251-af17-035953428a2c"),
            message: "Error: Runtime exited with error: signal: killed".to_string(),
        }
    );
    // Not a request id before the phrase: a plain log.
    assert_eq!(
        parse_line("because Task timed out after 3 seconds"),
        plain("because Task timed out after 3 seconds")
    );
}

#[test]
fn extension_lines_are_platform_logs() {
    assert_eq!(
        parse_line("EXTENSION\tName: my-ext\tState: Ready\tEvents: [INVOKE,SHUTDOWN]"),
        LambdaEvent::Log {
            time: None,
            request_id: None,
            level: None,
            origin: "platform",
            message: "EXTENSION\tName: my-ext\tState: Ready\tEvents: [INVOKE,SHUTDOWN]".to_string(),
        }
    );
}

// --- function logs -------------------------------------------------------------

#[test]
fn runtime_prefixed_function_logs() {
    let id = "c793869b-ee49-115b-a5b6-4fd21e8dedac";
    let t = utc(2024, 1, 2, 3, 4, 5, 678_000);
    // Node.js, tabs.
    assert_eq!(
        parse_line(&format!(
            "2024-01-02T03:04:05.678Z\t{id}\tINFO\thello\tworld\n"
        )),
        log(t, Some(id), Some("INFO"), "hello\tworld")
    );
    // Spaces, and literal `\t` escapes.
    assert_eq!(
        parse_line(&format!(
            "2024-01-02T03:04:05.678Z  {id} ERROR oops: REPORT"
        )),
        log(t, Some(id), Some("ERROR"), "oops: REPORT")
    );
    assert_eq!(
        parse_line(&format!("2024-01-02T03:04:05.678Z\\t{id}\\tWARN\\tcareful")),
        log(t, Some(id), Some("WARN"), "careful")
    );
    // Python.
    assert_eq!(
        parse_line(&format!("[ERROR]\t2024-01-02T03:04:05.678Z\t{id}\tboom")),
        log(t, Some(id), Some("ERROR"), "boom")
    );
    assert_eq!(
        parse_line("[ERROR] Runtime.ImportModuleError: Unable to import module 'app'"),
        log(
            None,
            None,
            Some("ERROR"),
            "Runtime.ImportModuleError: Unable to import module 'app'"
        )
    );
    // Node.js outside a request.
    assert_eq!(
        parse_line("2024-01-02T03:04:05.678Z\tundefined\tINFO\tloading"),
        log(t, None, Some("INFO"), "loading")
    );
    // log4j: date and time as two tokens.
    assert_eq!(
        parse_line(&format!("2024-01-02 03:04:05.678 {id} INFO  Handler - hi")),
        log(t, Some(id), Some("INFO"), "Handler - hi")
    );
    // `sam logs` prefix plus the runtime's own prefix; 6 digits, no offset.
    assert_eq!(
        parse_line(&format!(
            "2023/07/05/[$LATEST]374cd7798d2a4e36a494a23d658b9741 2023-07-05T10:16:34.686000 2023-07-05T10:16:34.686123 {id} DEBUG x"
        )),
        log(utc(2023, 7, 5, 10, 16, 34, 686_123), Some(id), Some("DEBUG"), "x")
    );
}

#[test]
fn unprefixed_function_logs_keep_the_line() {
    assert_eq!(parse_line("  hello world\r\n"), plain("  hello world"));
    assert_eq!(
        parse_line("START processing batch 7"),
        plain("START processing batch 7")
    );
    assert_eq!(parse_line("12:30 lunch"), plain("12:30 lunch"));
}

#[test]
fn json_function_log() {
    let line = r#"{"timestamp":"2023-11-01T10:00:00.123Z","level":"INFO","requestId":"79b4f56e-95b1-4643-9700-2807f4e68189","message":"some log message"}"#;
    assert_eq!(
        parse_line(line),
        log(
            utc(2023, 11, 1, 10, 0, 0, 123_000),
            Some("79b4f56e-95b1-4643-9700-2807f4e68189"),
            Some("INFO"),
            "some log message"
        )
    );
    // A message that is itself JSON, and an object with no message at all.
    assert_eq!(
        parse_line(r#"{"level":"WARN","message":{"a":1}}"#),
        log(None, None, Some("WARN"), r#"{"a":1}"#)
    );
    assert_eq!(parse_line(r#" {"x": 1} "#), plain(r#"{"x": 1}"#));
    // Not an object, or broken JSON: plain text.
    assert_eq!(parse_line("[1, 2]"), plain("[1, 2]"));
    assert_eq!(parse_line("{\"type\":"), plain("{\"type\":"));
}

// --- JSON platform events ------------------------------------------------------

#[test]
fn json_platform_report() {
    let line = r#"{"time":"2023-11-01T10:00:01.000Z","type":"platform.report","record":{"requestId":"79b4f56e-95b1-4643-9700-2807f4e68189","metrics":{"durationMs":2.35,"billedDurationMs":3,"memorySizeMB":128,"maxMemoryUsedMB":68,"initDurationMs":210.6,"restoreDurationMs":400.1,"billedRestoreDurationMs":150},"status":"error","errorType":"Runtime.ExitError","tracing":{"spanId":"24cd7d670fa455f0","type":"X-Amzn-Trace-Id","value":"Root=1-6352a70e-1e2c502e358361800241fd45;Parent=35465b3a9e2f7c6a;Sampled=1"}}}"#;
    assert_eq!(
        parse_line(line),
        LambdaEvent::Report(Report {
            time: utc(2023, 11, 1, 10, 0, 1, 0),
            billed_duration_ms: Some(3),
            memory_size_mb: Some(128),
            max_memory_used_mb: Some(68),
            init_duration_ms: Some(210.6),
            restore_duration_ms: Some(400.1),
            billed_restore_duration_ms: Some(150),
            status: some("error"),
            error_type: some("Runtime.ExitError"),
            xray_trace_id: some("1-6352a70e-1e2c502e358361800241fd45"),
            ..report("79b4f56e-95b1-4643-9700-2807f4e68189", 2.35)
        })
    );
}

#[test]
fn json_platform_lifecycle_events() {
    let t = utc(2022, 10, 12, 0, 0, 15, 64_000);
    assert_eq!(
        parse_line(
            r#"{"time":"2022-10-12T00:00:15.064Z","type":"platform.initStart","record":{"initializationType":"snap-start","phase":"init","runtimeVersion":"nodejs-14.v3","runtimeVersionArn":"arn"}}"#
        ),
        LambdaEvent::InitStart {
            time: t,
            init_type: InitType::SnapStart,
            runtime_version: some("nodejs-14.v3"),
            phase: InitPhase::Init,
        }
    );
    assert_eq!(
        parse_line(
            r#"{"time":"2022-10-12T00:00:15.064Z","type":"platform.initReport","record":{"initializationType":"on-demand","phase":"invoke","status":"timeout","metrics":{"durationMs":3000.0}}}"#
        ),
        LambdaEvent::InitReport {
            time: t,
            init_type: InitType::OnDemand,
            phase: InitPhase::Invoke,
            duration_ms: 3000.0,
            status: some("timeout"),
            error_type: None,
        }
    );
    assert_eq!(
        parse_line(
            r#"{"time":"2022-10-12T00:00:15.064Z","type":"platform.start","record":{"requestId":"459921b5-681c-4a96-beb0-81e0aa586026","version":"$LATEST"}}"#
        ),
        LambdaEvent::Start {
            time: t,
            request_id: "459921b5-681c-4a96-beb0-81e0aa586026".to_string(),
            version: some("$LATEST"),
            xray_trace_id: None,
        }
    );
    assert_eq!(
        parse_line(
            r#"{"time":"2022-10-12T00:00:15.064Z","type":"platform.runtimeDone","record":{"requestId":"459921b5-681c-4a96-beb0-81e0aa586026","status":"failure","errorType":"Runtime.ExitError","metrics":{"durationMs":2599.0}}}"#
        ),
        LambdaEvent::RuntimeDone {
            time: t,
            request_id: "459921b5-681c-4a96-beb0-81e0aa586026".to_string(),
            status: "failure".to_string(),
            error_type: some("Runtime.ExitError"),
            duration_ms: Some(2599.0),
        }
    );
    assert_eq!(
        parse_line(
            r#"{"time":"2022-10-12T00:00:15.064Z","type":"platform.restoreStart","record":{"runtimeVersion":"java:11.v21"}}"#
        ),
        LambdaEvent::RestoreStart {
            time: t,
            runtime_version: some("java:11.v21"),
        }
    );
    assert_eq!(
        parse_line(
            r#"{"time":"2022-10-12T00:00:15.064Z","type":"platform.restoreReport","record":{"status":"failure","errorType":"RestoreError"}}"#
        ),
        LambdaEvent::RestoreReport {
            time: t,
            duration_ms: None,
            status: some("failure"),
            error_type: some("RestoreError"),
        }
    );
    assert_eq!(
        parse_line(
            r#"{"time":"2022-10-12T00:00:15.064Z","type":"platform.end","record":{"requestId":"6f7f0961f83442118a7af6fe80b88d56"}}"#
        ),
        LambdaEvent::End {
            time: t,
            request_id: "6f7f0961f83442118a7af6fe80b88d56".to_string(),
        }
    );
    assert_eq!(
        parse_line(r#"{"time":"2022-10-12T00:00:15.064Z","type":"platform.fault","record":"RequestId: d783b35e-a91d-4251-af17-035953428a2c Process exited before completing request"}"#),
        LambdaEvent::Fault {
            time: t,
            request_id: some("d783b35e-a91d-4251-af17-035953428a2c"),
            message: "RequestId: d783b35e-a91d-4251-af17-035953428a2c Process exited before completing request".to_string(),
        }
    );
    assert_eq!(
        parse_line(
            r#"{"time":"2022-10-12T00:00:15.064Z","type":"function","record":"hello world"}"#
        ),
        log(t, None, None, "hello world")
    );
}

#[test]
fn json_platform_events_without_invocation_data_are_other() {
    assert_eq!(
        parse_line(
            r#"{"time":"2022-10-12T00:02:35.000Z","type":"platform.logsDropped","record":{"droppedBytes":12345}}"#
        ),
        LambdaEvent::Other {
            time: utc(2022, 10, 12, 0, 2, 35, 0),
            kind: "platform.logsDropped".to_string(),
            detail: r#"{"droppedBytes":12345}"#.to_string(),
        }
    );
    // A report without its duration keeps its record rather than invent one.
    assert_eq!(
        parse_line(
            r#"{"type":"platform.report","record":{"requestId":"x","metrics":{"durationMs":"fast"}}}"#
        ),
        LambdaEvent::Other {
            time: None,
            kind: "platform.report".to_string(),
            detail: r#"{"metrics":{"durationMs":"fast"},"requestId":"x"}"#.to_string(),
        }
    );
}

// --- garbage ---------------------------------------------------------------------

/// Platform keywords whose required field cannot be read stay logs, with the
/// line unchanged; a REPORT with a readable Duration keeps what it can read.
#[test]
fn incomplete_platform_lines() {
    for line in [
        "",
        "REPORT",
        "REPORT ",
        "REPORT RequestId:",
        "REPORT RequestId: 8f507cfc-xmpl-4697-b07a-ac58fc914c95",
        "REPORT RequestId: 8f507cfc-xmpl-4697-b07a-ac58fc914c95 Duration: abc ms",
        "REPORT RequestId: x Duration: -1 ms",
        "REPORT RequestId: x Duration: NaN ms",
        "REPORT RequestId: x Duration: 1e3 ms",
        "REPORT RequestId: x Duration: 5 MB",
        "Duration: abc ms",
        "START",
        "START RequestId:",
        "END RequestId: Version: 3",
        "INIT_START",
        "INIT_REPORT Init Duration: ms",
        "RESTORE_START Runtime Version:",
        "RESTORE_REPORT Restore Duration:",
        "RequestId: Error: x",
        "2024-01-02T03:04:05.678Z Task timed out after soon seconds",
        "\\",
        "\\t",
        "REPORT\\",
    ] {
        assert!(
            matches!(
                parse_line(line),
                LambdaEvent::Log {
                    origin: "function",
                    ..
                }
            ),
            "{line:?} should be a log"
        );
    }
    assert_eq!(parse_line("REPORT RequestId:"), plain("REPORT RequestId:"));
    assert_eq!(
        parse_line("REPORT RequestId: Duration: 7 ms Billed Duration: abc ms Memory Size: 99999999999 MB Max Memory Used: 1.5 MB"),
        LambdaEvent::Report(report("", 7.0))
    );
}

#[test]
fn random_input_never_panics() {
    // A small xorshift generator: deterministic, no dependency.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let pieces = [
        "REPORT ",
        "START ",
        "END ",
        "INIT_REPORT ",
        "RESTORE_REPORT ",
        "INIT_START ",
        "RequestId: ",
        "Duration: ",
        "Billed ",
        "Memory Size: ",
        "Max Memory Used: ",
        "Init Duration: ",
        "Restore Duration: ",
        "Status: ",
        "Error Type: ",
        "XRAY TraceId: ",
        "Runtime Version: ",
        "Phase: ",
        "invoke ",
        "ms",
        "MB",
        "12.5",
        "999999999999999999999",
        "\\t",
        "\t",
        "\\",
        " ",
        "\n",
        "{",
        "}",
        "\"",
        ":",
        "[INFO]",
        "2024-01-02T03:04:05.678Z ",
        "2023/07/05/[56]ab ",
        "Task timed out after ",
        "seconds",
        "é",
        "\u{1F600}",
        "\u{a0}",
        "{\"type\":\"platform.report\",\"record\":{\"metrics\":{\"durationMs\":1e400}}}",
    ];
    let deep = format!("{}{}", "{\"a\":".repeat(5000), "1");
    for line in [
        r#"{"timestamp":-9223372036854775808,"message":"m"}"#,
        r#"{"timestamp":9223372036854775807,"message":"m"}"#,
        r#"{"time":1e300,"type":"platform.end","record":{"requestId":"r"}}"#,
        r#"{"type":"platform.report","record":{"metrics":{"durationMs":1,"billedDurationMs":-5,"memorySizeMB":1e30}}}"#,
        "+999999-12-31T23:59:59.999999999Z REPORT Duration: 1 ms",
        "9999-99-99T99:99:99Z x",
        deep.as_str(),
    ] {
        let _ = parse_line(line);
    }
    for _ in 0..20_000 {
        let mut line = String::new();
        for _ in 0..(next() % 12) {
            let piece = pieces[(next() % pieces.len() as u64) as usize];
            line.push_str(piece);
        }
        let _ = parse_line(&line);
        let bytes: Vec<u8> = (0..(next() % 40)).map(|_| next() as u8).collect();
        let _ = parse_line(&String::from_utf8_lossy(&bytes));
    }
}
