//! Delivery guarantees through the real binary: every acknowledged record
//! is stored exactly once when ClickHouse goes away mid-load and comes back,
//! and when the collector itself is killed with SIGKILL and restarted.

use super::common::{gauge, metrics, wait_for, ClickHouse, Stack};
use faasight_store::Store;
use std::time::Duration;
use tokio::task::JoinSet;

const PER_REQUEST: usize = 1000;

fn body(request: usize) -> String {
    (0..PER_REQUEST)
        .map(|i| {
            format!(
                r#"{{"provider":"aws_lambda","function":"durability","memory_mb":128,"request_id":"q{request}-{i}","start_time_ms":{},"duration_ms":12.5,"status":"success"}}"#,
                1_767_225_600_000u64 + (request * PER_REQUEST + i) as u64
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Sends requests `range` with 8 in flight, retrying 429/503 as the
/// `Retry-After` header asks. Returns how many were acknowledged.
async fn send(collector: &str, range: std::ops::Range<usize>) -> usize {
    let client = reqwest::Client::new();
    let url = format!("{collector}/v1/invocations");
    let mut tasks = JoinSet::new();
    let mut acked = 0;
    for request in range {
        if tasks.len() >= 8 {
            acked += tasks.join_next().await.unwrap().unwrap();
        }
        let (client, url) = (client.clone(), url.clone());
        tasks.spawn(async move {
            for _ in 0..200 {
                let r = client
                    .post(&url)
                    .header("content-type", "application/x-ndjson")
                    .body(body(request))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status() == 200 => return 1,
                    Ok(r) if r.status() == 429 || r.status() == 503 => {
                        let wait = r
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok()?.parse().ok())
                            .unwrap_or(1u64);
                        tokio::time::sleep(Duration::from_millis(wait * 100)).await;
                    }
                    Ok(r) => panic!(
                        "request {request}: {} {}",
                        r.status(),
                        r.text().await.unwrap_or_default()
                    ),
                    Err(e) => panic!("request {request}: {e}"),
                }
            }
            0
        });
    }
    while let Some(r) = tasks.join_next().await {
        acked += r.unwrap();
    }
    acked
}

async fn counts(store: &Store) -> Option<(u64, u64, u64)> {
    let q =
        |sql: &'static str| async move { store.client().query(sql).fetch_one::<u64>().await.ok() };
    Some((
        q("SELECT count() FROM invocations WHERE function = 'durability'").await?,
        q("SELECT uniqExact(request_id) FROM invocations WHERE function = 'durability'").await?,
        q("SELECT toUInt64(countMerge(invocations)) FROM invocations_hourly WHERE function = 'durability'").await?,
    ))
}

/// Waits until the collector has nothing queued or spooled, then asserts
/// that `(rows, unique, rolled_up)` are `expected`: every row stored and
/// rolled up once.
async fn assert_stored_once(collector: &str, ch: &ClickHouse, expected: (u64, u64, u64)) {
    super::common::stored_within(collector, Duration::from_secs(180)).await;
    let (rows, unique, rolled_up) = counts(&ch.store()).await.unwrap();
    assert_eq!((rows, unique, rolled_up), expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn clickhouse_stopped_mid_load_loses_and_duplicates_nothing() {
    let Stack { mut ch, up, .. } = Stack::start().await;

    let mut acked = send(&up.collector, 0..60).await;
    ch.stop().await;
    acked += send(&up.collector, 60..140).await;
    ch.restart().await;
    acked += send(&up.collector, 140..200).await;
    assert_eq!(acked, 200, "every request was eventually acknowledged");

    assert_stored_once(&up.collector, &ch, (200_000, 200_000, 200_000)).await;
    let metrics = metrics(&up.collector).await.unwrap();
    assert!(
        gauge(&metrics, "faasight_collector_replayed_batches_total") > 0,
        "the outage was replayed from the spool on disk:\n{metrics}"
    );
    assert!(up.stop().await.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sigkilled_collector_replays_its_spool_after_restart() {
    let Stack { mut ch, mut up, .. } = Stack::start().await;

    let mut acked = send(&up.collector, 0..20).await;
    ch.stop().await;
    acked += send(&up.collector, 20..60).await;
    // Killed without any chance to flush: only the spool remains.
    up.child.kill().unwrap();
    up.child.wait().unwrap();

    ch.restart().await;
    up.start_again().await;
    acked += send(&up.collector, 60..80).await;
    assert_eq!(acked, 80);
    assert_stored_once(&up.collector, &ch, (80_000, 80_000, 80_000)).await;
    assert!(up.stop().await.success());
}

/// ClickHouse killed with SIGKILL while the collector writes to it — an
/// INSERT may be cut off anywhere, base table and rollup apart — then
/// started again on the same data. Every acknowledged row is stored once,
/// and the hourly rollup equals the base table.
#[tokio::test(flavor = "multi_thread")]
async fn clickhouse_sigkilled_mid_insert_loses_and_duplicates_nothing() {
    let Stack { mut ch, up, .. } = Stack::start().await;
    let store = ch.store();
    // Kill while requests are being written: once the first rows are in.
    let load = tokio::spawn({
        let collector = up.collector.clone();
        async move { send(&collector, 0..150).await }
    });
    wait_for(
        "the first rows to arrive",
        Duration::from_secs(120),
        || async { counts(&store).await.filter(|c| c.0 >= 20_000).map(|_| ()) },
    )
    .await;
    ch.crash();
    let mut acked = load.await.unwrap();
    ch.restart().await;
    acked += send(&up.collector, 150..170).await;
    assert_eq!(acked, 170, "every request was eventually acknowledged");

    assert_stored_once(&up.collector, &ch, (170_000, 170_000, 170_000)).await;
    let store = ch.store();
    let (base_cost, rollup_cost): (i64, i64) = store
        .client()
        .query(
            "SELECT (SELECT toInt64(sum(cost_usd) * 1000000000000) FROM invocations WHERE function = 'durability'), \
                    (SELECT toInt64(sumMerge(cost_usd) * 1000000000000) FROM invocations_hourly WHERE function = 'durability')",
        )
        .fetch_one()
        .await
        .unwrap();
    assert_eq!(base_cost, rollup_cost);
    assert!(up.stop().await.success());
}
