//! Decoding the OTLP captures of the real Python SDK in the shared fixtures
//! (expected values read off the JSON capture), and bodies that must fail.

use super::*;
use opentelemetry_proto::tonic::common::v1::AnyValue;
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../../shared/fixtures/otlp/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

type Summary = (String, String, String, String, u32, String, String, String, String, String);

fn summary(r: &InvocationRow) -> Summary {
    (
        r.request_id.clone(),
        r.function.clone(),
        r.provider.clone(),
        r.region.clone(),
        r.memory_mb,
        r.version.clone(),
        r.start_type.clone(),
        r.status.clone(),
        r.error_type.clone(),
        r.trigger.clone(),
    )
}

fn expected(ids: [&str; 3]) -> Vec<Summary> {
    let row = |id: &str, start: &str, status: &str, error: &str| {
        (
            id.to_string(), "checkout-fn".into(), "aws_lambda".into(), "eu-west-1".into(), 512, "$LATEST".into(),
            start.into(), status.into(), error.into(), "http".into(),
        )
    };
    vec![row(ids[0], "cold", "success", ""), row(ids[1], "warm", "success", ""), row(ids[2], "warm", "timeout", "timeout")]
}

#[test]
fn json_capture_yields_spans_and_invocations() {
    let d = decode_traces(&fixture("py-http-json-01-v1_traces.json"), Encoding::Json, "t1").unwrap();
    assert_eq!((d.spans.len(), d.rejected_spans), (6, 0));
    let names: Vec<&str> = d.spans.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["dynamodb.PutItem", "checkout-fn", "dynamodb.PutItem", "checkout-fn", "dynamodb.PutItem", "checkout-fn"]);
    let server = &d.spans[1];
    assert_eq!((server.kind, server.service_name.as_str(), server.scope_name.as_str()), (2, "checkout-fn", "spike.faas"));
    assert_eq!(server.start_time_unix_nano, 1_795_708_203_064_774_170);
    assert_eq!(server.duration_ns, 1_795_708_203_075_025_296 - 1_795_708_203_064_774_170);
    assert_eq!(server.trace_id.len(), 32);
    assert!(server.trace_id.starts_with("8df2ad81"));
    let i = server.attribute_keys.iter().position(|k| k == "faas.coldstart").unwrap();
    assert_eq!(server.attribute_values[i], "true");
    let invs: Vec<Summary> = d.invocations.iter().map(summary).collect();
    assert_eq!(
        invs,
        expected(["af9c8d1e-0000-4000-8000-000000000000", "af9c8d1e-0000-4000-8000-000000000001", "af9c8d1e-0000-4000-8000-000000000002"])
    );
    let first = &d.invocations[0];
    assert_eq!((first.account.as_str(), first.tenant.as_str()), ("123456789012", "t1"));
    assert_eq!(first.instance_id, "2024/01/01/[$LATEST]abcdef0123456789");
    assert_eq!(first.start_time_ms, 1_795_708_203_064);
    assert!((first.duration_ms - 10.251126).abs() < 1e-6);
    for mut r in d.invocations {
        crate::normalize::normalize(&mut r, chrono::Utc::now()).unwrap();
        assert!(r.cost_usd.0 > 0);
    }
}

#[test]
fn protobuf_captures_over_http_and_grpc_decode_alike() {
    for file in ["py-http-proto-01-v1_traces.pb", "py-grpc-01-TraceService_Export.pb"] {
        let d = decode_traces(&fixture(file), Encoding::Protobuf, "t").unwrap();
        assert_eq!((d.spans.len(), d.rejected_spans), (6, 0), "{file}");
        let invs: Vec<Summary> = d.invocations.iter().map(summary).collect();
        assert_eq!(invs.len(), 3, "{file}");
        for (got, want) in invs.iter().zip(expected(["", "", ""])) {
            // Same function, configuration and outcomes; request ids differ per capture.
            assert_eq!((&got.1, &got.2, &got.3, got.4, &got.5, &got.6, &got.7, &got.8, &got.9), (&want.1, &want.2, &want.3, want.4, &want.5, &want.6, &want.7, &want.8, &want.9), "{file}");
            assert!(got.0.starts_with("af9c8d1e-"), "{file}: {}", got.0);
        }
    }
}

#[test]
fn enum_names_are_accepted_and_bad_ids_are_counted() {
    let body = br#"{"resourceSpans":[{"resource":{"attributes":[{"key":"faas.name","value":{"stringValue":"f"}}]},"scopeSpans":[{"spans":[
        {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"ok","kind":"SPAN_KIND_SERVER","startTimeUnixNano":"1000000","endTimeUnixNano":"3000000","status":{"code":"STATUS_CODE_ERROR","message":"boom"}},
        {"trace_id":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b175","name":"snake","kind":2,"startTimeUnixNano":"1","endTimeUnixNano":"2"},
        {"traceId":"00000000000000000000000000000000","spanId":"eee19b7ec3c1b176","name":"zero","kind":2,"startTimeUnixNano":"1","endTimeUnixNano":"2"}
    ]}]}]}"#;
    let d = decode_traces(body, Encoding::Json, "t").unwrap();
    assert_eq!(d.spans.len(), 1);
    assert_eq!(d.rejected_spans, 2);
    assert_eq!(d.errors.len(), 2);
    assert_eq!((d.spans[0].kind, d.spans[0].status_code), (2, 2));
    assert_eq!((d.invocations[0].status.as_str(), d.invocations[0].error_type.as_str()), ("error", "boom"));
    assert_eq!(d.invocations[0].start_type, "unknown");
    assert_eq!(d.invocations[0].duration_ms, 2.0);
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    for body in [&b"\xff\xff\xff\xff"[..], b"\x0a\xff\xff\xff\xff\x0f", b"\x0a\x05abc"] {
        assert!(decode_traces(body, Encoding::Protobuf, "t").is_err(), "{body:?}");
    }
    for body in [&b"["[..], b"[]", b"5", b"{\"resourceSpans\": 5}", b"\xff"] {
        assert!(decode_traces(body, Encoding::Json, "t").is_err(), "{body:?}");
    }
    for body in [&b"["[..], b"5", b"{\"resourceLogs\": {}}"] {
        assert!(decode_logs(body, Encoding::Json, "t").is_err(), "{body:?}");
    }
    // Unknown fields are ignored, as the OTLP/JSON rules say: an empty request.
    assert!(decode_logs(b"{\"resourceSpans\": 5}", Encoding::Json, "t").unwrap().logs.is_empty());
    assert_eq!(Encoding::from_content_type("application/json; charset=utf-8"), Some(Encoding::Json));
    assert_eq!(Encoding::from_content_type("text/plain"), None);
}

#[test]
fn logs_round_trip_through_protobuf() {
    let kv = |k: &str, v: &str| KeyValue { key: k.into(), value: Some(AnyValue { value: Some(any_value::Value::StringValue(v.into())) }), ..Default::default() };
    let req = ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource { attributes: vec![kv("service.name", "svc"), kv("faas.name", "fn-a")], ..Default::default() }),
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord {
                    time_unix_nano: 1_700_000_000_123_000_000,
                    severity_number: 17,
                    severity_text: "ERROR".into(),
                    body: Some(AnyValue { value: Some(any_value::Value::StringValue("it broke".into())) }),
                    attributes: vec![kv("faas.invocation_id", "req-9")],
                    trace_id: vec![1; 16],
                    span_id: vec![2; 8],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    let d = decode_logs(&req.encode_to_vec(), Encoding::Protobuf, "t").unwrap();
    let l = &d.logs[0];
    assert_eq!((l.body.as_str(), l.function.as_str(), l.request_id.as_str(), l.severity_number), ("it broke", "fn-a", "req-9", 17));
    assert_eq!((l.trace_id.as_str(), l.span_id.as_str()), ("01010101010101010101010101010101", "0202020202020202"));
    assert_eq!(l.timestamp.timestamp(), 1_700_000_000);
    assert_eq!(decode_metrics_count(b"", Encoding::Protobuf).unwrap(), 0);
}
