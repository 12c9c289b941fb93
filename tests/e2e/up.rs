//! `faasight up`: the managed ClickHouse lifecycle, data reuse, and the
//! collector's NDJSON endpoint.

use super::common::{free_port, post, sign_in, store_at, Stack, Up};

#[tokio::test(flavor = "multi_thread")]
async fn up_runs_a_private_clickhouse_reuses_its_data_and_stops_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (http, tcp) = (free_port(), free_port());
    let args = [
        "--demo",
        "--invocations",
        "3000",
        "--days",
        "30",
        "--data-dir",
        data.to_str().unwrap(),
        "--clickhouse-http-port",
        &http.to_string(),
        "--clickhouse-tcp-port",
        &tcp.to_string(),
    ];
    // Spans and metric points of its own leave within a fraction of a second.
    let quick = [
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "500"),
    ];
    let up = Up::start_with_env(&args, &quick, dir.path()).await;
    // `--demo` prints one line with a login, and it signs in.
    let stdout = up.stdout_text();
    let logins: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("demo login: "))
        .collect();
    assert_eq!(logins.len(), 1, "{stdout}");
    let words: Vec<&str> = logins[0].split(' ').collect();
    assert_eq!(words.len(), 4, "demo login: USER PASSWORD: {}", logins[0]);
    let session = sign_in(&up.web, words[2], words[3]).await;
    let page = reqwest::Client::new()
        .get(&up.web)
        .header("cookie", session.clone())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"id="total-invocations""#),
        "the overview renders on the server"
    );
    assert!(page.contains("<svg"), "with its chart");
    assert!(up.stderr_text().contains("loaded"), "{}", up.stderr_text());
    // The private server has a password, in a file only its owner reads.
    let password_file = data.join("clickhouse/admin-password");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&password_file).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    let admin_url = format!(
        "http://default:{}@127.0.0.1:{http}",
        std::fs::read_to_string(&password_file).unwrap()
    );
    self_telemetry_lands_in_its_own_tenant(&up, &session, &admin_url).await;
    let anonymous = store_at(&format!("http://127.0.0.1:{http}"));
    let refused = anonymous
        .client()
        .query("SELECT 1")
        .fetch_one::<u8>()
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("Password required"),
        "{refused}"
    );
    // The web UI's user reads but cannot write or drop.
    let reader = store_at(&format!(
        "http://faasight_reader:{}@127.0.0.1:{http}",
        std::fs::read_to_string(data.join("clickhouse/reader-password")).unwrap()
    ));
    let n: u64 = reader
        .client()
        .query("SELECT count() FROM invocations")
        .fetch_one()
        .await
        .unwrap();
    assert!(n > 0);
    let denied = reader.execute("DROP TABLE invocations").await.unwrap_err();
    assert!(denied.to_string().contains("readonly"), "{denied}");
    // The keep-alive replay reads the recorded arrivals of the same server.
    let out = super::common::faasight(&[
        "simulate",
        "keep-alive",
        "--keep-alive",
        "5m,30m",
        "--days",
        "31",
        "--format",
        "json",
        "--clickhouse-url",
        &admin_url,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sim: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (recorded, functions): (u64, u64) = store_at(&admin_url)
        .client()
        .query("SELECT count(), uniqExact(function) FROM invocations")
        .fetch_one()
        .await
        .unwrap();
    assert_eq!(sim["keep_alive"][0]["invocations"].as_u64(), Some(recorded));
    assert_eq!(sim["keep_alive"][0]["functions"].as_u64(), Some(functions));
    assert!(
        sim["keep_alive"][0]["cold_starts"].as_u64() > sim["keep_alive"][1]["cold_starts"].as_u64()
    );

    let status = up.stop().await;
    assert!(status.success(), "{status}");
    // ClickHouse went down with it: its port is free again.
    assert!(std::net::TcpListener::bind(("127.0.0.1", http)).is_ok());

    let again = Up::start(&args, dir.path()).await;
    let log = again.stderr_text();
    assert!(log.contains("already loaded, reusing them"), "{log}");
    assert!(again.stop().await.success());
}

/// `up --demo` sends its own spans and metrics to its own collector, into
/// tenant `faasight-self`, which the demo user may open: the overview just
/// rendered is a trace on its traces page. Storing them made no span.
async fn self_telemetry_lands_in_its_own_tenant(up: &Up, session: &str, admin_url: &str) {
    let ch = store_at(admin_url);
    let count = |sql: &'static str| {
        let ch = ch.clone();
        async move { ch.client().query(sql).fetch_one::<u64>().await.unwrap() }
    };
    super::common::wait_for(
        "the overview's render span and a request duration in faasight-self",
        std::time::Duration::from_secs(60),
        || async {
            let spans = count(
                "SELECT count() FROM spans WHERE tenant = 'faasight-self' \
                 AND name = 'GET /' AND service_name = 'faasight' AND kind = 2",
            )
            .await;
            let points = count(
                "SELECT count() FROM metrics WHERE tenant = 'faasight-self' \
                 AND metric_name = 'http.server.request.duration'",
            )
            .await;
            (spans > 0 && points > 0).then_some(())
        },
    )
    .await;
    super::common::stored(&up.collector).await;
    // No span of receiving or storing its own telemetry (nothing else
    // was sent to this collector).
    let echoes = count(
        "SELECT count() FROM spans WHERE tenant = 'faasight-self' \
         AND (name LIKE 'POST /v1/%' OR name LIKE 'INSERT %')",
    )
    .await;
    assert_eq!(echoes, 0);
    assert_eq!(
        count("SELECT count() FROM spans WHERE tenant != 'faasight-self' AND service_name = 'faasight'")
            .await,
        0,
        "none of it in the demo's tenant"
    );
    let page = reqwest::Client::new()
        .get(format!("{}/traces?tenant=faasight-self&range=24h", up.web))
        .header("cookie", session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("GET /"), "{page}");
}

#[tokio::test(flavor = "multi_thread")]
async fn collector_stores_ndjson_and_refuses_bad_bodies_whole() {
    let Stack { ch, up, .. } = Stack::start().await;
    let url = format!("{}/v1/invocations", up.collector);
    let line = |id: u32| {
        format!(
            r#"{{"provider":"aws_lambda","function":"ingest-test","memory_mb":256,"request_id":"r{id}","start_time":"2026-02-01T00:00:0{}.250Z","duration_ms":40.5,"start_type":"warm"}}"#,
            id % 10
        )
    };
    let count = || async {
        super::common::stored(&up.collector).await;
        ch.count("SELECT count() FROM invocations WHERE function = 'ingest-test'")
            .await
    };
    let ndjson = [("content-type", "application/x-ndjson")];

    let body = (0..3).map(line).collect::<Vec<_>>().join("\n");
    let (status, answer) = post(&url, &ndjson, body).await;
    assert_eq!(status, 200);
    assert_eq!(answer["accepted"], 3);
    assert_eq!(count().await, 3);

    // One bad line: 400 naming it, and none of the good lines stored.
    let body = format!(
        "{}\n{{\"function\":\"ingest-test\",\"bogus\":1}}\n{}",
        line(4),
        line(5)
    );
    let (status, answer) = post(&url, &ndjson, body).await;
    assert_eq!(status, 400);
    let msg = answer.to_string();
    assert!(
        msg.contains("line 2") && msg.contains("unknown field `bogus`"),
        "{msg}"
    );
    assert_eq!(count().await, 3);

    let (status, _) = post(&url, &[("content-type", "text/plain")], line(6)).await;
    assert_eq!(status, 415);

    // CSV with a header row, same columns.
    let csv = "function,request_id,start_time,duration_ms,provider,memory_mb\ningest-test,c1,2026-02-01T00:00:07Z,40.5,aws_lambda,256\n";
    let (status, _) = post(&url, &[("content-type", "text/csv")], csv).await;
    assert_eq!(status, 200);
    assert_eq!(count().await, 4);

    // Over the body limit: refused before anything is parsed.
    let huge = "x".repeat(33 * 1024 * 1024);
    let (status, _) = post(&url, &ndjson, huge).await;
    assert_eq!(status, 413);
    assert_eq!(count().await, 4);

    // The stored rows were priced and derived by the normalize step.
    let (billed, cost): (u64, String) = ch
        .store()
        .client()
        .query("SELECT any(billed_duration_ms), toString(any(cost_usd)) FROM invocations WHERE function = 'ingest-test' AND request_id = 'r1'")
        .fetch_one()
        .await
        .unwrap();
    assert_eq!(billed, 41);
    // 0.25 GB × 0.041 s × $0.0000166667 = $0.000000170833675 → 170,834 pico-dollars,
    // plus $0.0000002 for the request.
    assert_eq!(
        faasight_store::PicoUsd::parse_decimal(&cost).unwrap().0,
        370_834
    );

    let ready = reqwest::get(format!("{}/readyz", up.collector))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    assert!(up.stop().await.success());
}

/// The web UI answers only for its own address and the names it is told
/// to allow: a page elsewhere that points a name it controls at this
/// machine (DNS rebinding) gets nothing, API included.
#[tokio::test(flavor = "multi_thread")]
async fn the_web_ui_refuses_hosts_it_was_not_told_about() {
    let ch = super::common::ClickHouse::start().await;
    let Stack {
        up,
        client,
        ch: _ch,
        ..
    } = Stack::over(ch, &["--allowed-host", "dash.example.com"], &[]).await;
    let port = up.web.rsplit(':').next().unwrap().to_string();
    let status = |host: String, path: &'static str| {
        let req = client.get(format!("{}{path}", up.web)).header("host", host);
        async move { req.send().await.unwrap().status().as_u16() }
    };
    for path in ["/", "/api/v1/bill"] {
        assert_eq!(
            status(format!("evil.example:{port}"), path).await,
            421,
            "{path}"
        );
        assert_eq!(
            status("attacker.test".to_string(), path).await,
            421,
            "{path}"
        );
    }
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        "dash.example.com".to_string(),
        "DASH.example.com:443".to_string(),
    ] {
        assert_eq!(status(host.clone(), "/healthz").await, 200, "{host}");
    }
}
