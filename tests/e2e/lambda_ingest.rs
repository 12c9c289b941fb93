//! Lambda signals through the running collector: Telemetry API batches,
//! CloudWatch subscription payloads, Firehose deliveries, tokens and
//! tenants, and bodies that must be refused without disturbing others.

use super::common::{b64, gz, metrics, post, ClickHouse, Stack};

const TOKENS: &str = "tok-acme-0001=acme,tok-glbx-0002=globex";

async fn rows(ch: &ClickHouse, sql: &str) -> Vec<(String, String, String, f64, String)> {
    ch.store().client().query(sql).fetch_all().await.unwrap()
}

fn subscription(function: &str, stream: &str, lines: &[(i64, &str)]) -> String {
    let events: Vec<serde_json::Value> = lines
        .iter()
        .enumerate()
        .map(|(i, (ts, m))| serde_json::json!({"id": i.to_string(), "timestamp": ts, "message": format!("{m}\n")}))
        .collect();
    serde_json::json!({
        "messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": format!("/aws/lambda/{function}"),
        "logStream": stream, "subscriptionFilters": ["faasight"], "logEvents": events,
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn telemetry_cloudwatch_and_firehose_become_invocations_and_logs() {
    let Stack { ch, up, .. } = Stack::start_with_env(&[("FAASIGHT_INGEST_TOKENS", TOKENS)]).await;

    // --- Telemetry API, split over two requests like an extension would send it.
    let first = r#"[
      {"time":"2026-02-01T10:00:00.000Z","type":"platform.initStart","record":{"initializationType":"on-demand","phase":"init","runtimeVersion":"python:3.12.v18"}},
      {"time":"2026-02-01T10:00:00.350Z","type":"platform.initReport","record":{"initializationType":"on-demand","phase":"init","status":"success","metrics":{"durationMs":350.5}}},
      {"time":"2026-02-01T10:00:00.360Z","type":"platform.start","record":{"requestId":"11111111-1111-4111-8111-111111111111","version":"$LATEST","tracing":{"type":"X-Amzn-Trace-Id","value":"Root=1-65ba6b80-0123456789abcdef01234567;Parent=1;Sampled=1"}}},
      {"time":"2026-02-01T10:00:00.370Z","type":"function","record":"2026-02-01T10:00:00.370Z\t11111111-1111-4111-8111-111111111111\tINFO\tprocessing order 42\n"}
    ]"#;
    let second = r#"[
      {"time":"2026-02-01T10:00:00.480Z","type":"platform.runtimeDone","record":{"requestId":"11111111-1111-4111-8111-111111111111","status":"success","metrics":{"durationMs":119.2}}},
      {"time":"2026-02-01T10:00:00.481Z","type":"platform.report","record":{"requestId":"11111111-1111-4111-8111-111111111111","status":"success","metrics":{"durationMs":120.41,"billedDurationMs":471,"memorySizeMB":512,"maxMemoryUsedMB":88,"initDurationMs":350.5}}},
      {"time":"2026-02-01T10:01:00.000Z","type":"platform.start","record":{"requestId":"22222222-2222-4222-8222-222222222222","version":"$LATEST"}},
      {"time":"2026-02-01T10:01:03.001Z","type":"platform.report","record":{"requestId":"22222222-2222-4222-8222-222222222222","status":"timeout","metrics":{"durationMs":3000.0,"billedDurationMs":3000,"memorySizeMB":512,"maxMemoryUsedMB":90}}},
      {"time":"2026-02-01T10:01:03.002Z","type":"platform.logsDropped","record":{"droppedBytes":10,"droppedRecords":1,"reason":"slow consumer"}},
      {"type":"platform.start","record":{}}
    ]"#;
    let telemetry = format!("{}/v1/lambda/telemetry", up.collector);
    let headers = [
        ("authorization", "Bearer tok-acme-0001"),
        ("x-faasight-function", "checkout"),
        ("x-faasight-region", "eu-west-1"),
        ("x-faasight-architecture", "arm64"),
        ("x-faasight-runtime", "AWS_Lambda_python3.12"),
        ("x-faasight-instance", "2026/02/01/[$LATEST]aaaa"),
    ];
    for (n, body) in [first, second].into_iter().enumerate() {
        let (status, v) = post(&telemetry, &headers, body).await;
        assert_eq!(status, 200);
        if n == 1 {
            assert_eq!(
                (v["invocations"].as_u64(), v["rejected"].as_u64()),
                (Some(2), Some(1)),
                "{v}"
            );
        }
    }
    super::common::stored(&up.collector).await;
    let got = rows(
        &ch,
        "SELECT request_id, start_type, status, init_duration_ms, trace_id FROM invocations WHERE function = 'checkout' AND tenant = 'acme' ORDER BY start_time_ms",
    )
    .await;
    assert_eq!(
        got,
        vec![
            (
                "11111111-1111-4111-8111-111111111111".into(),
                "cold".into(),
                "success".into(),
                350.5,
                "1-65ba6b80-0123456789abcdef01234567".into()
            ),
            (
                "22222222-2222-4222-8222-222222222222".into(),
                "warm".into(),
                "timeout".into(),
                0.0,
                String::new()
            ),
        ]
    );
    let (billed, arch, runtime): (u64, String, String) = ch
        .store()
        .client()
        .query("SELECT billed_duration_ms, arch, runtime FROM invocations WHERE request_id = '11111111-1111-4111-8111-111111111111'")
        .fetch_one()
        .await
        .unwrap();
    assert_eq!(
        (billed, arch.as_str(), runtime.as_str()),
        (471, "arm64", "python3.12")
    );
    let log: (String, String) = ch
        .store()
        .client()
        .query("SELECT request_id, body FROM logs WHERE function = 'checkout' AND severity_text = 'INFO'")
        .fetch_one()
        .await
        .unwrap();
    assert_eq!(
        log,
        (
            "11111111-1111-4111-8111-111111111111".into(),
            "processing order 42".into()
        )
    );

    // --- CloudWatch subscription, gzip + base64 in the awslogs envelope.
    let payload = subscription(
        "orders",
        "2026/02/01/[7]bbbb",
        &[
            (1_769_940_000_000, "INIT_START Runtime Version: nodejs:20.v31\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:x"),
            (1_769_940_000_400, "START RequestId: 33333333-3333-4333-8333-333333333333 Version: 7"),
            (1_769_940_000_450, "2026-02-01T10:00:00.450Z\t33333333-3333-4333-8333-333333333333\tERROR\tboom"),
            (1_769_940_000_500, "END RequestId: 33333333-3333-4333-8333-333333333333"),
            (1_769_940_000_500, "REPORT RequestId: 33333333-3333-4333-8333-333333333333\tDuration: 98.76 ms\tBilled Duration: 490 ms\tMemory Size: 1024 MB\tMax Memory Used: 1024 MB\tInit Duration: 390.01 ms\tStatus: error\tError Type: Runtime.OutOfMemory"),
        ],
    );
    let envelope =
        serde_json::json!({"awslogs": {"data": b64(&gz(payload.as_bytes()))}}).to_string();
    let (status, _) = post(
        format!("{}/v1/cloudwatch?region=us-east-1", up.collector),
        &[("x-api-key", "tok-glbx-0002")],
        envelope,
    )
    .await;
    assert_eq!(status, 200);
    super::common::stored(&up.collector).await;
    let got: (String, String, String, String, String, u32, String) = ch
        .store()
        .client()
        .query("SELECT tenant, version, region, account, start_type, memory_mb, error_type FROM invocations WHERE function = 'orders'")
        .fetch_one()
        .await
        .unwrap();
    assert_eq!(
        got,
        (
            "globex".into(),
            "7".into(),
            "us-east-1".into(),
            "123456789012".into(),
            "cold".into(),
            1024,
            "Runtime.OutOfMemory".into()
        )
    );

    // --- Firehose delivery of two gzipped payloads; the access key is the token.
    let records: Vec<serde_json::Value> = ["44444444-4444-4444-8444-444444444444", "55555555-5555-4555-8555-555555555555"]
        .iter()
        .enumerate()
        .map(|(i, rid)| {
            let ts = 1_769_940_100_000 + i as i64 * 1000;
            let p = subscription("billing", "2026/02/01/[$LATEST]cccc", &[
                (ts, &format!("START RequestId: {rid} Version: $LATEST")),
                (ts + 20, &format!("REPORT RequestId: {rid}  Duration: 20.00 ms  Billed Duration: 20 ms  Memory Size: 128 MB  Max Memory Used: 40 MB")),
            ]);
            serde_json::json!({"data": b64(&gz(p.as_bytes()))})
        })
        .collect();
    let delivery = serde_json::json!({"requestId": "fh-req-1", "timestamp": 1_769_940_200_000i64, "records": records}).to_string();
    let firehose = format!("{}/v1/firehose", up.collector);
    let firehose_headers = |key| {
        [
            ("x-amz-firehose-access-key", key),
            ("x-amz-firehose-request-id", "fh-req-1"),
        ]
    };
    let (status, v) = post(
        &firehose,
        &firehose_headers("not-a-token"),
        delivery.clone(),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(v["requestId"], "fh-req-1");
    assert!(v["errorMessage"]
        .as_str()
        .unwrap()
        .contains("unknown ingest token"));
    let count = || ch.count("SELECT count() FROM invocations WHERE function = 'billing'");
    assert_eq!(count().await, 0, "a refused delivery stores nothing");
    let (status, v) = post(&firehose, &firehose_headers("tok-acme-0001"), delivery).await;
    assert_eq!(status, 200);
    assert_eq!(v["requestId"], "fh-req-1");
    assert!(v["timestamp"].as_i64().unwrap() > 1_769_940_200_000);
    super::common::stored(&up.collector).await;
    assert_eq!(count().await, 2);

    // --- Tokens: none → 401; a record naming another tenant → 400.
    let ndjson = format!("{}/v1/invocations", up.collector);
    let line =
        r#"{"provider":"aws_lambda","function":"x","start_time_ms":1769940000000,"duration_ms":1}"#;
    let content_type = ("content-type", "application/x-ndjson");
    assert_eq!(post(&ndjson, &[content_type], line).await.0, 401);
    let other = r#"{"tenant":"globex","provider":"aws_lambda","function":"x","start_time_ms":1769940000000,"duration_ms":1}"#;
    let acme = ("authorization", "Bearer tok-acme-0001");
    assert_eq!(post(&ndjson, &[acme, content_type], other).await.0, 400);
    assert!(up.stop().await.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_init_waiting_for_its_first_invocation_survives_a_collector_restart() {
    // The init arrives, the collector is restarted (a deploy), then the
    // invocation's events arrive: it must still be the cold start.
    let Stack {
        ch,
        mut up,
        data_dir,
        ..
    } = Stack::start().await;
    let send = |collector: String, body: &'static str| async move {
        let (status, answer) = post(
            format!("{collector}/v1/lambda/telemetry"),
            &[
                ("x-faasight-function", "restarted"),
                ("x-faasight-region", "eu-west-1"),
                ("x-faasight-instance", "2026/02/01/[$LATEST]bbbb"),
            ],
            body,
        )
        .await;
        assert_eq!(status, 200, "{answer}");
    };
    send(
        up.collector.clone(),
        r#"[
      {"time":"2026-02-01T10:00:00.000Z","type":"platform.initStart","record":{"initializationType":"on-demand","phase":"init"}},
      {"time":"2026-02-01T10:00:00.420Z","type":"platform.initReport","record":{"initializationType":"on-demand","phase":"init","status":"success","metrics":{"durationMs":420.25}}}
    ]"#,
    )
    .await;
    assert!(up.shut_down().await.success());
    assert!(data_dir.join("spool/lambda-environments.json").exists());

    up.start_again().await;
    assert!(
        up.stderr_text()
            .contains("restored 1 Lambda execution environments"),
        "{}",
        up.stderr_text()
    );
    send(
        up.collector.clone(),
        r#"[
      {"time":"2026-02-01T10:00:00.430Z","type":"platform.start","record":{"requestId":"33333333-3333-4333-8333-333333333333","version":"$LATEST"}},
      {"time":"2026-02-01T10:00:00.530Z","type":"platform.report","record":{"requestId":"33333333-3333-4333-8333-333333333333","status":"success","metrics":{"durationMs":100.0,"billedDurationMs":521,"memorySizeMB":256,"maxMemoryUsedMB":70}}}
    ]"#,
    )
    .await;
    super::common::stored(&up.collector).await;
    let got = rows(
        &ch,
        "SELECT request_id, start_type, status, init_duration_ms, trace_id FROM invocations WHERE function = 'restarted'",
    )
    .await;
    assert_eq!(
        got,
        vec![(
            "33333333-3333-4333-8333-333333333333".into(),
            "cold".into(),
            "success".into(),
            420.25,
            String::new()
        )]
    );
    assert!(up.stop().await.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn bombs_and_garbage_get_4xx_while_good_traffic_flows() {
    let Stack { ch, up, .. } = Stack::start().await;
    let ndjson = format!("{}/v1/invocations", up.collector);
    let good = |i: usize| {
        format!(
            r#"{{"provider":"aws_lambda","function":"steady","request_id":"g{i}","start_time_ms":1769940000000,"duration_ms":5}}"#
        )
    };

    let bomb = gz(&vec![b'\n'; 200 * 1024 * 1024]);
    assert!(
        bomb.len() < 1024 * 1024,
        "a 200 MiB body compressed below 1 MiB"
    );
    let bad = vec![
        (ndjson.clone(), Some("gzip"), bomb.clone(), 413u16),
        (
            ndjson.clone(),
            Some("gzip"),
            b"\x1f\x8b\x08\x00garbage".to_vec(),
            400,
        ),
        (
            ndjson.clone(),
            None,
            b"{\"function\":\"steady\",\"start_time_ms\":1,".to_vec(),
            400,
        ),
        (
            format!("{}/v1/cloudwatch", up.collector),
            None,
            serde_json::json!({"awslogs": {"data": b64(&bomb)}})
                .to_string()
                .into_bytes(),
            // Over the size limit once decompressed: 413, as for the body.
            413,
        ),
        (
            format!("{}/v1/lambda/telemetry", up.collector),
            None,
            b"[".to_vec(),
            400,
        ),
    ];
    let mut tasks = tokio::task::JoinSet::new();
    let content_type = ("content-type", "application/x-ndjson");
    for (url, encoding, body, expected) in bad {
        tasks.spawn(async move {
            let mut headers = vec![content_type, ("x-faasight-function", "f")];
            if let Some(enc) = encoding {
                headers.push(("content-encoding", enc));
            }
            let (status, _) = post(&url, &headers, body).await;
            assert_eq!(status, expected, "{url} {encoding:?}");
        });
    }
    for i in 0..20 {
        let url = ndjson.clone();
        let body = good(i);
        tasks.spawn(async move {
            assert_eq!(post(&url, &[content_type], body).await.0, 200);
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    super::common::stored(&up.collector).await;
    let stored = ch
        .count("SELECT count() FROM invocations WHERE function = 'steady'")
        .await;
    assert_eq!(stored, 20);
    let metrics = metrics(&up.collector).await.unwrap();
    assert!(
        // The gzip bomb as a body and inside a CloudWatch payload.
        metrics.contains("faasight_collector_rejected_requests_total{reason=\"too_large\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("faasight_collector_rejected_requests_total{reason=\"malformed\"} 3"),
        "{metrics}"
    );
    assert!(up.stop().await.success());
}
