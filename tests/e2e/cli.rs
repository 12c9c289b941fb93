//! The CLI's errors: one clear sentence and a non-zero exit code.

use super::common::{bin, faasight};
use std::process::Command;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// Asserts that `out` exited with `code` and said `sentence` on stderr.
fn assert_fails(out: &std::process::Output, code: i32, sentence: &str) {
    assert_eq!(out.status.code(), Some(code));
    assert!(stderr(out).contains(sentence), "{}", stderr(out));
}

#[test]
fn unreachable_and_malformed_clickhouse_urls() {
    let port = super::common::free_port();
    let out = faasight(&[
        "migrate",
        "--clickhouse-url",
        &format!("http://127.0.0.1:{port}"),
    ]);
    assert_fails(&out, 1, "is unreachable");
    let out = faasight(&["migrate", "--clickhouse-url", "localhost:8123"]);
    assert_fails(&out, 2, "invalid ClickHouse URL");
}

#[test]
fn bill_prices_and_inventories_are_refused_by_name_before_any_query() {
    // No ClickHouse listens on the port: the refusal comes first.
    let port = super::common::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let out = faasight(&[
        "bill",
        "--node-price",
        "vcpu-hour=0.04,gb-hour=0.005",
        "--clickhouse-url",
        &url,
    ]);
    assert_fails(&out, 2, "needs vcpu-hour, gb-hour and vcpu-per-gb");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("functions.json");
    std::fs::write(
        &path,
        r#"{"Functions":[{"FunctionArn":"arn:aws:lambda:us-east-1:1:function:f","MemorySize":1024}]}"#,
    )
    .unwrap();
    let out = faasight(&[
        "import",
        "--format",
        "aws-lambda-functions",
        "--dry-run",
        path.to_str().unwrap(),
    ]);
    assert_fails(&out, 2, "Functions[0].Timeout: missing");
    let out = faasight(&[
        "import",
        "--format",
        "aws-provisioned-concurrency",
        "--seen-at",
        "yesterday",
        "--dry-run",
        path.to_str().unwrap(),
    ]);
    assert_fails(&out, 2, "--seen-at \"yesterday\" is not an RFC 3339 time");
}

#[test]
fn up_says_how_to_install_clickhouse_when_it_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(bin())
        .args(["up", "--data-dir", dir.path().to_str().unwrap()])
        .args([
            "--web-listen",
            "127.0.0.1:0",
            "--collector-listen",
            "127.0.0.1:0",
        ])
        .env(
            "FAASIGHT_CLICKHOUSE_SERVER",
            dir.path().join("no-such-server"),
        )
        .output()
        .unwrap();
    assert_fails(&out, 1, "apt-get install -y clickhouse-server");
}

#[test]
fn up_refuses_ports_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    // `faasight up` in a fresh data directory, with `args`.
    let up = |args: &[&str]| {
        let mut all = vec!["up", "--data-dir", dir.path().to_str().unwrap()];
        all.extend_from_slice(args);
        faasight(&all)
    };
    let web = format!("127.0.0.1:{port}");
    let out = up(&["--collector-listen", "127.0.0.1:0", "--web-listen", &web]);
    // A port in use is a failure (1), as the README says, not bad input (2).
    assert_fails(
        &out,
        1,
        &format!("cannot listen on 127.0.0.1:{port} for the web"),
    );
    let out = up(&[
        "--web-listen",
        "127.0.0.1:0",
        "--collector-listen",
        "127.0.0.1:0",
        "--clickhouse-http-port",
        &port,
    ]);
    assert_fails(
        &out,
        1,
        &format!("port {port} on 127.0.0.1 is already in use"),
    );
}

#[test]
fn import_reports_every_bad_line_and_dry_run_prints_normalized_records() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.ndjson");
    let good = r#"{"provider":"azure_functions","function":"f","memory_mb":1536,"max_memory_used_mb":200,"start_time":"2026-01-05T12:00:00Z","duration_ms":20}"#;
    std::fs::write(
        &file,
        format!("{good}\n{{\"function\":1}}\n{good}\nnot json\n"),
    )
    .unwrap();
    let dry_run = || {
        let path = file.to_str().unwrap();
        faasight(&["import", "--format", "ndjson", "--dry-run", path])
    };
    let out = dry_run();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("in.ndjson:2:")
            && err.contains("in.ndjson:4:")
            && !err.contains("in.ndjson:1:"),
        "{err}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing is printed when a line is bad"
    );

    std::fs::write(&file, format!("{good}\n")).unwrap();
    let out = dry_run();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Azure: 100 ms minimum, memory 200 MB rounds up to 256 MB:
    // 0.25 GB × 0.1 s × $0.000016 + $0.0000002 = $0.0000006.
    assert_eq!(v["billed_duration_ms"], 100);
    assert_eq!(v["cost_usd"], "0.000000600000");
    assert_eq!(v["start_time"], "2026-01-05T12:00:00.000Z");
    assert_eq!(v["status"], "success");
}

#[test]
fn import_dry_run_reads_every_format() {
    let root = env!("CARGO_MANIFEST_DIR");
    // `faasight import <options> --dry-run <path>`, which must succeed.
    let dry_run = |options: &[&str], path: &str| {
        let mut args = vec!["import"];
        args.extend_from_slice(options);
        args.extend(["--dry-run", path]);
        let out = faasight(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    let lines = |out: std::process::Output| -> Vec<serde_json::Value> {
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    // The Azure 2019 sample: one record per counted invocation (608,228 per its PROVENANCE.md).
    let azure = dry_run(
        &["--format", "azure-2019"],
        &format!("{root}/sample-data/azure-functions-2019"),
    );
    assert_eq!(
        azure.stdout.iter().filter(|b| **b == b'\n').count(),
        608_228
    );

    let otlp = lines(dry_run(
        &["--format", "otlp"],
        &format!("{root}/tests/fixtures/otlp/py-http-json-01-v1_traces.json"),
    ));
    let starts: Vec<&str> = otlp
        .iter()
        .map(|v| v["start_type"].as_str().unwrap())
        .collect();
    assert_eq!(starts, ["cold", "warm", "warm"]);
    assert!(otlp
        .iter()
        .all(|v| v["function"] == "checkout-fn" && v["memory_mb"] == 512));

    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("in.csv");
    std::fs::write(&csv, "function,start_time,duration_ms,provider,memory_mb,arch\n\"api, v2\",2026-01-01T00:00:00Z,12.5,aws_lambda,1024,arm64\n").unwrap();
    let rows = lines(dry_run(&["--format", "csv"], csv.to_str().unwrap()));
    assert_eq!(
        (
            rows[0]["function"].as_str(),
            rows[0]["billed_duration_ms"].as_u64()
        ),
        (Some("api, v2"), Some(13))
    );

    let telemetry = dir.path().join("events.json");
    std::fs::write(
        &telemetry,
        r#"[{"time":"2026-01-01T00:00:00Z","type":"platform.initReport","record":{"initializationType":"provisioned-concurrency","phase":"init","metrics":{"durationMs":800}}},
            {"time":"2026-01-01T01:00:00Z","type":"platform.start","record":{"requestId":"a1b2c3d4-0000-4000-8000-000000000001"}},
            {"time":"2026-01-01T01:00:00.050Z","type":"platform.report","record":{"requestId":"a1b2c3d4-0000-4000-8000-000000000001","status":"success","metrics":{"durationMs":50,"billedDurationMs":50,"memorySizeMB":1024,"maxMemoryUsedMB":100}}}]"#,
    )
    .unwrap();
    let rows = lines(dry_run(
        &["--format", "lambda-telemetry", "--function", "pc-fn"],
        telemetry.to_str().unwrap(),
    ));
    assert_eq!(
        (
            rows[0]["start_type"].as_str(),
            rows[0]["init_duration_ms"].as_f64()
        ),
        (Some("provisioned"), Some(800.0))
    );
}

#[test]
fn keep_alive_replay_on_the_azure_trace() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sample-data/azure-functions-2019"
    );
    let out = faasight(&[
        "simulate",
        "keep-alive",
        "--keep-alive",
        "0m,5m,20m,24h",
        "--provisioned",
        "1",
        "--provisioned",
        "0-11:0,12-23:2",
        "--memory-mb",
        "1024",
        "--trace",
        "azure-2019",
        dir,
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = v["keep_alive"].as_array().unwrap();
    // Invocations: the trace's own total, summed here from the CSV.
    let text = std::fs::read_to_string(format!("{dir}/1000_inv.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let first_minute = header
        .iter()
        .position(|h| h.ends_with('1') && h.contains("minute") || *h == "1")
        .unwrap();
    let (mut total, mut active) = (0u64, 0u64);
    for line in lines {
        let sum: u64 = line
            .split(',')
            .skip(first_minute)
            .map(|c| c.trim().parse::<u64>().unwrap())
            .sum();
        total += sum;
        active += (sum > 0) as u64;
    }
    assert!(r.iter().all(|x| x["invocations"].as_u64() == Some(total)));
    let cold: Vec<u64> = r
        .iter()
        .map(|x| x["cold_starts"].as_u64().unwrap())
        .collect();
    assert!(
        cold.windows(2).all(|w| w[0] > w[1]),
        "longer keep-alive, fewer cold starts: {cold:?}"
    );
    // Kept warm all day, every active function starts cold exactly once.
    assert_eq!(cold[3], active);
    assert_eq!(r[0]["cold_starts_avoided"], 0);

    // One provisioned instance all day: no cold start, 1,440 instance-minutes
    // per active function, billed at 1 GB × 60 s × $0.0000041667 a minute.
    let p = v["provisioned"].as_array().unwrap();
    assert_eq!(p[0]["cold_starts"], 0);
    assert_eq!(
        p[0]["provisioned_instance_minutes"].as_u64(),
        Some(active * 1440)
    );
    assert_eq!(
        p[0]["provisioned_cost"].as_i64(),
        Some(active as i64 * 1440 * 60 * 4_166_700)
    );
    // Two instances in the afternoon only: fewer cold starts than the
    // keep-alive alone (0 minutes, the first policy), more than all day.
    let half = p[1]["cold_starts"].as_u64().unwrap();
    assert!(0 < half && half < cold[0], "{half} vs {}", cold[0]);
    assert_eq!(
        p[1]["provisioned_instance_minutes"].as_u64(),
        Some(active * 720 * 2)
    );
    let bad = faasight(&[
        "simulate",
        "keep-alive",
        "--keep-alive",
        "five",
        "--trace",
        "azure-2019",
        dir,
    ]);
    assert_eq!(bad.status.code(), Some(2));
}
