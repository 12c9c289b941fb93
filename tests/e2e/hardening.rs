//! Hostile and broken input against `faasight collector` on its own: one
//! request must never stop ingest for others, store silently wrong money,
//! or hold unbounded memory.

use super::common::{b64, gz, post, CollectorStack, Stack};

/// The reported denial of service: a `platform.report` whose duration puts
/// its start outside the calendar panicked under the process-wide Lambda
/// environment lock, and every later Telemetry API, CloudWatch and Firehose
/// request of every tenant was answered 503 until a restart.
#[tokio::test(flavor = "multi_thread")]
async fn a_hostile_platform_report_is_refused_and_lambda_ingest_goes_on() {
    let CollectorStack { collector: c, ch } = CollectorStack::start().await;
    let telemetry = format!("{}/v1/lambda/telemetry", c.http);
    let headers = [
        ("x-faasight-function", "victim"),
        ("x-faasight-instance", "env-1"),
    ];

    let hostile = r#"[{"time":"2026-02-01T10:00:00.000Z","type":"platform.report","record":{"requestId":"evil","status":"success","metrics":{"durationMs":9.0e15,"billedDurationMs":1}}}]"#;
    for _ in 0..3 {
        let (status, body) = post(telemetry.clone(), &headers, hostile).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["rejected"], 1, "{body}");
        let reason = body["errors"][0].as_str().unwrap();
        assert!(
            reason.contains("durationMs") && reason.contains("960000"),
            "{reason}"
        );
    }
    // Also through a CloudWatch REPORT line with an absurd duration.
    let line = "REPORT RequestId: evil2\tDuration: 9000000000000000.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 1 MB";
    let payload = serde_json::json!({"messageType":"DATA_MESSAGE","owner":"1","logGroup":"/aws/lambda/victim","logStream":"2026/02/01/[$LATEST]x","subscriptionFilters":[],"logEvents":[{"id":"1","timestamp":1769940000000i64,"message":line}]});
    let (status, body) = post(
        format!("{}/v1/cloudwatch?region=us-east-1", c.http),
        &[],
        gz(payload.to_string().as_bytes()),
    )
    .await;
    assert_eq!(
        (status, body["rejected"].as_u64()),
        (200, Some(1)),
        "{body}"
    );

    // Ingest goes on: an ordinary cold start from the same and from
    // another environment.
    for instance in ["env-1", "env-2"] {
        let ok = r#"[
          {"time":"2026-02-01T10:00:00.000Z","type":"platform.initReport","record":{"initializationType":"on-demand","phase":"init","status":"success","metrics":{"durationMs":300}}},
          {"time":"2026-02-01T10:00:00.310Z","type":"platform.start","record":{"requestId":"REQ","version":"$LATEST"}},
          {"time":"2026-02-01T10:00:00.420Z","type":"platform.report","record":{"requestId":"REQ","status":"success","metrics":{"durationMs":110,"billedDurationMs":410,"memorySizeMB":128,"maxMemoryUsedMB":60,"initDurationMs":300}}}
        ]"#
        .replace("REQ", &format!("ok-{instance}"));
        let (status, body) = post(
            telemetry.clone(),
            &[
                ("x-faasight-function", "victim"),
                ("x-faasight-instance", instance),
                ("x-faasight-region", "us-east-1"),
            ],
            ok,
        )
        .await;
        assert_eq!(
            (status, body["invocations"].as_u64()),
            (200, Some(1)),
            "{body}"
        );
    }
    super::common::stored(&c.http).await;
    assert_eq!(
        ch.count(
            "SELECT count() FROM invocations WHERE function = 'victim' AND start_type = 'cold'"
        )
        .await,
        2
    );
    assert_eq!(
        ch.count("SELECT count() FROM invocations WHERE request_id LIKE 'evil%'")
            .await,
        0
    );
}

/// `"provider": "aws"` (OpenTelemetry's `cloud.provider`) was stored at $0.
#[tokio::test(flavor = "multi_thread")]
async fn unknown_providers_are_refused_and_opentelemetry_names_priced() {
    let CollectorStack { collector: c, ch } = CollectorStack::start().await;
    let url = format!("{}/v1/invocations", c.http);
    let ndjson = [("content-type", "application/x-ndjson")];
    // 1 GB for 1,000 ms in us-east-1 on x86_64: 1 GB-s × $0.0000166667
    // + $0.20 per million requests = $0.0000168667.
    let record = |provider: &str| {
        format!(
            r#"{{"provider":"{provider}","function":"priced","region":"us-east-1","arch":"x86_64","memory_mb":1024,"start_time":"2026-02-01T10:00:00Z","duration_ms":1000}}"#
        )
    };
    let (status, body) = post(url.clone(), &ndjson, record("aws")).await;
    assert_eq!(
        (status, body["accepted"].as_u64()),
        (200, Some(1)),
        "{body}"
    );
    super::common::stored(&c.http).await;
    let cost: String = ch
        .store()
        .client()
        .query("SELECT provider || ' ' || toString(cost_usd) FROM invocations WHERE function = 'priced'")
        .fetch_one()
        .await
        .unwrap();
    assert_eq!(cost, "aws_lambda 0.000016866700");

    for bad in ["lambda", "", "gcp_functions"] {
        let (status, body) = post(url.clone(), &ndjson, record(bad)).await;
        assert_eq!(status, 400, "{bad:?}: {body}");
        let e = body["error"].as_str().unwrap();
        assert!(
            e.contains("provider must be one of") && e.contains("aws_lambda"),
            "{e}"
        );
    }
    assert_eq!(ch.count("SELECT count() FROM invocations").await, 1);
}

/// 100 records of 30 MiB each took the collector to 3.2 GB before it
/// answered: the decompression budget was per record.
#[tokio::test(flavor = "multi_thread")]
async fn a_firehose_delivery_has_one_budget_and_a_retry_is_stored_once() {
    let CollectorStack { collector: c, ch } = CollectorStack::start().await;
    let url = format!("{}/v1/firehose", c.http);

    // Each record is a valid subscription payload padded to 12 MiB (a few
    // KiB gzipped); three pass the 32 MiB limit only together.
    let pad = " ".repeat(12 << 20);
    let big = format!(
        r#"{{"pad":"{pad}","messageType":"DATA_MESSAGE","owner":"1","logGroup":"/aws/lambda/f","logStream":"s","subscriptionFilters":[],"logEvents":[]}}"#
    );
    let record = b64(&gz(big.as_bytes()));
    let delivery = |id: &str, n: usize| {
        let records: Vec<_> = (0..n)
            .map(|_| serde_json::json!({ "data": record }))
            .collect();
        serde_json::json!({"requestId": id, "timestamp": 1, "records": records}).to_string()
    };
    let (status, body) = post(url.clone(), &[], delivery("bomb", 3)).await;
    assert_eq!(status, 413, "{body}");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("record 2:"),
        "{body}"
    );
    assert_eq!(body["requestId"], "bomb");

    // A delivery that Firehose retries (it saw no answer) is stored once.
    let lines = serde_json::json!({"messageType":"DATA_MESSAGE","owner":"1","logGroup":"/aws/lambda/fh","logStream":"2026/02/01/[$LATEST]e1","subscriptionFilters":[],"logEvents":[
        {"id":"1","timestamp":1769940000000i64,"message":"START RequestId: r1 Version: $LATEST\n"},
        {"id":"2","timestamp":1769940000100i64,"message":"REPORT RequestId: r1\tDuration: 100.00 ms\tBilled Duration: 100 ms\tMemory Size: 128 MB\tMax Memory Used: 50 MB\n"}]});
    let once = serde_json::json!({"requestId": "d-1", "timestamp": 1, "records": [{"data": b64(&gz(lines.to_string().as_bytes()))}]}).to_string();
    for _ in 0..2 {
        let (status, body) = post(url.clone(), &[], once.clone()).await;
        assert_eq!(status, 200, "{body}");
    }
    super::common::stored(&c.http).await;
    assert_eq!(
        ch.count("SELECT count() FROM invocations WHERE function = 'fh'")
            .await,
        1
    );
}

/// A time ClickHouse's DateTime cannot hold made the whole batch's INSERT
/// fail — other tenants' rows in it included.
#[tokio::test(flavor = "multi_thread")]
async fn times_outside_datetime_are_refused_per_record() {
    let CollectorStack { collector: c, ch } = CollectorStack::start().await;
    let span = |name: &str, start: u64| {
        serde_json::json!({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":name,"kind":2,
            "startTimeUnixNano":start.to_string(),"endTimeUnixNano":(start + 1_000_000).to_string()})
    };
    let body = serde_json::json!({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},
        "scopeSpans":[{"spans":[span("ok", 1_769_940_000_000_000_000), span("year-2200", 7_258_118_400_000_000_000)]}]}]});
    let (status, answer) = post(
        format!("{}/v1/traces", c.http),
        &[("content-type", "application/json")],
        body.to_string(),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["partialSuccess"]["rejectedSpans"].as_u64(),
        Some(1),
        "{answer}"
    );
    assert!(
        answer["partialSuccess"]["errorMessage"]
            .as_str()
            .unwrap()
            .contains("2106"),
        "{answer}"
    );

    let ndjson = "{\"provider\":\"aws_lambda\",\"function\":\"t\",\"start_time_ms\":4294967296000,\"duration_ms\":1}";
    let (status, answer) = post(
        format!("{}/v1/invocations", c.http),
        &[("content-type", "application/x-ndjson")],
        ndjson,
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("start_time_ms"),
        "{answer}"
    );

    super::common::stored(&c.http).await;
    assert_eq!(
        ch.count("SELECT count() FROM spans WHERE name = 'ok'")
            .await,
        1
    );
    assert_eq!(ch.count("SELECT count() FROM spans").await, 1);
}

/// One limit on requests in progress, shared by HTTP and gRPC: with it
/// taken by slow HTTP bodies, both answer "retry later" at once instead of
/// queueing without bound.
#[tokio::test(flavor = "multi_thread")]
async fn the_request_limit_is_shared_by_http_and_grpc() {
    use tokio::io::AsyncWriteExt;
    let CollectorStack {
        collector: c,
        ch: _ch,
    } = CollectorStack::start().await;
    let addr = c.http.trim_start_matches("http://").to_string();
    // 64 requests whose bodies never finish.
    let mut slow = Vec::new();
    for _ in 0..64 {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"POST /v1/invocations HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-ndjson\r\ncontent-length: 100000\r\n\r\n{")
            .await
            .unwrap();
        slow.push(s);
    }
    // Until the server has read all 64 requests' headers, the next may
    // still get a permit: poll until it is refused.
    let refused = super::common::wait_for(
        "the 65th request to be refused",
        std::time::Duration::from_secs(30),
        || async {
            let (status, body) = post(
                format!("{}/v1/invocations", c.http),
                &[("content-type", "application/x-ndjson")],
                "",
            )
            .await;
            (status == 503).then_some(body)
        },
    )
    .await;
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("64 ingest requests"),
        "{refused}"
    );

    let mut client = opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient::connect(c.grpc.clone())
        .await
        .unwrap();
    let err = client
        .export(
            opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unavailable, "{err:?}");
    drop(slow);
    // The permits come back.
    super::common::wait_for("a permit to come back", std::time::Duration::from_secs(30), || {
        let mut client = client.clone();
        async move {
            client
                .export(opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest::default())
                .await
                .ok()
        }
    })
    .await;
}

/// With ClickHouse gone, the API answers 502 with a sentence and a request
/// id — not ClickHouse's own error text — and the collector's readiness
/// check says it is not ready.
#[tokio::test(flavor = "multi_thread")]
async fn with_clickhouse_down_the_api_answers_without_internals() {
    let Stack {
        mut ch, up, api, ..
    } = Stack::start().await;
    let ready = reqwest::get(format!("{}/readyz", up.collector))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    ch.stop().await;

    let r = api
        .get(format!("{}/api/v1/bill?days=30", up.web))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 502);
    let body: serde_json::Value = r.json().await.unwrap();
    let e = body["error"].as_str().unwrap();
    assert!(e.contains("request id"), "{e}");
    for internal in [
        "DB::Exception",
        "Connection refused",
        "127.0.0.1",
        "invocations",
    ] {
        assert!(!e.contains(internal), "leaks {internal:?}: {e}");
    }
    let ready = reqwest::get(format!("{}/readyz", up.collector))
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    let text = ready.text().await.unwrap();
    assert!(
        !text.contains("Connection refused") && !text.contains("127.0.0.1"),
        "{text}"
    );
}

/// Tokens from `--tokens-file`, over HTTP and gRPC: each token writes its
/// own tenant, a missing or unknown one is refused.
#[tokio::test(flavor = "multi_thread")]
async fn tokens_file_authenticates_http_and_grpc() {
    use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
    use opentelemetry_proto::tonic::resource::v1::Resource;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};

    let tokens_dir = tempfile::tempdir().unwrap();
    let tokens = tokens_dir.path().join("tokens");
    std::fs::write(
        &tokens,
        "# token tenant\ntok-acme-0001 acme\ntok-glbx-0002 globex\n",
    )
    .unwrap();
    let CollectorStack { collector: c, ch } =
        CollectorStack::start_with_args(&["--tokens-file", tokens.to_str().unwrap()]).await;

    let record = r#"{"provider":"aws_lambda","function":"authed","start_time_ms":1769940000000,"duration_ms":1}"#;
    let url = format!("{}/v1/invocations", c.http);
    let ndjson = ("content-type", "application/x-ndjson");
    assert_eq!(post(url.clone(), &[ndjson], record).await.0, 401);
    assert_eq!(
        post(
            url.clone(),
            &[ndjson, ("x-api-key", "tok-nope-0000")],
            record
        )
        .await
        .0,
        401
    );
    assert_eq!(
        post(
            url.clone(),
            &[ndjson, ("x-api-key", "tok-acme-0001")],
            record
        )
        .await
        .0,
        200
    );

    let request = || {
        let attr = |k: &str, v: &str| KeyValue {
            key: k.into(),
            value: Some(AnyValue {
                value: Some(any_value::Value::StringValue(v.into())),
            }),
            ..Default::default()
        };
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: Some(Resource {
                    attributes: vec![attr("service.name", "grpc-authed")],
                    ..Default::default()
                }),
                scope_spans: vec![ScopeSpans {
                    spans: vec![Span {
                        trace_id: vec![1; 16],
                        span_id: vec![2; 8],
                        name: "op".into(),
                        start_time_unix_nano: 1_769_940_000_000_000_000,
                        end_time_unix_nano: 1_769_940_000_001_000_000,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
    };
    let mut client = TraceServiceClient::connect(c.grpc.clone()).await.unwrap();
    let err = client.export(request()).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unauthenticated, "{err:?}");
    let mut wrong = tonic::Request::new(request());
    wrong
        .metadata_mut()
        .insert("authorization", "Bearer tok-nope-0000".parse().unwrap());
    assert_eq!(
        client.export(wrong).await.unwrap_err().code(),
        tonic::Code::Unauthenticated
    );
    let mut right = tonic::Request::new(request());
    right
        .metadata_mut()
        .insert("authorization", "Bearer tok-glbx-0002".parse().unwrap());
    client.export(right).await.unwrap();

    super::common::stored(&c.http).await;
    let tenants: Vec<(String, String)> = ch
        .store()
        .client()
        .query(
            "SELECT tenant, 'invocation' FROM invocations UNION ALL SELECT tenant, 'span' FROM spans",
        )
        .fetch_all()
        .await
        .unwrap();
    let mut tenants = tenants;
    tenants.sort();
    assert_eq!(
        tenants,
        [
            ("acme".to_string(), "invocation".to_string()),
            ("globex".to_string(), "span".to_string())
        ]
    );
}

/// A CloudWatch payload of millions of tiny lines, each of which would
/// become a row carrying the log group and stream, is refused before the
/// rows are built; names longer than CloudWatch allows are refused too.
#[tokio::test(flavor = "multi_thread")]
async fn cloudwatch_payloads_cannot_expand_without_bound() {
    let CollectorStack {
        collector: c,
        ch: _ch,
    } = CollectorStack::start().await;
    let url = format!("{}/v1/cloudwatch?region=us-east-1", c.http);
    let payload = |group: &str, stream: &str, message: &str| {
        serde_json::json!({"messageType":"DATA_MESSAGE","owner":"1","logGroup":group,"logStream":stream,
            "subscriptionFilters":[],"logEvents":[{"id":"1","timestamp":1769940000000i64,"message":message}]})
        .to_string()
    };
    // 8 million one-character lines: 16 MB, a few KB gzipped, ~3 GB of rows.
    let lines = "a\n".repeat(8_000_000);
    let (status, body) = post(
        url.clone(),
        &[],
        gz(payload("/aws/lambda/f", "s", &lines).as_bytes()),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("128 MiB"),
        "{body}"
    );

    let long = "x".repeat(100_000);
    let (status, body) = post(
        url.clone(),
        &[],
        payload(
            &format!("/aws/lambda/{long}"),
            "s",
            "START RequestId: r Version: 1",
        ),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("512"), "{body}");

    // An ordinary payload still goes through.
    let (status, body) = post(url, &[], payload("/aws/lambda/f", "2026/02/01/[1]e", "START RequestId: r1 Version: 1\nREPORT RequestId: r1\tDuration: 5.00 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB")).await;
    assert_eq!(
        (status, body["invocations"].as_u64()),
        (200, Some(1)),
        "{body}"
    );
}

/// A gRPC export whose structure would decode into more memory than a
/// request may take is refused before tonic decodes it (the refusal names
/// the items counted in the body, which only the pre-decode check does),
/// and an ordinary export on the same connection goes on.
#[tokio::test(flavor = "multi_thread")]
async fn an_amplifying_grpc_export_is_refused_before_decoding() {
    use opentelemetry_proto::tonic::collector::logs::v1::logs_service_client::LogsServiceClient;
    use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
    use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
    let CollectorStack {
        collector: c,
        ch: _ch,
    } = CollectorStack::start().await;
    let request = |records: usize| ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord::default(); records],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    let mut client = LogsServiceClient::connect(c.grpc.clone()).await.unwrap();
    // 400,000 empty records: 800 kB on the wire, ~230 MB decoded with rows.
    let err = client.export(request(400_000)).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument, "{err:?}");
    assert!(
        err.message().contains("items counted in the body"),
        "{}",
        err.message()
    );
    client.export(request(10)).await.unwrap();
}

/// A full queue answers "retry later" at once — HTTP 429 with Retry-After,
/// gRPC RESOURCE_EXHAUSTED — instead of growing, and everything that was
/// acknowledged is stored once ClickHouse answers again. The queue is held
/// full by a request whose INSERT hangs on a frozen ClickHouse.
#[tokio::test(flavor = "multi_thread")]
async fn a_full_queue_answers_429_and_resource_exhausted() {
    use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
    let CollectorStack { collector: c, ch } =
        CollectorStack::start_with_args(&["--max-queued-rows", "1000"]).await;
    let body = |prefix: &str, n: usize| {
        (0..n)
            .map(|i| format!(r#"{{"provider":"aws_lambda","function":"queued","request_id":"{prefix}{i}","start_time_ms":1769940000000,"duration_ms":1}}"#))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let url = format!("{}/v1/invocations", c.http);
    ch.freeze();
    let held = tokio::spawn({
        let (url, body) = (url.clone(), body("held-", 600));
        async move { post(url, &[("content-type", "application/x-ndjson")], body).await }
    });
    super::common::wait_for(
        "600 rows to be queued",
        std::time::Duration::from_secs(30),
        || async {
            let m = super::common::metrics(&c.http).await?;
            (super::common::gauge(&m, "faasight_collector_queued_rows") == 600).then_some(())
        },
    )
    .await;

    let r = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/x-ndjson")
        .body(body("refused-", 600))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let spans: Vec<Span> = (0..500u32)
        .map(|i| Span {
            trace_id: vec![7; 16],
            span_id: (u64::from(i) + 1).to_be_bytes().to_vec(),
            name: "op".into(),
            start_time_unix_nano: 1_769_940_000_000_000_000,
            end_time_unix_nano: 1_769_940_000_001_000_000,
            ..Default::default()
        })
        .collect();
    let export = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    let mut client = TraceServiceClient::connect(c.grpc.clone()).await.unwrap();
    let err = client.export(export).await.unwrap_err();
    assert_eq!(err.code(), tonic::Code::ResourceExhausted, "{err:?}");

    ch.thaw();
    let (status, answer) = held.await.unwrap();
    assert_eq!(status, 200, "{answer}");
    super::common::wait_for(
        "the held rows to be stored",
        std::time::Duration::from_secs(90),
        || async {
            (ch.count("SELECT count() FROM invocations WHERE function = 'queued'")
                .await
                == 600)
                .then_some(())
        },
    )
    .await;
    assert_eq!(
        ch.count("SELECT count() FROM invocations WHERE request_id LIKE 'refused-%'")
            .await,
        0
    );
    assert_eq!(ch.count("SELECT count() FROM spans").await, 0);
}
