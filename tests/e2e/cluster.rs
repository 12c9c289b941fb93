//! Cluster mode on two private ClickHouse 18.16 shards: `migrate --cluster`
//! on both nodes, two collectors (one per node, no coordination) loading
//! the demo workload, a materialize pass per shard, and every analysis
//! equal to the single-server result on the same rows.

use super::analyses::first_difference;
use super::common::{faasight, faasight_ok, free_port, ClickHouse, Collector};
use faasight_store::local::{LocalClickHouse, LocalConfig};
use faasight_store::{ClickHouseUrl, Store};
use serde_json::Value;
use std::path::Path;

const END: &str = "2026-03-02T10:00:00Z";
const PASSWORD: &str = "two-shards";

/// A node of the cluster `faas`: its own ports, the same admin password as
/// the other (the shards log in to each other as `default`).
async fn node(dir: &Path, http: u16, tcp: u16, shards: &[u16]) -> LocalClickHouse {
    let secrets = dir.join("clickhouse");
    std::fs::create_dir_all(&secrets).unwrap();
    std::fs::write(secrets.join("admin-password"), PASSWORD).unwrap();
    let replicas: String = shards
        .iter()
        .map(|port| {
            format!(
                "<shard><replica><host>127.0.0.1</host><port>{port}</port>\
                 <user>default</user><password>{PASSWORD}</password></replica></shard>"
            )
        })
        .collect();
    let mut cfg = LocalConfig::new(dir);
    (cfg.http_port, cfg.tcp_port) = (http, tcp);
    cfg.remote_servers = Some(format!(
        "<remote_servers><faas>{replicas}</faas></remote_servers>"
    ));
    LocalClickHouse::start(&cfg).await.unwrap()
}

/// The real tables of the node whose HTTP port is `http`.
fn local_store(http: u16) -> Store {
    let url = format!("http://default:{PASSWORD}@127.0.0.1:{http}/?database=fs_local");
    Store::connect(&ClickHouseUrl::parse(&url).unwrap())
}

fn url(http: u16) -> String {
    format!("http://default:{PASSWORD}@127.0.0.1:{http}/?database=fs")
}

/// An analysis as JSON, without what differs between two runs on the same
/// rows (when the materialize pass ran).
fn analysis(command: &str, extra: &[&str], url: &str) -> Value {
    let mut args = vec![
        command,
        "--days",
        "30",
        "--to",
        END,
        "--format",
        "json",
        "--clickhouse-url",
        url,
    ];
    args.extend_from_slice(extra);
    let mut v: Value = serde_json::from_str(&faasight_ok(&args)).unwrap();
    if let Some(o) = v.as_object_mut() {
        o.remove("materialized_at");
    }
    v
}

/// Posts NDJSON lines to a collector in requests of 2,000; each answered
/// 200 (the rows are durable).
async fn send(collector: &str, lines: &[&str]) {
    let client = reqwest::Client::new();
    for chunk in lines.chunks(2_000) {
        let r = client
            .post(format!("{collector}/v1/invocations"))
            .header("content-type", "application/x-ndjson")
            .body(chunk.join("\n"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_shards_give_every_analysis_of_one_server() {
    let dirs = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (http_a, tcp_a, http_b, tcp_b) = (free_port(), free_port(), free_port(), free_port());
    let shard_a = node(dirs.0.path(), http_a, tcp_a, &[tcp_a, tcp_b]).await;
    let shard_b = node(dirs.1.path(), http_b, tcp_b, &[tcp_a, tcp_b]).await;
    let (url_a, url_b) = (url(http_a), url(http_b));
    // A command against the cluster through `front`, told both nodes.
    let on_cluster = |command: &[&str], front: &str| {
        let mut args = command.to_vec();
        args.extend(["--clickhouse-url", front, "--cluster-node", &url_a]);
        args.extend(["--cluster-node", &url_b]);
        faasight_ok(&args)
    };

    let out = on_cluster(&["migrate", "--cluster", "faas"], &url_a);
    assert!(out.contains("Distributed tables made: "), "{out}");
    assert_eq!(out.matches("migrations on ").count(), 2, "{out}");
    // Again: nothing to do, nothing made twice.
    let again = on_cluster(&["migrate", "--cluster", "faas"], &url_a);
    assert_eq!(
        again.matches("Distributed tables made: none").count(),
        2,
        "{again}"
    );
    // A process that migrates on start finds the front database done; the
    // ordinary migrations would have put views on Distributed tables.
    faasight_ok(&["migrate", "--clickhouse-url", &url_b]);
    // With migrations missing there, it stops and says what to run, and
    // `migrate --cluster` puts the record back.
    let front_b = Store::connect(&ClickHouseUrl::parse(&url_b).unwrap());
    front_b
        .execute("TRUNCATE TABLE schema_migrations")
        .await
        .unwrap();
    let refused = faasight(&["migrate", "--clickhouse-url", &url_b]);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{said}");
    assert!(said.contains("faasight migrate --cluster NAME"), "{said}");
    on_cluster(&["migrate", "--cluster", "faas"], &url_b);
    faasight_ok(&["migrate", "--clickhouse-url", &url_b]);

    // The demo workload, and the single server's copy of it.
    let file = dirs.0.path().join("demo.ndjson");
    faasight_ok(&[
        "demo-data",
        "--seed",
        "5",
        "--days",
        "30",
        "--invocations",
        "40000",
        "--end",
        END,
        "--out",
        file.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let single = ClickHouse::start().await;
    let single_url = single.url();
    faasight_ok(&[
        "import",
        "--format",
        "ndjson",
        file.to_str().unwrap(),
        "--clickhouse-url",
        &single_url,
    ]);

    // Two collectors, one per node, each with half of the requests.
    let args = [
        "--materialize-every",
        "0",
        "--cluster-node",
        &url_a,
        "--cluster-node",
        &url_b,
    ];
    let collectors = (
        Collector::start(&url_a, dirs.0.path(), &args).await,
        Collector::start(&url_b, dirs.1.path(), &args).await,
    );
    // Requests of 2,000 lines, alternately to each collector.
    let half = |parity: usize| -> Vec<&str> {
        lines
            .chunks(2_000)
            .enumerate()
            .filter(|(i, _)| i % 2 == parity)
            .flat_map(|(_, c)| c.iter().copied())
            .collect()
    };
    let (even, odd) = (half(0), half(1));
    tokio::join!(
        send(&collectors.0.http, &even),
        send(&collectors.1.http, &odd)
    );
    super::common::stored(&collectors.0.http).await;
    super::common::stored(&collectors.1.http).await;

    // Every row once, on exactly one shard, each function on one shard.
    let front = Store::connect(&ClickHouseUrl::parse(&url_a).unwrap());
    let total: u64 = front
        .client()
        .query("SELECT count() FROM invocations")
        .fetch_one()
        .await
        .unwrap();
    assert_eq!(total, lines.len() as u64);
    let mut per_shard = Vec::new();
    for n in [http_a, http_b] {
        let local = local_store(n);
        let (rows, functions): (u64, Vec<String>) = (
            local
                .client()
                .query("SELECT count() FROM invocations")
                .fetch_one()
                .await
                .unwrap(),
            local
                .client()
                .query(
                    "SELECT DISTINCT concat(tenant, '/', provider, '/', function) FROM invocations",
                )
                .fetch_all()
                .await
                .unwrap(),
        );
        assert!(rows > 0, "shard on {n} holds nothing");
        per_shard.push((rows, functions));
    }
    assert_eq!(per_shard[0].0 + per_shard[1].0, total);
    for f in &per_shard[0].1 {
        assert!(!per_shard[1].1.contains(f), "{f} is on both shards");
    }

    // A pass per shard, on the shard's own tables: each shard's hourly
    // results count its own invocations.
    on_cluster(&["materialize"], &url_a);
    for (n, (rows, _)) in [http_a, http_b].iter().zip(&per_shard) {
        let local = local_store(*n);
        let hours: u64 = local
            .client()
            .query("SELECT toUInt64(sum(invocations)) FROM invocation_hours")
            .fetch_one()
            .await
            .unwrap();
        assert_eq!(hours, *rows, "shard on {n}");
    }

    // Every analysis, from either node, equals the single server's.
    for (command, extra) in [
        ("bill", &[][..]),
        ("rightsizing", &[][..]),
        ("cold-starts", &[][..]),
        ("cold-starts", &["--by", "runtime"][..]),
        ("warnings", &[][..]),
        ("anomalies", &["--threshold", "3"][..]),
        ("forecast", &["--by", "total", "--horizon", "14d"][..]),
        ("insights", &[][..]),
    ] {
        let expected = analysis(command, extra, &single_url);
        // Not two empty answers: the demo gives every analysis rows.
        let size = expected.to_string().len();
        assert!(size > 2_000, "{command}: {expected}");
        for front in [&url_a, &url_b] {
            let got = analysis(command, extra, front);
            if let Some(d) = first_difference(&expected, &got, command.to_string()) {
                panic!("{command} {extra:?} through {front}: {d}");
            }
        }
    }
    drop(collectors);

    // Retention on every node's own tables: the demo ended in March, so a
    // 30-day keep drops all of it, on both shards.
    on_cluster(&["retention", "--keep", "30d"], &url_a);
    for table in [
        "invocations",
        "invocations_hourly",
        "invocation_hours",
        "function_days",
    ] {
        let left: u64 = front
            .client()
            .query(&format!("SELECT count() FROM {table}"))
            .fetch_one()
            .await
            .unwrap();
        assert_eq!(left, 0, "{table}");
    }
    drop((shard_a, shard_b));
}
