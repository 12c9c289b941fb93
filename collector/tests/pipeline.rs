//! The write path against a real ClickHouse: direct writes, spooling while
//! the server is down, replay after it returns, and no duplicates when a
//! spooled batch had in fact arrived.

use faasight_collector::pipeline::spool::{Spool, SpooledBatch};
use faasight_collector::pipeline::{Batch, Pipeline, PipelineConfig};
use faasight_collector::telemetry::Metrics;
use faasight_store::local::{LocalClickHouse, LocalConfig};
use faasight_store::{InvocationRow, Store};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn rows(prefix: &str, n: usize) -> Vec<InvocationRow> {
    (0..n)
        .map(|i| {
            let mut r = InvocationRow {
                function: "pipeline-test".into(),
                provider: "aws_lambda".into(),
                request_id: format!("{prefix}-{i}"),
                memory_mb: 128,
                duration_ms: 10.0,
                start_time_ms: 1_767_225_600_000 + i as u64,
                ..Default::default()
            };
            faasight_collector::normalize::normalize(&mut r, chrono::Utc::now()).unwrap();
            r
        })
        .collect()
}

/// A deadline no test reaches.
fn later() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(600)
}

async fn count(store: &Store, sql: &str) -> u64 {
    store.client().query(sql).fetch_one::<u64>().await.unwrap()
}

async fn wait_until(what: &str, mut f: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !f().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `n` fresh rows named `{prefix}-{i}` as one batch.
fn batch(prefix: &str, n: usize) -> Batch {
    Batch {
        invocations: rows(prefix, n),
        ..Default::default()
    }
}

/// Waits until the pipeline has replayed its whole spool.
async fn spool_drained(metrics: &Metrics) {
    wait_until("the spool to drain", async || {
        metrics.spool_pending.load(Relaxed) == 0
    })
    .await;
}

/// A pipeline with the default configuration and its spool in `dir`, as a
/// restarted collector opens it.
fn default_pipeline(
    store: &Store,
    dir: &tempfile::TempDir,
    metrics: &Arc<Metrics>,
) -> (Pipeline, tokio::task::JoinHandle<()>) {
    Pipeline::start(
        store.clone(),
        PipelineConfig::new(dir.path().join("spool")),
        metrics.clone(),
    )
    .unwrap()
}

/// A private ClickHouse with the schema in a new temporary directory, and
/// its configuration for a restart.
async fn fresh_clickhouse() -> (tempfile::TempDir, LocalConfig, LocalClickHouse, Store) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = LocalConfig::with_free_ports(dir.path().join("ch")).unwrap();
    let (ch, store) = start_clickhouse(&cfg).await;
    (dir, cfg, ch, store)
}

async fn start_clickhouse(cfg: &LocalConfig) -> (LocalClickHouse, Store) {
    let ch = LocalClickHouse::start(cfg).await.unwrap();
    let store = Store::connect(ch.url());
    faasight_store::migrations::apply(&store, faasight_store::migrations::MIGRATIONS)
        .await
        .unwrap();
    (ch, store)
}

#[tokio::test(flavor = "multi_thread")]
async fn spools_while_clickhouse_is_down_and_replays_exactly_once() {
    let (dir, cfg, ch, store) = fresh_clickhouse().await;
    let metrics = Arc::new(Metrics::default());
    let mut pcfg = PipelineConfig::new(dir.path().join("spool"));
    pcfg.insert_timeout = Duration::from_secs(5);
    pcfg.retry_backoff = Duration::from_millis(100);
    let (pipeline, writer) = Pipeline::start(store.clone(), pcfg, metrics.clone()).unwrap();

    pipeline.submit(batch("up", 1000), later()).await.unwrap();
    spool_drained(&metrics).await;
    assert_eq!(count(&store, "SELECT count() FROM invocations").await, 1000);
    assert_eq!(metrics.replayed_batches.load(Relaxed), 0);

    ch.stop().await.unwrap();
    // Accepted although ClickHouse is down: the spool has them.
    for k in 0..5 {
        pipeline
            .submit(batch(&format!("down{k}"), 2000), later())
            .await
            .unwrap();
    }
    assert!(metrics.spooled_batches.load(Relaxed) >= 6);
    assert!(metrics.spool_pending.load(Relaxed) >= 1);

    let (_ch, store) = start_clickhouse(&cfg).await;
    spool_drained(&metrics).await;
    assert!(metrics.insert_failures.load(Relaxed) >= 1);
    assert!(
        metrics.replayed_batches.load(Relaxed) >= 1,
        "after the failed INSERT the spool was replayed from disk"
    );
    assert_eq!(
        count(&store, "SELECT count() FROM invocations").await,
        11_000
    );
    assert_eq!(
        count(&store, "SELECT uniqExact(request_id) FROM invocations").await,
        11_000
    );
    assert_eq!(
        count(
            &store,
            "SELECT toUInt64(countMerge(invocations)) FROM invocations_hourly"
        )
        .await,
        11_000
    );
    drop(pipeline);
    writer.await.unwrap();
}

/// After a failed INSERT, only the batches it held are replayed one by one
/// with checks; those spooled behind them were never attempted and go to
/// ClickHouse together, so catching up does not cost a part per batch.
#[tokio::test(flavor = "multi_thread")]
async fn after_an_outage_batches_never_attempted_are_inserted_together() {
    let (dir, cfg, ch, store) = fresh_clickhouse().await;
    let metrics = Arc::new(Metrics::default());
    let mut pcfg = PipelineConfig::new(dir.path().join("spool"));
    pcfg.linger = Duration::from_millis(1);
    pcfg.retry_backoff = Duration::from_millis(100);
    let (pipeline, writer) = Pipeline::start(store.clone(), pcfg, metrics.clone()).unwrap();
    ch.stop().await.unwrap();
    pipeline.submit(batch("tried", 100), later()).await.unwrap();
    wait_until("the INSERT to fail", async || {
        metrics.insert_failures.load(Relaxed) > 0
    })
    .await;
    for k in 0..6 {
        pipeline
            .submit(batch(&format!("behind{k}"), 100), later())
            .await
            .unwrap();
    }
    let (_ch, store) = start_clickhouse(&cfg).await;
    spool_drained(&metrics).await;
    assert_eq!(count(&store, "SELECT count() FROM invocations").await, 700);
    assert_eq!(
        count(&store, "SELECT uniqExact(request_id) FROM invocations").await,
        700
    );
    assert_eq!(metrics.replayed_batches.load(Relaxed), 7);
    assert_eq!(
        metrics.inserts(),
        2,
        "one checked replay of the tried batch, one INSERT of the six behind it"
    );
    drop(pipeline);
    writer.await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_spooled_batch_that_clickhouse_already_has_is_not_stored_twice() {
    let (dir, _cfg, _ch, store) = fresh_clickhouse().await;

    // The situation after an insert that timed out on the collector's side
    // but was applied: the rows are in ClickHouse *and* in the spool.
    let mut batch = SpooledBatch {
        batch_id: "abc-1".into(),
        invocations: rows("dup", 500),
        ..Default::default()
    };
    batch
        .invocations
        .iter_mut()
        .for_each(|r| r.batch_id = "abc-1".into());
    store.insert_invocations(&batch.invocations).await.unwrap();
    let fresh = SpooledBatch {
        batch_id: "abc-2".into(),
        invocations: rows("fresh", 300)
            .into_iter()
            .map(|mut r| {
                r.batch_id = "abc-2".into();
                r
            })
            .collect(),
        ..Default::default()
    };
    {
        let mut spool = Spool::open(&dir.path().join("spool")).unwrap();
        spool.append(&batch).unwrap();
        spool.append(&fresh).unwrap();
    }

    let metrics = Arc::new(Metrics::default());
    let (pipeline, writer) = default_pipeline(&store, &dir, &metrics);
    spool_drained(&metrics).await;
    assert_eq!(metrics.replayed_batches.load(Relaxed), 2);
    assert_eq!(metrics.duplicate_batches_skipped.load(Relaxed), 1);
    assert_eq!(count(&store, "SELECT count() FROM invocations").await, 800);
    assert_eq!(
        count(
            &store,
            "SELECT toUInt64(countMerge(invocations)) FROM invocations_hourly"
        )
        .await,
        800
    );
    drop(pipeline);
    writer.await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn refuses_when_the_queue_is_full_instead_of_growing() {
    let (dir, _cfg, _ch, store) = fresh_clickhouse().await;
    let mut pcfg = PipelineConfig::new(dir.path().join("spool"));
    pcfg.max_queued_rows = 1000;
    // A group below 10,000 rows waits up to two seconds for more before its
    // INSERT; until then its rows hold their share of the queue.
    pcfg.linger = Duration::from_secs(2);
    let metrics = Arc::new(Metrics::default());
    let (pipeline, _writer) = Pipeline::start(store, pcfg, metrics.clone()).unwrap();
    // A request larger than the whole queue is admitted when the queue is
    // empty (it takes every slot), so no request is refused forever.
    pipeline.submit(batch("big", 1001), later()).await.unwrap();
    wait_until("the big batch to be stored", async || {
        metrics.queued_rows.load(Relaxed) == 0
    })
    .await;
    let a = pipeline.clone();
    let b = pipeline.clone();
    let (ra, rb) = tokio::join!(
        a.submit(batch("a", 800), later()),
        b.submit(batch("b", 800), later()),
    );
    assert!(
        ra.is_ok() != rb.is_ok(),
        "exactly one of two 800-row batches fits a 1,000-row queue: {ra:?} {rb:?}"
    );
}

/// Every exact aggregate of the hourly rollup must agree with the base
/// table, per hour (the rollup's t-digest quantiles are approximate and
/// depend on merge order, so they are not compared).
async fn rollup_agrees(store: &Store) {
    type Hour = (u32, u64, u64, u64, u64, u64, i64, u32);
    let base: Vec<Hour> = store
        .client()
        .query(
            "SELECT toUInt32(toStartOfHour(start_time)) AS h, count(), \
             sum(toUInt64(status != 'success')), sum(toUInt64(status = 'timeout')), \
             sum(toUInt64(start_type IN ('cold', 'snapstart'))), sum(billed_duration_ms), \
             toInt64(sum(cost_usd) * 1000000000000), max(max_memory_used_mb) \
             FROM invocations GROUP BY h ORDER BY h",
        )
        .fetch_all()
        .await
        .unwrap();
    let rollup: Vec<Hour> = store
        .client()
        .query(
            "SELECT toUInt32(hour) AS h, toUInt64(countMerge(invocations)), sumMerge(errors), \
             sumMerge(timeouts), sumMerge(cold_starts), sumMerge(billed_duration_ms_sum), \
             toInt64(sumMerge(cost_usd) * 1000000000000), maxMerge(max_memory_used_mb) \
             FROM invocations_hourly GROUP BY h ORDER BY h",
        )
        .fetch_all()
        .await
        .unwrap();
    assert!(!base.is_empty());
    assert_eq!(base, rollup, "invocations vs invocations_hourly, per hour");
}

/// The state a crash of ClickHouse in the middle of an INSERT can leave: of
/// a batch spanning two days, one day's part was committed to the base
/// table but not to the rollup (the materialized view writes after the
/// base table), the other day's not at all. Before replay looked at rows
/// and checked the rollup, such a batch was skipped as "partly present":
/// 200 acknowledged rows lost and the rollup short of 300.
#[tokio::test(flavor = "multi_thread")]
async fn a_partly_stored_batch_is_completed_and_its_rollup_rebuilt() {
    let (dir, _cfg, _ch, store) = fresh_clickhouse().await;
    // Other data in the same hours, stored normally: must stay as it is.
    store.insert_invocations(&rows("other", 50)).await.unwrap();

    let mut invocations = rows("day1", 300);
    let day2 = rows("day2", 200).into_iter().map(|mut r| {
        r.start_time_ms += 86_400_000;
        faasight_collector::normalize::normalize(&mut r, chrono::Utc::now()).unwrap();
        r
    });
    invocations.extend(day2);
    for (n, r) in invocations.iter_mut().enumerate() {
        (r.batch_id, r.batch_row) = ("crash-1".into(), n as u32 + 1);
    }
    let batch = SpooledBatch {
        batch_id: "crash-1".into(),
        invocations,
        ..Default::default()
    };
    store
        .execute("DETACH TABLE invocations_hourly_mv")
        .await
        .unwrap();
    store
        .insert_invocations(&batch.invocations[..300])
        .await
        .unwrap();
    store
        .execute("ATTACH TABLE invocations_hourly_mv")
        .await
        .unwrap();
    Spool::open(&dir.path().join("spool"))
        .unwrap()
        .append(&batch)
        .unwrap();

    let metrics = Arc::new(Metrics::default());
    let (pipeline, writer) = default_pipeline(&store, &dir, &metrics);
    spool_drained(&metrics).await;
    assert_eq!(count(&store, "SELECT count() FROM invocations").await, 550);
    assert_eq!(
        count(&store, "SELECT uniqExact(request_id) FROM invocations").await,
        550
    );
    rollup_agrees(&store).await;
    // One (tenant, provider, function, hour) key held day 1's rows.
    assert_eq!(metrics.rollup_keys_rebuilt.load(Relaxed), 1);
    drop(pipeline);
    writer.await.unwrap();
}

/// INSERTs that the collector gives up on (a 1 ms insert timeout) while
/// the server may still commit them: every batch is spooled, replay finds
/// what arrived, and nothing is stored twice or lost.
#[tokio::test(flavor = "multi_thread")]
async fn inserts_that_time_out_but_commit_are_neither_lost_nor_doubled() {
    let (dir, _cfg, _ch, store) = fresh_clickhouse().await;
    let metrics = Arc::new(Metrics::default());
    let mut pcfg = PipelineConfig::new(dir.path().join("spool"));
    pcfg.insert_timeout = Duration::from_millis(1);
    pcfg.retry_backoff = Duration::from_millis(20);
    let (pipeline, writer) = Pipeline::start(store.clone(), pcfg, metrics.clone()).unwrap();
    for k in 0..4 {
        pipeline
            .submit(batch(&format!("slow{k}"), 5_000), later())
            .await
            .unwrap();
    }
    assert!(
        metrics.insert_failures.load(Relaxed) >= 1,
        "the timeout bit"
    );
    spool_drained(&metrics).await;
    // Replays that timed out too may still be committing: wait for them.
    wait_until("inserts to finish", async || {
        count(
            &store,
            "SELECT count() FROM system.processes WHERE query LIKE 'INSERT%'",
        )
        .await
            == 0
    })
    .await;
    assert_eq!(
        count(&store, "SELECT count() FROM invocations").await,
        20_000
    );
    assert_eq!(
        count(&store, "SELECT uniqExact(request_id) FROM invocations").await,
        20_000
    );
    rollup_agrees(&store).await;
    drop(pipeline);
    writer.await.unwrap();
}

/// Requests are answered once their rows are in the spool, not once an
/// INSERT has them: with a ClickHouse that accepts connections and never
/// answers, a second request is answered well within its deadline although
/// the first one's INSERT hangs (and later times out), and both are in the
/// spool for replay.
#[tokio::test(flavor = "multi_thread")]
async fn requests_are_answered_from_the_spool_while_an_insert_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let black_hole = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = black_hole.local_addr().unwrap().port();
    let (connected_tx, mut connected) = tokio::sync::watch::channel(0usize);
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((s, _)) = black_hole.accept().await {
            open.push(s);
            connected_tx.send_replace(open.len());
        }
    });
    let store = Store::connect(
        &faasight_store::ClickHouseUrl::parse(&format!("http://127.0.0.1:{port}")).unwrap(),
    );
    let mut pcfg = PipelineConfig::new(dir.path().join("spool"));
    pcfg.linger = Duration::from_millis(1);
    pcfg.insert_timeout = Duration::from_secs(6);
    let metrics = Arc::new(Metrics::default());
    let (pipeline, writer) = Pipeline::start(store, pcfg, metrics.clone()).unwrap();

    pipeline.submit(batch("first", 10), later()).await.unwrap();
    // Its INSERT has begun once the server saw a connection.
    connected.wait_for(|n| *n > 0).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    pipeline
        .submit(batch("second", 10), deadline)
        .await
        .unwrap();
    assert_eq!(
        metrics.insert_failures.load(Relaxed),
        0,
        "the INSERT still hangs"
    );
    drop(pipeline);
    writer.await.unwrap();
    held.abort();
    let mut spool = Spool::open(&dir.path().join("spool")).unwrap();
    let mut spooled = Vec::new();
    while let Some(b) = spool.peek().unwrap() {
        spooled.extend(b.invocations.into_iter().map(|r| r.request_id));
        spool.advance().unwrap();
    }
    spooled.sort();
    let mut expected: Vec<String> = ["first", "second"]
        .iter()
        .flat_map(|p| (0..10).map(move |i| format!("{p}-{i}")))
        .collect();
    expected.sort();
    assert_eq!(spooled, expected);
}
