//! OTLP from the real OpenTelemetry Python SDK, over HTTP and gRPC, and the
//! captured SDK requests in the shared fixtures: spans, logs and the
//! invocation records derived from FaaS server spans reach ClickHouse.

use super::common::{post, Stack};
use std::process::Command;

fn export(transport: &str, endpoint: &str, run_id: &str) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/otel_export.py");
    let out = Command::new(super::common::python())
        .args([script, transport, endpoint, run_id])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "the OpenTelemetry SDK export over {transport} failed (pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http opentelemetry-exporter-otlp-proto-grpc):\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn python_sdk_exports_over_http_and_grpc_become_rows() {
    let Stack { ch, up, .. } = Stack::start().await;
    let (collector, grpc) = (up.collector.clone(), up.otlp_grpc.clone());
    tokio::task::spawn_blocking(move || {
        export("http", &collector, "h1");
        export("grpc", &grpc, "g1");
    })
    .await
    .unwrap();

    super::common::stored(&up.collector).await;
    for (function, run) in [("otel-http", "h1"), ("otel-grpc", "g1")] {
        let rows: Vec<(String, String, String, String, u32, String, String)> = ch
            .store()
            .client()
            .query(
                "SELECT request_id, start_type, status, error_type, memory_mb, provider, region FROM invocations \
                 WHERE function = ? ORDER BY request_id",
            )
            .bind(function)
            .fetch_all()
            .await
            .unwrap();
        let expect = |i: usize, start: &str, status: &str, error: &str| {
            (
                format!("{run}-{i}"),
                start.to_string(),
                status.to_string(),
                error.to_string(),
                256u32,
                "aws_lambda".to_string(),
                "eu-central-1".to_string(),
            )
        };
        assert_eq!(
            rows,
            vec![
                expect(0, "cold", "success", ""),
                expect(1, "warm", "success", ""),
                expect(2, "warm", "error", "ValueError")
            ],
            "{function}"
        );
        let spans = ch
            .count(&format!(
                "SELECT count() FROM spans WHERE service_name = '{function}' AND kind = 2"
            ))
            .await;
        assert_eq!(spans, 3, "{function} spans");
        let logs: Vec<String> = ch
            .store()
            .client()
            .query("SELECT body FROM logs WHERE function = ? ORDER BY time_unix_nano")
            .bind(function)
            .fetch_all()
            .await
            .unwrap();
        assert_eq!(
            logs,
            vec![
                format!("handling request {run}-0"),
                "request failed: bad order id".to_string()
            ],
            "{function} logs"
        );
    }
    assert!(up.stop().await.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn captured_sdk_requests_and_bad_bodies_get_otlp_answers() {
    let Stack { ch, up, client, .. } = Stack::start().await;
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/otlp/");
    let url = format!("{}/v1/traces", up.collector);
    for (file, ct) in [
        ("py-http-proto-01-v1_traces.pb", "application/x-protobuf"),
        ("py-http-json-01-v1_traces.json", "application/json"),
    ] {
        let body = std::fs::read(format!("{fixtures}{file}")).unwrap();
        let r = client
            .post(&url)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{file}");
        assert_eq!(
            r.headers()["content-type"],
            ct,
            "answered in the request's encoding"
        );
    }
    super::common::stored(&up.collector).await;
    let spans = ch.count("SELECT count() FROM spans").await;
    assert!(spans > 0);
    let protobuf = [("content-type", "application/x-protobuf")];
    let json = [("content-type", "application/json")];
    let (status, _) = post(&url, &protobuf, vec![0xff, 0xff, 0xff]).await;
    assert_eq!(status, 400);
    let (status, answer) = post(&url, &json, "{\"resourceSpans\": 5}").await;
    assert_eq!(status, 400);
    assert!(answer.to_string().contains("\"code\":3"));
    let (status, _) = post(&url, &[("content-type", "text/plain")], "x").await;
    assert_eq!(status, 415);
    // A span without a valid trace id is refused and counted as a partial success.
    let body = r#"{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"spans":[{"trace_id":"00","spanId":"0102030405060708","name":"x","kind":2,"startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}"#;
    let (status, v) = post(&url, &json, body).await;
    assert_eq!(status, 200);
    assert_eq!(
        v["partialSuccess"]["rejectedSpans"]
            .as_i64()
            .or_else(|| v["partialSuccess"]["rejectedSpans"].as_str()?.parse().ok()),
        Some(1),
        "{v}"
    );
    assert!(up.stop().await.success());
}
