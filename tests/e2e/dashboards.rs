//! Every shipped dashboard panel against a real server: the ClickHouse
//! 18.16 that Debian installs here (current releases are covered by
//! tests/chdb_check.py), queried as the read-only user the web UI uses,
//! after a materialize pass (the cold-start and memory boards read its
//! tables). Panel values are checked against hand counts of the rows.

use chrono::{TimeZone, Utc};
use faasight_store::dashboards::{
    load_dir, number, parse, run_panel, Panel, PanelData, PanelKind, MAX_ROWS,
};
use faasight_store::local::{LocalClickHouse, LocalConfig};
use faasight_store::migrations::{apply, MIGRATIONS};
use faasight_store::{InvocationRow, MetricRow, PicoUsd, Store};
use std::path::Path;

/// Every shipped panel against a real server: the ClickHouse 18.16
/// that Debian installs here (current releases are covered by
/// tests/chdb_check.py), queried as the read-only user the web UI uses.
#[tokio::test(flavor = "multi_thread")]
async fn shipped_panels_run_on_a_private_clickhouse_server() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = LocalConfig::with_free_ports(dir.path()).unwrap();
    let ch = LocalClickHouse::start(&cfg).await.unwrap_or_else(|e| {
        panic!(
            "this test runs the dashboards on a private clickhouse-server; install it \
             (apt-get install -y clickhouse-server clickhouse-client): {e}"
        )
    });
    let admin = Store::connect(ch.url());
    apply(&admin, MIGRATIONS).await.unwrap();
    admin.insert_invocations(&sample_rows()).await.unwrap();
    // The faasight board's metrics panels read the metrics table.
    admin
        .insert_rows("metrics", &self_telemetry_rows())
        .await
        .unwrap();
    // The cold-start and memory boards read what the materialize pass
    // makes of the rows.
    faasight_analyzer::materialize::refresh(&admin)
        .await
        .unwrap();
    let reader = Store::connect(ch.reader_url());
    let version: String = reader
        .client()
        .query("SELECT version()")
        .fetch_one()
        .await
        .unwrap();
    eprintln!("ClickHouse {version}");

    let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap();
    let dashboards = Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards");
    let mut stats = std::collections::HashMap::new();
    let mut shown = std::collections::HashMap::new();
    let mut ran = 0;
    for board in load_dir(&dashboards) {
        let board = board.unwrap();
        for panel in &board.panels {
            let at = format!(
                "{}:{} ({:?})",
                board.file.display(),
                panel.line,
                panel.title
            );
            let data = run_panel(&reader, panel, "acme", from, to)
                .await
                .unwrap_or_else(|e| panic!("{at}: {e}"));
            assert!(!data.rows.is_empty(), "{at}: no rows for the sample data");
            assert!(!data.truncated, "{at}");
            check_shape(&at, panel.kind, &data);
            if panel.kind == PanelKind::Stat {
                stats.insert(panel.title.clone(), number(&data.rows[0][0]).unwrap());
            }
            shown.insert(panel.title.clone(), data.clone());
            // Another tenant's rows never show; a tenant is a value,
            // not SQL.
            for tenant in ["nobody", "acme' OR '1' = '1"] {
                let other = run_panel(&reader, panel, tenant, from, to)
                    .await
                    .unwrap_or_else(|e| panic!("{at} for {tenant:?}: {e}"));
                if panel.kind != PanelKind::Stat {
                    assert!(other.rows.is_empty(), "{at} for {tenant:?}: {other:?}");
                }
            }
            ran += 1;
        }
    }
    assert!(ran >= 9, "only {ran} panels ran");
    // The self-telemetry board's panels, from the rows of
    // self_telemetry_rows (10:00–11:00, steps of 10 minutes over the day).
    let line = |title: &str| -> Vec<(String, Vec<Option<f64>>)> {
        let data = &shown[title];
        (1..data.columns.len())
            .map(|c| {
                let name = data.columns[c].name.clone();
                (name, data.rows.iter().map(|r| number(&r[c])).collect())
            })
            .collect()
    };
    // Two routes, each 6 requests a minute: 0.1/s (the 10:00 step also
    // counts the first points whole, over the hour since the series
    // started at 09:00, within the range).
    let rates = line("Requests per second by route");
    assert_eq!(
        rates.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["/dashboards/{slug}", "/v1/traces"]
    );
    for (name, values) in &rates {
        assert_eq!(values.len(), 6, "{name}: {values:?}");
        for v in &values[1..] {
            assert!((v.unwrap() - 0.1).abs() < 1e-9, "{name}: {values:?}");
        }
    }
    // Every request of a route falls in one bucket: (0.05, 0.075] for
    // /v1/traces, (0.1, 0.25] for the other; p95 at rank 0.95 n of n is
    // lower + (upper − lower) × 0.95.
    for (name, values) in line("Request duration p95 by route") {
        let want = if name == "/v1/traces" {
            0.05 + 0.025 * 0.95
        } else {
            0.1 + 0.15 * 0.95
        };
        for v in &values[1..] {
            assert!((v.unwrap() - want).abs() < 1e-9, "{name}: {values:?}");
        }
    }
    // 2 spans dropped a minute: 20 a step.
    let dropped = line("Self-telemetry spans dropped");
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0].1, vec![Some(20.0); 6]);
    // The queue's highest value in each step (i + 9 rows at minute i).
    let queued = line("Rows queued in memory (highest in each step)");
    assert_eq!(queued[0].1[0], Some(18.0));
    assert_eq!(queued[0].1[5], Some(68.0));
    // 6 on-demand cold starts and 2 SnapStart restores in 60 invocations.
    assert_eq!(stats["Cold-start rate"], 13.33);
    // 3 errors and 3 timeouts.
    assert_eq!(stats["Availability"], 90.0);
    // (1 + 2 + ... + 60) micro-dollars; the other tenant's $1,000 not included.
    assert!((stats["Total cost"] - 0.00183).abs() < 1e-12, "{stats:?}");

    // Memory used, by hand: function k (0 checkout 512 MB, 1 resize 1024 MB,
    // 2 report 2048 MB) has invocations i = k, k + 3, …, k + 57, each
    // reporting memory / 4 + i MB: 20 reports, the n-th smallest being
    // memory / 4 + k + 3 (n − 1). A p-quantile is the smallest value with
    // at least p of the reports at or below it: the ⌈20 p⌉-th (p50 the
    // 10th, p95 the 19th). The other tenant's 64 MB never counts.
    let memory = by_first_column(&shown["Memory by function and size"]);
    for (name, mb, k) in [
        ("aws_lambda/111111111111/us-east-1/checkout", 512.0, 0.0),
        ("aws_lambda/222222222222/eu-west-1/resize", 1024.0, 1.0),
        ("azure_functions/sub-1/westeurope/report", 2048.0, 2.0),
    ] {
        let nth = |n: f64| mb / 4.0 + k + 3.0 * (n - 1.0);
        assert_eq!(
            memory[name],
            vec![mb, 20.0, nth(10.0), nth(19.0), nth(20.0)],
            "{name}: configured, reports, p50, p95, max"
        );
    }
    // One out-of-memory error: resize's i = 43 (i % 20 = 3, i % 3 = 1).
    let oom = by_first_column(&shown["Out-of-memory errors by function and size"]);
    assert_eq!(oom.len(), 1, "{oom:?}");
    assert_eq!(
        oom["aws_lambda/222222222222/eu-west-1/resize"],
        vec![1024.0, 1.0, 20.0]
    );
    // What the caller waited on a cold start, by runtime: on-demand INITs
    // of 300 + i ms at i = 0, 10, …, 50 and SnapStart restores of 150 ms at
    // i = 11 and 41 (java21). java21: 150, 150, 320, 350; `quantile`
    // interpolates between order statistics at (n − 1) p: p50 at 1.5 →
    // 235, p95 at 2.85 → 320 + 0.85 × 30 = 345.5. nodejs20.x: 300, 330 →
    // 315 and 328.5; python3.12: 310, 340 → 325 and 338.5.
    let init = by_first_column(&shown["INIT duration by runtime (p50, p95)"]);
    assert_eq!(init["java21"], vec![235.0, 345.5]);
    assert_eq!(init["nodejs20.x"], vec![315.0, 328.5]);
    assert_eq!(init["python3.12"], vec![325.0, 338.5]);

    // The row limit: the first MAX_ROWS rows, flagged when there were more.
    for (limit, rows, truncated) in [
        (25_000, MAX_ROWS, true),
        (10_001, MAX_ROWS, true),
        (10_000, MAX_ROWS, false),
        (3, 3, false),
    ] {
        let panel = hand_made(&format!(
            "SELECT number, {{tenant}} AS viewer FROM system.numbers LIMIT {limit}"
        ));
        let data = run_panel(&reader, &panel, "acme", from, to).await.unwrap();
        assert_eq!(
            (data.rows.len(), data.truncated),
            (rows, truncated),
            "LIMIT {limit}"
        );
        assert_eq!(data.rows[2][1], serde_json::json!("acme"));
        // UInt64 comes quoted by default; number() reads it either way.
        assert_eq!(number(&data.rows[2][0]), Some(2.0));
    }

    // A query the server rejects is an error naming the panel.
    let bad = hand_made("SELECT no_such_column FROM invocations WHERE tenant = {tenant}");
    let e = run_panel(&reader, &bad, "acme", from, to)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("dashboard panel \"hand-made\"") && e.contains("no_such_column"),
        "{e}"
    );
    // A panel built in code is checked like one read from a file.
    let unscoped = hand_made("SELECT count() FROM invocations");
    let e = run_panel(&reader, &unscoped, "acme", from, to)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("does not use {tenant}"), "{e}");

    ch.stop().await.unwrap();
}

/// A panel's rows keyed by their first column, the numeric rest as numbers.
fn by_first_column(data: &PanelData) -> std::collections::HashMap<String, Vec<f64>> {
    data.rows
        .iter()
        .map(|row| {
            let key = row[0].as_str().unwrap_or_default().to_string();
            (key, row[1..].iter().filter_map(number).collect())
        })
        .collect()
}

fn hand_made(sql: &str) -> Panel {
    Panel {
        title: "hand-made".into(),
        kind: PanelKind::Table,
        unit: String::new(),
        sql: sql.into(),
        metric: None,
        line: 1,
    }
}

/// The conventions the page draws by: a time then series for line
/// panels, a label then series for bars, one number for a stat.
fn check_shape(at: &str, kind: PanelKind, data: &PanelData) {
    let series = data
        .columns
        .iter()
        .skip(1)
        .filter(|c| c.is_numeric())
        .count();
    match kind {
        PanelKind::Line | PanelKind::Metrics => {
            assert!(
                data.columns[0].is_time(),
                "{at}: x is {:?}",
                data.columns[0]
            );
            assert!(series > 0, "{at}: no numeric series in {:?}", data.columns);
        }
        PanelKind::Bar => assert!(series > 0, "{at}: no numeric series in {:?}", data.columns),
        PanelKind::Stat => assert!(data.columns[0].is_numeric(), "{at}: {:?}", data.columns),
        PanelKind::Table => {}
    }
    for row in &data.rows {
        assert_eq!(row.len(), data.columns.len(), "{at}");
        for (value, column) in row.iter().zip(&data.columns) {
            // A metrics panel's group has no value (null) at a step
            // where it had no points.
            if column.is_numeric() && !(kind == PanelKind::Metrics && value.is_null()) {
                assert!(number(value).is_some(), "{at}: {} = {value}", column.name);
            }
        }
    }
}

/// 60 invocations of three functions of tenant `acme` on 2026-01-01,
/// every 5 minutes from 10:00, and one of another tenant.
fn sample_rows() -> Vec<InvocationRow> {
    let base = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap();
    let functions = [
        (
            "checkout",
            "nodejs20.x",
            "aws_lambda",
            "us-east-1",
            "111111111111",
            512,
        ),
        (
            "resize",
            "python3.12",
            "aws_lambda",
            "eu-west-1",
            "222222222222",
            1024,
        ),
        (
            "report",
            "java21",
            "azure_functions",
            "westeurope",
            "sub-1",
            2048,
        ),
    ];
    let mut rows: Vec<InvocationRow> = (0..60u32)
        .map(|i| {
            let (function, runtime, provider, region, account, memory_mb) =
                functions[i as usize % 3];
            let start_type = match i % 10 {
                0 => "cold",
                1 if runtime == "java21" => "snapstart",
                _ => "warm",
            };
            let (status, error_type) = match i % 20 {
                3 if function == "resize" => ("error", "Runtime.OutOfMemory"),
                3 => ("error", "Runtime.ExitError"),
                7 => ("timeout", "Sandbox.Timedout"),
                _ => ("success", ""),
            };
            let start_time = base + chrono::Duration::minutes(5 * i64::from(i));
            InvocationRow {
                tenant: "acme".into(),
                provider: provider.into(),
                account: account.into(),
                region: region.into(),
                function: function.into(),
                runtime: runtime.into(),
                memory_mb,
                start_time,
                start_time_ms: start_time.timestamp_millis() as u64,
                duration_ms: 20.0 + f64::from(i),
                billed_duration_ms: 21 + u64::from(i),
                init_duration_ms: if start_type == "cold" {
                    300.0 + f64::from(i)
                } else {
                    0.0
                },
                restore_duration_ms: if start_type == "snapstart" {
                    150.0
                } else {
                    0.0
                },
                start_type: start_type.into(),
                max_memory_used_mb: memory_mb / 4 + i,
                status: status.into(),
                error_type: error_type.into(),
                cost_usd: PicoUsd(1_000_000 * i64::from(i + 1)),
                ingested_at: start_time,
                ..InvocationRow::default()
            }
        })
        .collect();
    rows.push(InvocationRow {
        tenant: "globex".into(),
        provider: "aws_lambda".into(),
        function: "secret".into(),
        runtime: "go".into(),
        memory_mb: 128,
        start_time: base,
        start_time_ms: base.timestamp_millis() as u64,
        start_type: "cold".into(),
        max_memory_used_mb: 64,
        status: "error".into(),
        error_type: "Runtime.OutOfMemory".into(),
        cost_usd: PicoUsd(1_000 * PicoUsd::PER_USD),
        ingested_at: base,
        ..InvocationRow::default()
    });
    rows
}

/// A metric point of tenant `acme` at `at` (cumulative, started at
/// `start`), of the service `faasight` with one host.
fn point(
    metric: &str,
    kind: &str,
    start: chrono::DateTime<Utc>,
    at: chrono::DateTime<Utc>,
    attributes: &[(&str, &str)],
) -> MetricRow {
    let nanos = |t: chrono::DateTime<Utc>| t.timestamp_nanos_opt().unwrap() as u64;
    MetricRow {
        tenant: "acme".into(),
        timestamp: at,
        time_unix_nano: nanos(at),
        start_time_unix_nano: nanos(start),
        service_name: "faasight".into(),
        metric_name: metric.into(),
        metric_type: kind.into(),
        temporality: if kind == "gauge" { 0 } else { 2 },
        is_monotonic: u8::from(kind == "sum"),
        resource_keys: vec!["service.name".into(), "host.name".into()],
        resource_values: vec!["faasight".into(), "ci".into()],
        scope_name: "faasight".into(),
        attribute_keys: attributes.iter().map(|a| a.0.to_string()).collect(),
        attribute_values: attributes.iter().map(|a| a.1.to_string()).collect(),
        value: f64::NAN,
        min: f64::NAN,
        max: f64::NAN,
        ..MetricRow::default()
    }
}

/// faasight's self-telemetry for 2026-01-01 10:00–11:00 as the SDK
/// exports it, one point a minute (minute i = 0..59), every series
/// started at 09:00: requests to two routes, 6 a minute each, every one
/// of /v1/traces taking 50–75 ms and of /dashboards/{slug} 100–250 ms;
/// records received and rows inserted; INSERT durations; the queue (i + 9
/// rows at most in minute i); spans by outcome, 2 dropped a minute.
fn self_telemetry_rows() -> Vec<MetricRow> {
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap();
    let bounds = vec![
        0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    ];
    let mut rows = Vec::new();
    for i in 0..60u64 {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap()
            + chrono::Duration::minutes(i as i64);
        let n = 6 * (i + 1);
        for (route, bucket) in [("/v1/traces", 4), ("/dashboards/{slug}", 6)] {
            let mut buckets = vec![0; bounds.len() + 1];
            buckets[bucket] = n;
            rows.push(MetricRow {
                count: n,
                sum: 0.06 * n as f64,
                bucket_counts: buckets,
                explicit_bounds: bounds.clone(),
                ..point(
                    "http.server.request.duration",
                    "histogram",
                    start,
                    at,
                    &[
                        ("http.request.method", "POST"),
                        ("http.route", route),
                        ("http.response.status_code", "200"),
                    ],
                )
            });
        }
        for (metric, key, values) in [
            (
                "faasight.collector.received_records",
                "receiver",
                ["otlp-http", "ndjson"],
            ),
            (
                "faasight.collector.inserted_rows",
                "table",
                ["invocations", "spans"],
            ),
        ] {
            for (k, v) in values.iter().enumerate() {
                rows.push(MetricRow {
                    value: (100 * (k as u64 + 1) * (i + 1)) as f64,
                    ..point(metric, "sum", start, at, &[(key, v)])
                });
            }
        }
        let mut buckets = vec![0; bounds.len() + 1];
        buckets[3] = i + 1;
        rows.push(MetricRow {
            count: i + 1,
            sum: 0.03 * (i + 1) as f64,
            bucket_counts: buckets,
            explicit_bounds: bounds.clone(),
            ..point(
                "db.client.operation.duration",
                "histogram",
                start,
                at,
                &[
                    ("db.system.name", "clickhouse"),
                    ("db.operation.name", "INSERT"),
                ],
            )
        });
        rows.push(MetricRow {
            value: (i + 9) as f64,
            ..point("faasight.collector.queued_rows", "gauge", start, at, &[])
        });
        for (outcome, per_minute) in [("exported", 50), ("dropped", 2)] {
            rows.push(MetricRow {
                value: (per_minute * (i + 1)) as f64,
                ..point(
                    "faasight.telemetry.spans",
                    "sum",
                    start,
                    at,
                    &[("outcome", outcome)],
                )
            });
        }
    }
    rows
}

/// A metrics panel's numbers on ClickHouse 18.16 against hand-computed
/// ones: a cumulative counter and a cumulative histogram, two series
/// each, with resets (a new start time; a count that went down), points
/// of another metric, service and tenant around them.
#[tokio::test(flavor = "multi_thread")]
async fn metrics_panels_difference_cumulative_points_on_a_private_clickhouse_server() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = LocalConfig::with_free_ports(dir.path()).unwrap();
    let ch = LocalClickHouse::start(&cfg)
        .await
        .unwrap_or_else(|e| panic!("this test needs clickhouse-server: {e}"));
    let admin = Store::connect(ch.url());
    apply(&admin, MIGRATIONS).await.unwrap();

    let t = |h: u32, m: u32| Utc.with_ymd_and_hms(2026, 1, 1, h, m, 0).unwrap();
    let long_ago = Utc.with_ymd_and_hms(2025, 12, 31, 12, 0, 0).unwrap();
    let jobs = |worker: &str, start, at, value: f64| MetricRow {
        value,
        ..point("jobs.done", "sum", start, at, &[("worker", worker)])
    };
    let bounds = vec![0.1, 0.5, 1.0];
    let duration = |worker: &str, at, buckets: [u64; 4], sum: f64| MetricRow {
        count: buckets.iter().sum(),
        sum,
        bucket_counts: buckets.to_vec(),
        explicit_bounds: bounds.clone(),
        metric_unit: "s".into(),
        ..point(
            "jobs.duration",
            "histogram",
            long_ago,
            at,
            &[("worker", worker)],
        )
    };
    let mut rows = vec![
        // Worker a started long before the range: 100 at 10:05 is only
        // the baseline; then +30, +60; at 10:35 a new start (10:30): a
        // reset, +20 over the 5 minutes since.
        jobs("a", long_ago, t(10, 5), 100.0),
        jobs("a", long_ago, t(10, 15), 130.0),
        jobs("a", long_ago, t(10, 25), 190.0),
        jobs("a", t(10, 30), t(10, 35), 20.0),
        // Worker b started at 10:01, within the range: its first point
        // counts whole (5, over the 4 minutes since its start); +10; down
        // to 12 with the same start: a reset, +12; +18.
        jobs("b", t(10, 1), t(10, 5), 5.0),
        jobs("b", t(10, 1), t(10, 15), 15.0),
        jobs("b", t(10, 1), t(10, 25), 12.0),
        jobs("b", t(10, 1), t(10, 35), 30.0),
        // Bounds 0.1, 0.5, 1 (s). a: +[5, 30, 10, 5] (sum +9) by 10:15,
        // then unchanged; b: +[5, 30, 10, 5] (sum +7.5), then its count
        // went down: a reset, +[2, 0, 0, 0] (sum +0.05).
        duration("a", t(10, 5), [5, 10, 2, 0], 1.0),
        duration("a", t(10, 15), [10, 40, 12, 5], 10.0),
        duration("a", t(10, 25), [10, 40, 12, 5], 10.0),
        duration("b", t(10, 5), [1, 1, 1, 1], 0.5),
        duration("b", t(10, 15), [6, 31, 11, 6], 8.0),
        duration("b", t(10, 25), [2, 0, 0, 0], 0.05),
    ];
    // Not these: another tenant's, another service's, another metric's.
    let mut other_tenant = jobs("a", long_ago, t(10, 15), 1e6);
    other_tenant.tenant = "globex".into();
    let mut other_service = jobs("a", long_ago, t(10, 15), 1e6);
    other_service.service_name = "billing".into();
    let mut other_metric = jobs("a", long_ago, t(10, 15), 1e6);
    other_metric.metric_name = "jobs.failed".into();
    rows.extend([other_tenant, other_service, other_metric]);
    admin.insert_rows("metrics", &rows).await.unwrap();
    let reader = Store::connect(ch.reader_url());

    let board = parse(
        Path::new("dashboards/jobs.toml"),
        r#"title = "Jobs"

[[panel]]
title = "Jobs done by worker"
kind = "metrics"
metric = "jobs.done"
aggregate = "increase"
group_by = ["worker"]
service = "faasight"

[[panel]]
title = "Jobs per second"
kind = "metrics"
metric = "jobs.done"
aggregate = "rate"
service = "faasight"

[[panel]]
title = "Worker b per second"
kind = "metrics"
metric = "jobs.done"
aggregate = "rate"
where = { worker = "b" }
service = "faasight"

[[panel]]
title = "Job duration p50"
kind = "metrics"
metric = "jobs.duration"
aggregate = "p50"

[[panel]]
title = "Job duration p95"
kind = "metrics"
metric = "jobs.duration"
aggregate = "p95"

[[panel]]
title = "Job duration avg"
kind = "metrics"
metric = "jobs.duration"
aggregate = "avg"

[[panel]]
title = "Jobs started per second"
kind = "metrics"
metric = "jobs.duration"
aggregate = "rate"

[[panel]]
title = "Job duration, wrongly"
kind = "metrics"
metric = "jobs.duration"
aggregate = "last"
"#,
    )
    .unwrap();
    // One day: steps of 10 minutes, 10:00 the first with points.
    let (from, to) = (t(0, 0), Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap());
    let mut got = std::collections::HashMap::new();
    for panel in &board.panels[..7] {
        let data = run_panel(&reader, panel, "acme", from, to)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", panel.title));
        check_shape(&panel.title, PanelKind::Metrics, &data);
        let columns: Vec<String> = data.columns.iter().map(|c| c.name.clone()).collect();
        let rows: Vec<(String, Vec<Option<f64>>)> = data
            .rows
            .iter()
            .map(|r| {
                (
                    r[0].as_str().unwrap()[11..16].to_string(),
                    r[1..].iter().map(number).collect(),
                )
            })
            .collect();
        got.insert(panel.title.clone(), (columns, rows, data.unit.clone()));
        // Another tenant sees nothing: no rows, not an error.
        let none = run_panel(&reader, panel, "nobody", from, to).await.unwrap();
        assert!(none.rows.is_empty(), "{}: {none:?}", panel.title);
    }
    let close = |title: &str, want: &[(&str, &[Option<f64>])]| {
        let (_, rows, _) = &got[title];
        assert_eq!(rows.len(), want.len(), "{title}: {rows:?}");
        for ((at, values), (want_at, want_values)) in rows.iter().zip(want) {
            assert_eq!(at, want_at, "{title}: {rows:?}");
            assert_eq!(values.len(), want_values.len(), "{title}: {rows:?}");
            for (v, w) in values.iter().zip(want_values.iter()) {
                match (v, w) {
                    (Some(v), Some(w)) => assert!((v - w).abs() < 1e-9, "{title}: {rows:?}"),
                    _ => assert_eq!(v, w, "{title}: {rows:?}"),
                }
            }
        }
    };
    assert_eq!(got["Jobs done by worker"].0, ["time", "a", "b"]);
    assert_eq!(got["Jobs done by worker"].2.as_deref(), Some(""));
    close(
        "Jobs done by worker",
        &[
            ("10:00", &[None, Some(5.0)]),
            ("10:10", &[Some(30.0), Some(10.0)]),
            ("10:20", &[Some(60.0), Some(12.0)]),
            ("10:30", &[Some(20.0), Some(18.0)]),
        ],
    );
    // Per second, each series over the time its increase took: a's reset
    // over the 300 s since its new start, b's first point over the 240 s
    // since its start, the rest over 600 s between points.
    close(
        "Jobs per second",
        &[
            ("10:00", &[Some(5.0 / 240.0)]),
            ("10:10", &[Some(40.0 / 600.0)]),
            ("10:20", &[Some(72.0 / 600.0)]),
            ("10:30", &[Some(20.0 / 300.0 + 18.0 / 600.0)]),
        ],
    );
    close(
        "Worker b per second",
        &[
            ("10:00", &[Some(5.0 / 240.0)]),
            ("10:10", &[Some(10.0 / 600.0)]),
            ("10:20", &[Some(12.0 / 600.0)]),
            ("10:30", &[Some(18.0 / 600.0)]),
        ],
    );
    // 10:10: the increases add up to [10, 60, 20, 10] (100 jobs, sum
    // 16.5). p50: rank 50, cumulative 10, 70 → (0.1, 0.5]: 0.1 + 0.4 ×
    // 40 / 60 = 11/30. p95: rank 95 > 90 → the open top bucket → its
    // lower bound 1. avg 16.5 / 100.
    // 10:20: only b's reset, [2, 0, 0, 0]: p50 rank 1 → 0.1 × 1/2 =
    // 0.05; p95 rank 1.9 → 0.095; avg 0.05 / 2.
    close(
        "Job duration p50",
        &[("10:10", &[Some(11.0 / 30.0)]), ("10:20", &[Some(0.05)])],
    );
    close(
        "Job duration p95",
        &[("10:10", &[Some(1.0)]), ("10:20", &[Some(0.095)])],
    );
    close(
        "Job duration avg",
        &[("10:10", &[Some(0.165)]), ("10:20", &[Some(0.025)])],
    );
    assert_eq!(got["Job duration p95"].2.as_deref(), Some("s"));
    // 10:10: 50 + 50 jobs over 600 s each; 10:20: a +0 over 600 s, b's
    // reset +2 over the 600 s since its previous point.
    close(
        "Jobs started per second",
        &[
            ("10:10", &[Some(100.0 / 600.0)]),
            ("10:20", &[Some(2.0 / 600.0)]),
        ],
    );
    assert_eq!(got["Jobs started per second"].2.as_deref(), Some("/s"));
    // An aggregate the metric's kind does not take: an error naming it.
    let e = run_panel(&reader, &board.panels[7], "acme", from, to)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("metric \"jobs.duration\" is a histogram, which last does not apply to"),
        "{e}"
    );
    ch.stop().await.unwrap();
}
