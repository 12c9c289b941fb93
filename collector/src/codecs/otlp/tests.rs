//! Tests of the OTLP codec. Expected fixture values were read off the
//! fixtures by hand (the JSON file directly, the protobuf files through the
//! Python `opentelemetry-proto` bindings), not copied from this decoder.

use super::estimate::{walk, Estimate};
use super::*;
use crate::normalize::normalize;
use faasight_store::PicoUsd;
use opentelemetry_proto::tonic::common::v1::{ArrayValue, InstrumentationScope, KeyValueList};
use opentelemetry_proto::tonic::logs::v1::{ResourceLogs, ScopeLogs};

const HTTP_PROTO: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/otlp/py-http-proto-01-v1_traces.pb"
));
const HTTP_JSON: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/otlp/py-http-json-01-v1_traces.json"
));
const GRPC: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/otlp/py-grpc-01-TraceService_Export.pb"
));

fn kv(key: &str, v: AnyVal) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(v) }),
        ..Default::default()
    }
}
fn s(v: &str) -> AnyVal {
    AnyVal::StringValue(v.into())
}

/// The three invocations of a fixture: trace ids and request-id suffixes in
/// order, cold then warm then warm, the third one failed with "timeout".
fn check_fixture_invocations(d: &DecodedTraces, trace_ids: [&str; 3]) {
    assert_eq!(d.invocations.len(), 3);
    for (i, inv) in d.invocations.iter().enumerate() {
        assert_eq!(inv.tenant, "acme");
        assert_eq!(inv.function, "checkout-fn");
        assert_eq!(inv.provider, "aws_lambda");
        assert_eq!(inv.region, "eu-west-1");
        assert_eq!(inv.account, "123456789012");
        assert_eq!(inv.version, "$LATEST");
        assert_eq!(inv.instance_id, "2024/01/01/[$LATEST]abcdef0123456789");
        assert_eq!(inv.memory_mb, 512); // 536870912 bytes
        assert_eq!(inv.trigger, "http");
        assert_eq!(inv.runtime, ""); // no process.runtime.* in the fixtures
        assert_eq!(inv.arch, "");
        assert_eq!(inv.source, "otlp");
        assert_eq!(inv.trace_id, trace_ids[i]);
        assert_eq!(
            inv.request_id,
            format!("af9c8d1e-0000-4000-8000-00000000000{i}")
        );
        assert_eq!((inv.billed_duration_ms, inv.cost_usd), (0, PicoUsd(0)));
    }
    let start_types: Vec<&str> = d
        .invocations
        .iter()
        .map(|i| i.start_type.as_str())
        .collect();
    assert_eq!(start_types, ["cold", "warm", "warm"]);
    let statuses: Vec<&str> = d.invocations.iter().map(|i| i.status.as_str()).collect();
    assert_eq!(statuses, ["success", "success", "error"]);
    let error_types: Vec<&str> = d
        .invocations
        .iter()
        .map(|i| i.error_type.as_str())
        .collect();
    assert_eq!(error_types, ["", "", "timeout"]);
}

/// Six spans: dynamodb.PutItem (client) under checkout-fn (server), three times.
fn check_fixture_spans(d: &DecodedTraces) {
    assert_eq!((d.rejected_spans, d.errors.len()), (0, 0));
    let names: Vec<&str> = d.spans.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "dynamodb.PutItem",
            "checkout-fn",
            "dynamodb.PutItem",
            "checkout-fn",
            "dynamodb.PutItem",
            "checkout-fn"
        ]
    );
    let kinds: Vec<i8> = d.spans.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, [3, 2, 3, 2, 3, 2]);
    for (i, span) in d.spans.iter().enumerate() {
        assert_eq!(span.tenant, "acme");
        assert_eq!(span.service_name, "checkout-fn");
        assert_eq!(
            (span.scope_name.as_str(), span.scope_version.as_str()),
            ("spike.faas", "0.1")
        );
        assert_eq!(span.resource_keys.len(), 13);
        assert_eq!(span.resource_keys.len(), span.resource_values.len());
        assert_eq!(span.attribute_keys.len(), span.attribute_values.len());
        assert_eq!(span.trace_id.len(), 32);
        assert_eq!(span.span_id.len(), 16);
        if i % 2 == 0 {
            // The client span's parent is the server span that follows it.
            assert_eq!(span.parent_span_id, d.spans[i + 1].span_id);
            assert_eq!(span.trace_id, d.spans[i + 1].trace_id);
            assert_eq!(span.attribute_keys, ["db.system", "rpc.service"]);
            assert_eq!(span.attribute_values, ["dynamodb", "DynamoDB"]);
        } else {
            assert_eq!(span.parent_span_id, "");
        }
    }
    let res = &d.spans[0];
    let mem = res
        .resource_keys
        .iter()
        .position(|k| k == "faas.max_memory");
    assert_eq!(
        mem.map(|i| res.resource_values[i].as_str()),
        Some("536870912")
    );
    let server = &d.spans[1];
    assert_eq!(
        server.attribute_keys,
        [
            "faas.trigger",
            "faas.coldstart",
            "faas.invocation_id",
            "cloud.resource_id",
            "http.request.method",
            "url.path",
            "http.response.status_code"
        ]
    );
    assert_eq!(server.attribute_values[1], "true");
    assert_eq!(server.attribute_values[6], "200");
    let failed = &d.spans[5];
    assert_eq!(
        (failed.status_code, failed.status_message.as_str()),
        (2, "timeout")
    );
    assert_eq!(failed.attribute_values[6], "500");
}

fn normalize_all(d: &mut DecodedTraces) {
    let now = Utc::now();
    for inv in &mut d.invocations {
        normalize(inv, now).expect("an OTLP invocation normalizes");
    }
}

#[test]
fn content_types() {
    use Encoding::*;
    assert_eq!(
        Encoding::from_content_type("application/x-protobuf"),
        Some(Protobuf)
    );
    assert_eq!(Encoding::from_content_type("application/json"), Some(Json));
    assert_eq!(
        Encoding::from_content_type("Application/JSON; charset=utf-8"),
        Some(Json)
    );
    assert_eq!(Encoding::from_content_type("text/plain"), None);
    assert_eq!(Encoding::from_content_type(""), None);
}

#[test]
fn http_protobuf_fixture() {
    let mut d = decode_traces(HTTP_PROTO, Encoding::Protobuf, "acme").unwrap();
    check_fixture_spans(&d);
    let server = &d.spans[1];
    assert_eq!(server.trace_id, "e14ba6078e27e8af8aa5f1187498236a");
    assert_eq!(server.span_id, "e6b17ab99768ecfd");
    assert_eq!(d.spans[0].span_id, "fcd581eb90d1cdd3");
    assert_eq!(server.start_time_unix_nano, 1_795_708_201_844_217_292);
    assert_eq!(server.end_time_unix_nano, 1_795_708_201_854_643_598);
    assert_eq!(server.duration_ns, 10_426_306);
    assert_eq!(server.timestamp.to_rfc3339(), "2026-11-26T15:50:01+00:00");
    let sdk = server
        .resource_keys
        .iter()
        .position(|k| k == "telemetry.sdk.version");
    assert_eq!(
        sdk.map(|i| server.resource_values[i].as_str()),
        Some("1.45.2")
    );

    check_fixture_invocations(
        &d,
        [
            "e14ba6078e27e8af8aa5f1187498236a",
            "4df4d3dca8833bc2ff299c3898c81dc8",
            "af8eefeb1c32b8be55c6de4189c2f472",
        ],
    );
    let first = &d.invocations[0];
    assert_eq!(first.start_time_ms, 1_795_708_201_844);
    assert!((first.duration_ms - 10.426306).abs() < 1e-9);

    normalize_all(&mut d);
    let first = &d.invocations[0];
    assert_eq!(first.start_time.timestamp(), 1_795_708_201);
    // 1 ms steps: ceil(10.426306) = 11 ms. 512 MB × 11 ms at $0.0000166667
    // per GB-s plus $0.0000002 per request = 291 666.85 → 291 667 pico-USD.
    assert_eq!(first.billed_duration_ms, 11);
    assert_eq!(first.cost_usd, PicoUsd(291_667));
}

#[test]
fn grpc_fixture_is_the_bare_message() {
    // A gRPC frame would start with a compression flag (0 or 1) and a
    // 4-byte big-endian length; the capture starts with field 1
    // (resource_spans, length-delimited) instead: it is the bare message.
    assert_eq!(GRPC[0], 0x0a);
    let d = decode_traces(GRPC, Encoding::Protobuf, "acme").unwrap();
    check_fixture_spans(&d);
    check_fixture_invocations(
        &d,
        [
            "67cb0e1d3199695c5e58c760a3f781d5",
            "fe2550e3db4546ca8c329b06779eea11",
            "7aa19a821b5d366c33c5023d5ea54a6f",
        ],
    );
    // The gRPC receiver's path gives the same rows.
    let req = ExportTraceServiceRequest::decode(GRPC).unwrap();
    assert_eq!(traces_from_request(req, "acme"), d);
    // And a framed body, once unframed, is the same message.
    let mut framed = vec![0u8];
    framed.extend_from_slice(&(GRPC.len() as u32).to_be_bytes());
    framed.extend_from_slice(GRPC);
    assert!(decode_traces(&framed, Encoding::Protobuf, "acme").is_err());
    assert_eq!(
        decode_traces(&framed[5..], Encoding::Protobuf, "acme").unwrap(),
        d
    );
}

#[test]
fn http_json_fixture() {
    let mut d = decode_traces(HTTP_JSON, Encoding::Json, "acme").unwrap();
    check_fixture_spans(&d);
    assert_eq!(d.spans[0].trace_id, "8df2ad81a791ed2a290bcf4df1f2ff65");
    assert_eq!(d.spans[0].span_id, "498faf47003c67c0");
    assert_eq!(d.spans[0].parent_span_id, "aafb8a47f48ac7ae");
    let sdk = d.spans[0]
        .resource_keys
        .iter()
        .position(|k| k == "telemetry.sdk.version");
    assert_eq!(
        sdk.map(|i| d.spans[0].resource_values[i].as_str()),
        Some("1.45.1")
    );
    check_fixture_invocations(
        &d,
        [
            "8df2ad81a791ed2a290bcf4df1f2ff65",
            "7bcf2b7b6e6ba99558273868662e8e98",
            "e3a26a2d142954c4d3e60a82f26ff6db",
        ],
    );
    let first = &d.invocations[0];
    // 1795708203064774170 ns → 1795708203064 ms; lasted
    // 1795708203075025296 − 1795708203064774170 = 10 251 126 ns.
    assert_eq!(first.start_time_ms, 1_795_708_203_064);
    assert!((first.duration_ms - 10.251126).abs() < 1e-9);
    normalize_all(&mut d);
    assert!(d.invocations.iter().all(|i| i.billed_duration_ms == 11));
}

/// A one-span OTLP/JSON request around `span` (a JSON object body).
fn json_request(resource_attrs: &str, spans: &str) -> Vec<u8> {
    format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{resource_attrs}]}},
            "scopeSpans":[{{"scope":{{"name":"t"}},"spans":[{spans}]}}]}}]}}"#
    )
    .into_bytes()
}

#[test]
fn json_enum_names_and_value_types_are_accepted() {
    let body = json_request(
        r#"{"key":"service.name","value":{"stringValue":"api"}},
           {"key":"faas.name","value":{"stringValue":"api-fn"}},
           {"key":"cloud.provider","value":{"stringValue":"gcp"}},
           {"key":"cloud.platform","value":{"stringValue":"gcp_cloud_run"}},
           {"key":"cloud.region","value":{"stringValue":"europe-west1"}},
           {"key":"faas.max_memory","value":{"intValue":268435456}},
           {"key":"process.runtime.name","value":{"stringValue":"cpython"}},
           {"key":"process.runtime.version","value":{"stringValue":"3.12.4"}},
           {"key":"host.arch","value":{"stringValue":"aarch64"}}"#,
        r#"{"traceId":"0102030405060708090A0B0C0D0E0F10","spanId":"1112131415161718",
            "name":"GET /","kind":"SPAN_KIND_SERVER",
            "startTimeUnixNano":1700000000123456789,"endTimeUnixNano":"1700000000373456789",
            "status":{"code":"STATUS_CODE_ERROR","message":"boom"},
            "attributes":[
              {"key":"d","value":{"doubleValue":1.5}},
              {"key":"b","value":{"bytesValue":"AQID"}},
              {"key":"a","value":{"arrayValue":{"values":[{"intValue":"1"},{"stringValue":"x"}]}}},
              {"key":"k","value":{"kvlistValue":{"values":[{"key":"n","value":{"boolValue":false}}]}}},
              {"key":"e","value":{"arrayValue":{}}},
              {"key":"z","value":null}],
            "events":[{"timeUnixNano":"1700000000200000000","name":"exception","attributes":[
              {"key":"exception.type","value":{"stringValue":"ValueError"}},
              {"key":"exception.escaped","value":{"boolValue":true}}]}],
            "links":[{"traceId":"aa000000000000000000000000000001","spanId":"bb00000000000002"},
                     {"traceId":"aa","spanId":"bb00000000000002"}]}"#,
    );
    // The crate's serde support alone refuses the enum names.
    assert!(serde_json::from_slice::<ExportTraceServiceRequest>(&body).is_err());
    let mut d = decode_traces(&body, Encoding::Json, "t1").unwrap();
    assert_eq!((d.spans.len(), d.rejected_spans), (1, 0));
    let span = &d.spans[0];
    assert_eq!(span.trace_id, "0102030405060708090a0b0c0d0e0f10");
    assert_eq!((span.kind, span.status_code), (2, 2));
    assert_eq!(span.duration_ns, 250_000_000);
    assert_eq!(span.attribute_keys, ["d", "b", "a", "k", "e", "z"]);
    assert_eq!(
        span.attribute_values,
        ["1.5", "010203", r#"[1,"x"]"#, r#"{"n":false}"#, "[]", ""]
    );
    assert_eq!(span.event_names, ["exception"]);
    assert_eq!(span.event_time_unix_nano, [1_700_000_000_200_000_000]);
    assert_eq!(
        span.event_attributes,
        [r#"{"exception.escaped":true,"exception.type":"ValueError"}"#]
    );
    // The link with a 1-byte trace id is dropped.
    assert_eq!(span.link_trace_ids, ["aa000000000000000000000000000001"]);
    assert_eq!(span.link_span_ids, ["bb00000000000002"]);

    let inv = &d.invocations[0];
    assert_eq!(inv.function, "api-fn");
    assert_eq!(inv.provider, "gcp_cloud_run_functions");
    assert_eq!(inv.region, "europe-west1");
    assert_eq!(inv.memory_mb, 256);
    assert_eq!(inv.runtime, "python3.12");
    assert_eq!(inv.arch, "arm64");
    assert_eq!(inv.start_type, "unknown");
    assert_eq!(
        (inv.status.as_str(), inv.error_type.as_str()),
        ("error", "ValueError")
    );
    assert_eq!(inv.request_id, "1112131415161718"); // no faas.invocation_id
    assert_eq!(inv.start_time_ms, 1_700_000_000_123);
    assert!((inv.duration_ms - 250.0).abs() < 1e-9);
    normalize_all(&mut d);
}

#[test]
fn json_spans_without_valid_ids_are_rejected_one_by_one() {
    let body = json_request(
        r#"{"key":"faas.name","value":{"stringValue":"f"}}"#,
        r#"{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"1112131415161718","name":"ok","kind":2},
           {"trace_id":"0102030405060708090a0b0c0d0e0f10","spanId":"1112131415161719","name":"snake","kind":2},
           {"traceId":"AQIDBAUGBwgJCgsMDQ4PEA==","spanId":"1112131415161710","name":"base64"},
           {"traceId":"0102030405060708090a0b0c0d0e0f10","span_id":"1112131415161711","name":"snake2"},
           {"traceId":"00000000000000000000000000000000","spanId":"1112131415161712","name":"zero"},
           {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"1112131415161713","parentSpanId":"abc","name":"badparent"}"#,
    );
    let d = decode_traces(&body, Encoding::Json, "t").unwrap();
    assert_eq!(d.spans.len(), 1);
    assert_eq!(d.spans[0].name, "ok");
    assert_eq!(d.invocations.len(), 1);
    assert_eq!(d.rejected_spans, 5);
    assert_eq!(d.errors.len(), 5);
    assert!(
        d.errors[0].contains("\"snake\"") && d.errors[0].contains("traceId"),
        "{:?}",
        d.errors
    );
    assert!(d.errors[2].contains("spanId"), "{:?}", d.errors);
    assert!(d.errors[4].contains("parentSpanId"), "{:?}", d.errors);
}

#[test]
fn errors_are_capped_but_counted() {
    let spans = vec![r#"{"name":"no ids"}"#; 50].join(",");
    let d = decode_traces(&json_request("", &spans), Encoding::Json, "t").unwrap();
    assert_eq!((d.rejected_spans, d.errors.len()), (50, 20));
}

#[test]
fn garbage_bodies_are_errors_not_panics() {
    for body in [
        &b"\xff\xff\xff\xff"[..],
        b"\x0a\xff\xff\xff\xff\x0f", // length beyond the body
        b"\x0a\x05\x0a\x03\x0a",     // truncated nested message
        b"not protobuf at all, just text",
    ] {
        assert!(
            decode_traces(body, Encoding::Protobuf, "t").is_err(),
            "{body:?}"
        );
        assert!(
            decode_logs(body, Encoding::Protobuf, "t").is_err(),
            "{body:?}"
        );
        assert!(
            decode_metrics(body, Encoding::Protobuf, "t").is_err(),
            "{body:?}"
        );
    }
    for body in [
        &b""[..],
        b"{",
        b"not json",
        b"[]",
        b"5",
        b"{\"resourceSpans\": 5}",
        br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"abc"}]}]}]}"#,
        br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"SPAN_KIND_BOGUS"}]}]}]}"#,
    ] {
        let e = decode_traces(body, Encoding::Json, "t").unwrap_err();
        assert!(e.to_string().contains("OTLP/JSON"), "{e}");
    }
    let e = decode_traces(b"\xff", Encoding::Protobuf, "t").unwrap_err();
    assert!(e.to_string().contains("protobuf"), "{e}");
    // An empty protobuf body is a valid, empty request.
    assert_eq!(
        decode_traces(b"", Encoding::Protobuf, "t").unwrap(),
        DecodedTraces::default()
    );
}

#[test]
fn damaged_fixtures_never_panic() {
    for body in [HTTP_PROTO, GRPC] {
        for len in 0..body.len() {
            let _ = decode_traces(&body[..len], Encoding::Protobuf, "t");
        }
        let mut state: u32 = 0x9e37_79b9;
        for _ in 0..2000 {
            let mut b = body.to_vec();
            for _ in 0..4 {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let i = (state >> 8) as usize % b.len();
                b[i] = (state >> 24) as u8;
            }
            let _ = decode_traces(&b, Encoding::Protobuf, "t");
            let _ = decode_logs(&b, Encoding::Protobuf, "t");
            let _ = decode_metrics(&b, Encoding::Protobuf, "t");
        }
    }
    for len in 0..HTTP_JSON.len() {
        let _ = decode_traces(&HTTP_JSON[..len], Encoding::Json, "t");
    }
}

fn logs_request() -> ExportLogsServiceRequest {
    let record = |body: AnyVal| LogRecord {
        body: Some(AnyValue { value: Some(body) }),
        ..Default::default()
    };
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: vec![
                    kv("service.name", s("orders")),
                    kv("faas.name", s("orders-fn")),
                ],
                ..Default::default()
            }),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope {
                    name: "app.logger".into(),
                    ..Default::default()
                }),
                log_records: vec![
                    LogRecord {
                        time_unix_nano: 1_767_225_600_500_000_000,
                        observed_time_unix_nano: 1_767_225_601_000_000_000,
                        severity_number: SeverityNumber::Error as i32,
                        severity_text: "ERROR".into(),
                        trace_id: vec![0xab; 16],
                        span_id: vec![0xcd; 8],
                        attributes: vec![
                            kv("faas.invocation_id", s("req-1")),
                            kv("retries", AnyVal::IntValue(3)),
                        ],
                        ..record(s("payment failed"))
                    },
                    LogRecord {
                        observed_time_unix_nano: 1_767_225_602_000_000_000,
                        ..record(AnyVal::KvlistValue(KeyValueList {
                            values: vec![
                                kv("msg", s("hi")),
                                kv(
                                    "tags",
                                    AnyVal::ArrayValue(ArrayValue {
                                        values: vec![AnyValue {
                                            value: Some(AnyVal::DoubleValue(0.5)),
                                        }],
                                    }),
                                ),
                            ],
                        }))
                    },
                    LogRecord {
                        trace_id: vec![1, 2, 3],
                        ..record(s("bad trace id"))
                    },
                ],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

#[test]
fn protobuf_logs_become_log_rows() {
    let body = logs_request().encode_to_vec();
    let d = decode_logs(&body, Encoding::Protobuf, "acme").unwrap();
    assert_eq!(d.logs.len(), 2);
    assert_eq!(d.rejected_logs, 1);
    assert!(d.errors[0].contains("traceId"), "{:?}", d.errors);

    let a = &d.logs[0];
    assert_eq!(a.tenant, "acme");
    assert_eq!(a.body, "payment failed");
    assert_eq!((a.severity_number, a.severity_text.as_str()), (17, "ERROR"));
    assert_eq!(a.trace_id, "abababababababababababababababab");
    assert_eq!(a.span_id, "cdcdcdcdcdcdcdcd");
    assert_eq!(a.service_name, "orders");
    assert_eq!(a.function, "orders-fn");
    assert_eq!(a.request_id, "req-1");
    assert_eq!(a.scope_name, "app.logger");
    assert_eq!(a.source, "otlp");
    assert_eq!(a.resource_keys, ["service.name", "faas.name"]);
    assert_eq!(a.attribute_keys, ["faas.invocation_id", "retries"]);
    assert_eq!(a.attribute_values, ["req-1", "3"]);
    assert_eq!(a.timestamp.timestamp(), 1_767_225_600);

    let b = &d.logs[1];
    assert_eq!(b.body, r#"{"msg":"hi","tags":[0.5]}"#);
    assert_eq!(
        (
            b.trace_id.as_str(),
            b.span_id.as_str(),
            b.request_id.as_str()
        ),
        ("", "", "")
    );
    // No time_unix_nano: the observed time stamps the row.
    assert_eq!(b.time_unix_nano, 0);
    assert_eq!(b.timestamp.timestamp(), 1_767_225_602);

    assert_eq!(logs_from_request(logs_request(), "acme"), d);
}

#[test]
fn json_logs_with_severity_names() {
    let body = br#"{"resourceLogs":[{"resource":{"attributes":[
        {"key":"service.name","value":{"stringValue":"svc"}}]},
      "scopeLogs":[{"logRecords":[
        {"timeUnixNano":"1767225600000000000","severityNumber":"SEVERITY_NUMBER_WARN",
         "severityText":"WARN","body":{"stringValue":"slow"},
         "traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"1112131415161718"},
        {"timeUnixNano":"1767225600000000000","body":{"intValue":"42"},"traceId":"xyz"}]}]}]}"#;
    let d = decode_logs(body, Encoding::Json, "t").unwrap();
    assert_eq!((d.logs.len(), d.rejected_logs), (1, 1));
    let l = &d.logs[0];
    assert_eq!((l.severity_number, l.body.as_str()), (13, "slow"));
    assert_eq!(l.trace_id, "0102030405060708090a0b0c0d0e0f10");
    assert_eq!(l.function, "");
}

#[test]
fn resource_mappings() {
    let provider = |cp: &str, pl: &str| {
        faasight_pricing::Provider::from_opentelemetry(cp, pl).map_or("", |p| p.as_str())
    };
    assert_eq!(provider("aws", "aws_lambda"), "aws_lambda");
    assert_eq!(provider("aws", ""), "aws_lambda");
    assert_eq!(provider("aws", "aws_ecs"), "");
    assert_eq!(provider("azure", "azure_functions"), "azure_functions");
    assert_eq!(provider("azure", "azure.functions"), "azure_functions");
    assert_eq!(
        provider("gcp", "gcp_cloud_functions"),
        "gcp_cloud_run_functions"
    );
    assert_eq!(provider("cloudflare", ""), "cloudflare_workers");
    assert_eq!(provider("", "cloudflare_workers"), "cloudflare_workers");
    assert_eq!(provider("", ""), "");

    assert_eq!(memory_mb(536_870_912), 512);
    assert_eq!(memory_mb(134_217_728), 128);
    assert_eq!(memory_mb(1769), 1769); // legacy MiB value
    assert_eq!(memory_mb(-5), 0);
    assert_eq!(memory_mb(i64::MAX), u32::MAX);

    assert_eq!(runtime("cpython", "3.12.4"), "python3.12");
    assert_eq!(runtime("nodejs", "20.11.1"), "nodejs20.x");
    assert_eq!(
        runtime("OpenJDK Runtime Environment", "21.0.2+13-LTS"),
        "java21"
    );
    assert_eq!(
        runtime("OpenJDK Runtime Environment", "1.8.0_392-b08"),
        "java8"
    );
    assert_eq!(runtime(".NET", "8.0.1"), "dotnet8");
    assert_eq!(runtime("go", "go1.22.1"), "go1.22");
    assert_eq!(runtime("", "3.12"), "");

    assert_eq!(arch("amd64"), "x86_64");
    assert_eq!(arch("x86_64"), "x86_64");
    assert_eq!(arch("arm64"), "arm64");
    assert_eq!(arch("aarch64"), "arm64");
    assert_eq!(arch("s390x"), "");
}

#[test]
fn coldstart_and_invocation_id_fallbacks() {
    let body = json_request(
        r#"{"key":"faas.name","value":{"stringValue":"f"}},
           {"key":"faas.max_memory","value":{"stringValue":"not a number"}}"#,
        r#"{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"1112131415161718","kind":2,
            "attributes":[{"key":"faas.coldstart","value":{"stringValue":"false"}},
                          {"key":"faas.execution","value":{"stringValue":"legacy-id"}}]},
           {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"1112131415161719","kind":1}"#,
    );
    let d = decode_traces(&body, Encoding::Json, "t").unwrap();
    assert_eq!(d.spans.len(), 2);
    assert_eq!(d.invocations.len(), 1); // the INTERNAL span is not an invocation
    let inv = &d.invocations[0];
    assert_eq!(inv.start_type, "warm");
    assert_eq!(inv.request_id, "legacy-id");
    assert_eq!(inv.memory_mb, 0);
    assert_eq!(inv.provider, "");

    // Without faas.name, a SERVER span is stored but is no invocation.
    let body = json_request(
        r#"{"key":"service.name","value":{"stringValue":"web"}}"#,
        r#"{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"1112131415161718","kind":2}"#,
    );
    let d = decode_traces(&body, Encoding::Json, "t").unwrap();
    assert_eq!((d.spans.len(), d.invocations.len()), (1, 0));
}

// ---------------------------------------------------------------------------
// The memory limit per request

/// A protobuf varint, encoded by hand (not by prost or the code under test).
fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A length-delimited field (wire type 2) holding `payload`.
fn delimited(number: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 10);
    varint(u64::from(number << 3 | 2), &mut out);
    varint(payload.len() as u64, &mut out);
    out.extend_from_slice(payload);
    out
}

fn assert_too_many_items(e: &OtlpError) {
    assert!(matches!(e, OtlpError::TooManyItems { .. }), "{e}");
    assert!(e.is_too_large());
    assert!(
        e.to_string().contains("134217728 bytes (128 MiB"),
        "names the limit: {e}"
    );
}

#[test]
fn sixteen_million_empty_records_are_refused_before_decoding() {
    // ExportLogsServiceRequest { resource_logs (1) { scope_logs (2) {
    // log_records (2): 16,000,000 × `12 00` } } }: 32,000,000 bytes of
    // records, under the 32 MiB body limit. The very same bytes are an
    // ExportTraceServiceRequest of 16 million empty spans (resource_spans
    // 1, scope_spans 2, spans 2). Lengths: 32,000,000 = 0x1E84800, as a
    // varint 80 90 a1 0f; the resource's 32,000,005 is 85 90 a1 0f.
    let n = 16_000_000;
    let mut body = vec![0x0a, 0x85, 0x90, 0xa1, 0x0f, 0x12, 0x80, 0x90, 0xa1, 0x0f];
    body.reserve(2 * n);
    body.extend(std::iter::repeat_n([0x12u8, 0x00], n).flatten());
    assert_eq!(body.len(), 32_000_010);
    assert!(body.len() <= 32 << 20);
    // Decoded, each record would be a prost message and a row of hundreds
    // of bytes: gigabytes. The refusal comes from the wire count, which
    // stops soon after 128 MiB / (184 + 400) ≈ 230,000 records.
    let e = decode_logs(&body, Encoding::Protobuf, "t").unwrap_err();
    assert_too_many_items(&e);
    let OtlpError::TooManyItems {
        items,
        bytes,
        limit,
    } = e
    else {
        unreachable!()
    };
    assert_eq!(limit, 128 << 20);
    assert!(bytes > limit);
    assert!(items < n as u64 / 10, "the count stops early: {items}");
    assert_too_many_items(&decode_traces(&body, Encoding::Protobuf, "t").unwrap_err());
}

#[test]
fn json_amplification_is_refused_before_decoding() {
    // A million empty log records, 3 bytes each.
    let body = format!(
        r#"{{"resourceLogs":[{{"scopeLogs":[{{"logRecords":[{}]}}]}}]}}"#,
        vec!["{}"; 1_000_000].join(",")
    );
    assert_too_many_items(&decode_logs(body.as_bytes(), Encoding::Json, "t").unwrap_err());
    // Records may also be written as arrays (serde reads structs from them).
    let body = format!(
        r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
        vec!["[]"; 1_000_000].join(",")
    );
    assert_too_many_items(&decode_traces(body.as_bytes(), Encoding::Json, "t").unwrap_err());
    // 5 million numbers under an unknown key: 10 MB of JSON, and a
    // `serde_json::Value` of 32 bytes each (160 MB) before the key is
    // ignored.
    let body = format!(r#"{{"x":[{}]}}"#, vec!["0"; 5_000_000].join(","));
    assert_too_many_items(&decode_traces(body.as_bytes(), Encoding::Json, "t").unwrap_err());
    assert_too_many_items(&decode_metrics(body.as_bytes(), Encoding::Json, "t").unwrap_err());

    // Braces inside strings (e.g. a log body that is JSON text) are not
    // counted: 300,000 of them, after an escaped quote, decode as usual.
    let text = format!("\\\"{}", "{".repeat(300_000));
    let body = format!(
        r#"{{"resourceLogs":[{{"scopeLogs":[{{"logRecords":[{{"body":{{"stringValue":"{text}"}}}}]}}]}}]}}"#
    );
    let d = decode_logs(body.as_bytes(), Encoding::Json, "t").unwrap();
    assert_eq!(d.logs.len(), 1);
    assert_eq!(d.logs[0].body.len(), 300_001);
    assert!(d.logs[0].body.starts_with("\"{{"));
}

#[test]
fn metric_amplification_is_refused_before_decoding() {
    // ExportMetricsServiceRequest { resource_metrics (1) { scope_metrics
    // (2) { metrics (2) { gauge (5) { data_points (1): 4,000,000 empty } } } } }:
    // 8 MB; each NumberDataPoint holds two Vecs (48 bytes) and more, so
    // well over 4,000,000 × 48 = 192 MB.
    let points = [0x0a, 0x00].repeat(4_000_000);
    let body = delimited(1, &delimited(2, &delimited(2, &delimited(5, &points))));
    assert_too_many_items(&decode_metrics(&body, Encoding::Protobuf, "t").unwrap_err());
    // Packed uint64 bucket counts: 1 byte each on the wire, 8 once decoded.
    // ... metrics (2) { exponential_histogram (10) { data_points (1) {
    // positive (8) { bucket_counts (2): 20,000,000 zero bytes } } } }:
    // 160,000,000 bytes decoded.
    let buckets = delimited(2, &vec![0u8; 20_000_000]);
    let metric = delimited(10, &delimited(1, &delimited(8, &buckets)));
    let body = delimited(1, &delimited(2, &delimited(2, &metric)));
    assert_too_many_items(&decode_metrics(&body, Encoding::Protobuf, "t").unwrap_err());
    // One million of them pass (8 MB).
    let buckets = delimited(2, &vec![0u8; 1_000_000]);
    let metric = delimited(10, &delimited(1, &delimited(8, &buckets)));
    let body = delimited(1, &delimited(2, &delimited(2, &metric)));
    let d = decode_metrics(&body, Encoding::Protobuf, "t").unwrap();
    // A nameless metric: its one point is decoded, and refused.
    assert_eq!((d.metrics.len(), d.rejected_points), (0, 1));
}

/// One resource with a `big` attribute of `attr_bytes` bytes and `spans`
/// valid, tiny spans.
fn big_resource_traces(attr_bytes: usize, spans: u64) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![kv("big", s(&"x".repeat(attr_bytes)))],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans: (1..=spans)
                    .map(|i| Span {
                        trace_id: vec![1; 16],
                        span_id: i.to_be_bytes().to_vec(),
                        start_time_unix_nano: 1_700_000_000_000_000_000,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

#[test]
fn a_large_resource_copied_into_many_rows_is_refused() {
    // 1 MiB of resource attribute copied into 1,000 rows: at least
    // 1,000 × 1,048,576 = 1,048,576,000 bytes, refused before any row is
    // built. The body itself (~1 MiB, 1,000 small spans) passes the wire
    // count: the refusal is the rows'.
    let req = big_resource_traces(1 << 20, 1_000);
    let body = req.encode_to_vec();
    assert!(body.len() < (1 << 20) + 100_000);
    let check = |e: OtlpError| {
        let OtlpError::RowsTooLarge { bytes, limit } = e else {
            panic!("not refused for its rows: {e}");
        };
        assert_eq!(limit, 128 << 20);
        // Each row also holds its own struct and short strings: less
        // than 4 KiB more.
        assert!(
            (1_048_576_000..1_000 * ((1 << 20) + 4096)).contains(&bytes),
            "{bytes}"
        );
    };
    check(decode_traces(&body, Encoding::Protobuf, "t").unwrap_err());
    // The gRPC receiver's path: tonic decoded the message.
    check(try_traces_from_request(req, "t").unwrap_err());

    // Logs, likewise.
    let logs = ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: vec![kv("big", s(&"x".repeat(1 << 20)))],
                ..Default::default()
            }),
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord::default(); 1_000],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    let e = decode_logs(&logs.encode_to_vec(), Encoding::Protobuf, "t").unwrap_err();
    assert!(matches!(e, OtlpError::RowsTooLarge { .. }), "{e}");
    assert!(e.is_too_large());
    let e = try_logs_from_request(logs, "t").unwrap_err();
    assert!(matches!(e, OtlpError::RowsTooLarge { .. }), "{e}");

    // 100 such rows (~105 MB) are within the limit.
    let d = try_traces_from_request(big_resource_traces(1 << 20, 100), "t").unwrap();
    assert_eq!(d.spans.len(), 100);
    assert!(d
        .spans
        .iter()
        .all(|r| r.resource_values[0].len() == 1 << 20));
}

#[test]
fn rows_are_counted_while_they_are_built() {
    // Spans with 1 KiB attributes of their own: nothing the resource
    // projection sees, but the rows' sizes pass a small limit.
    let mut req = big_resource_traces(10, 10);
    for span in &mut req.resource_spans[0].scope_spans[0].spans {
        span.attributes = vec![kv("a", s(&"y".repeat(1024)))];
    }
    let rows = traces_from_request(req.clone(), "t");
    let total: usize = rows.spans.iter().map(SpanRow::approx_bytes).sum();
    assert!(total > 10 * 1024);
    assert_eq!(build_traces(req.clone(), "t", total).unwrap(), rows);
    let e = build_traces(req, "t", total - 1).unwrap_err();
    assert!(
        matches!(e, OtlpError::RowsTooLarge { bytes, .. } if bytes == total),
        "{e}"
    );
}

/// What the wire walk should count in a trace request, from its prost
/// decoding: resources, scopes, spans, events, links, attributes and array
/// elements.
fn expected_trace_items(req: &ExportTraceServiceRequest) -> u64 {
    fn attrs(kvs: &[KeyValue]) -> u64 {
        kvs.iter()
            .map(|kv| 1 + kv.value.as_ref().map_or(0, any))
            .sum()
    }
    fn any(v: &AnyValue) -> u64 {
        match &v.value {
            Some(AnyVal::ArrayValue(a)) => a.values.iter().map(|x| 1 + any(x)).sum(),
            Some(AnyVal::KvlistValue(l)) => attrs(&l.values),
            _ => 0,
        }
    }
    let mut n = 0;
    for rs in &req.resource_spans {
        n += 1 + rs.resource.as_ref().map_or(0, |r| attrs(&r.attributes));
        for ss in &rs.scope_spans {
            n += 1 + ss.scope.as_ref().map_or(0, |s| attrs(&s.attributes));
            for span in &ss.spans {
                n += 1 + attrs(&span.attributes);
                n += span
                    .events
                    .iter()
                    .map(|e| 1 + attrs(&e.attributes))
                    .sum::<u64>();
                n += span
                    .links
                    .iter()
                    .map(|l| 1 + attrs(&l.attributes))
                    .sum::<u64>();
            }
        }
    }
    n
}

/// What the JSON count should be, from serde_json's parse: containers,
/// plus one item per `,` and `:`.
fn expected_json_items(v: &Json) -> u64 {
    match v {
        Json::Object(m) => {
            1 + m.len() as u64
                + m.len().saturating_sub(1) as u64
                + m.values().map(expected_json_items).sum::<u64>()
        }
        Json::Array(a) => {
            1 + a.len().saturating_sub(1) as u64 + a.iter().map(expected_json_items).sum::<u64>()
        }
        _ => 0,
    }
}

#[test]
fn ordinary_requests_are_counted_exactly_and_decode_as_before() {
    for body in [HTTP_PROTO, GRPC] {
        let req = ExportTraceServiceRequest::decode(body).unwrap();
        let estimate = wire_estimate(body, Msg::TracesRequest, usize::MAX);
        // 1 resource with 13 attributes, 1 scope, 6 spans with 2 or 7
        // attributes: the prost decoding confirms it.
        assert_eq!(estimate.items, expected_trace_items(&req));
        assert!(estimate.items >= 1 + 13 + 1 + 6 + 3 * 2 + 3 * 7);
        assert!(estimate.bytes < MAX_DECODED_BYTES / 1000);
        // The same rows as without any limit.
        let d = decode_traces(body, Encoding::Protobuf, "acme").unwrap();
        assert_eq!(d, traces_from_request(req.clone(), "acme"));
        assert_eq!(try_traces_from_request(req, "acme").unwrap(), d);
        check_fixture_spans(&d);
    }
    let value: Json = serde_json::from_slice(HTTP_JSON).unwrap();
    let estimate = json_estimate(HTTP_JSON, Msg::TracesRequest, usize::MAX);
    assert_eq!(estimate.items, expected_json_items(&value));
    assert!(estimate.bytes < MAX_DECODED_BYTES / 100);
    check_fixture_spans(&decode_traces(HTTP_JSON, Encoding::Json, "acme").unwrap());

    let logs = logs_request();
    let d = decode_logs(&logs.encode_to_vec(), Encoding::Protobuf, "acme").unwrap();
    assert_eq!(try_logs_from_request(logs.clone(), "acme").unwrap(), d);
    assert_eq!(logs_from_request(logs, "acme"), d);
}

#[test]
fn the_wire_walk_accepts_all_that_prost_accepts() {
    // A walk that stopped on data prost decodes would let prost decode
    // what was not counted.
    fn check(body: &[u8]) {
        let walks = |root| walk(body, root, 0, usize::MAX, &mut Estimate::default()).is_ok();
        if ExportTraceServiceRequest::decode(body).is_ok() {
            assert!(walks(Msg::TracesRequest), "{body:?}");
        }
        if ExportLogsServiceRequest::decode(body).is_ok() {
            assert!(walks(Msg::LogsRequest), "{body:?}");
        }
        if ExportMetricsServiceRequest::decode(body).is_ok() {
            assert!(walks(Msg::MetricsRequest), "{body:?}");
        }
    }
    let logs = logs_request().encode_to_vec();
    for body in [HTTP_PROTO, GRPC, &logs] {
        for len in 0..body.len() {
            check(&body[..len]);
        }
        let mut state: u32 = 0x2545_f491;
        for _ in 0..2000 {
            let mut b = body.to_vec();
            for _ in 0..4 {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let i = (state >> 8) as usize % b.len();
                b[i] = (state >> 24) as u8;
            }
            check(&b);
        }
    }

    // Groups (deprecated) in unknown fields are skipped, by prost and the
    // walk, and what follows them is counted: field 50 as a group (keys
    // 93 03 … 94 03) holding a varint (08 01) and an empty group 2 (13 14),
    // then 3 empty log records.
    let mut body = vec![0x93, 0x03, 0x08, 0x01, 0x13, 0x14, 0x94, 0x03];
    body.extend(delimited(1, &delimited(2, &[0x12, 0x00].repeat(3))));
    let req = ExportLogsServiceRequest::decode(&body[..]).unwrap();
    assert_eq!(req.resource_logs[0].scope_logs[0].log_records.len(), 3);
    let estimate = wire_estimate(&body, Msg::LogsRequest, usize::MAX);
    assert_eq!(estimate.items, 1 + 1 + 3);
    // A group closed by another field's end: both refuse it.
    let bad = [0x93, 0x03, 0x14];
    assert!(ExportLogsServiceRequest::decode(&bad[..]).is_err());
    assert!(walk(
        &bad,
        Msg::LogsRequest,
        0,
        usize::MAX,
        &mut Estimate::default()
    )
    .is_err());
}
