//! Every shipped dashboard panel against a real server: the ClickHouse
//! 18.16 that Debian installs here (current releases are covered by
//! tests/chdb_check.py), queried as the read-only user the web UI uses,
//! after a materialize pass (the cold-start and memory boards read its
//! tables). Panel values are checked against hand counts of the rows.

use chrono::{TimeZone, Utc};
use faasight_store::dashboards::{
    load_dir, number, run_panel, Panel, PanelData, PanelKind, MAX_ROWS,
};
use faasight_store::local::{LocalClickHouse, LocalConfig};
use faasight_store::migrations::{apply, MIGRATIONS};
use faasight_store::{InvocationRow, PicoUsd, Store};
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
        PanelKind::Line => {
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
            if column.is_numeric() {
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
