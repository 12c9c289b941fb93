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
    let dir = tempfile::tempdir().unwrap();
    let cfg = LocalConfig::with_free_ports(dir.path().join("ch")).unwrap();
    let (ch, store) = start_clickhouse(&cfg).await;
    let metrics = Arc::new(Metrics::default());
    let mut pcfg = PipelineConfig::new(dir.path().join("spool"));
    pcfg.insert_timeout = Duration::from_secs(5);
    pcfg.retry_backoff = Duration::from_millis(100);
    let (pipeline, writer) = Pipeline::start(store.clone(), pcfg, metrics.clone()).unwrap();

    pipeline
        .submit(Batch {
            invocations: rows("up", 1000),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(count(&store, "SELECT count() FROM invocations").await, 1000);

    ch.stop().await.unwrap();
    // Accepted although ClickHouse is down: the spool has them.
    for k in 0..5 {
        pipeline
            .submit(Batch {
                invocations: rows(&format!("down{k}"), 2000),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    assert!(metrics.spooled_batches.load(Relaxed) >= 1);
    assert!(metrics.spool_pending.load(Relaxed) >= 1);

    let (_ch, store) = start_clickhouse(&cfg).await;
    wait_until("the spool to drain", async || {
        metrics.spool_pending.load(Relaxed) == 0
    })
    .await;
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

#[tokio::test(flavor = "multi_thread")]
async fn a_spooled_batch_that_clickhouse_already_has_is_not_stored_twice() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = LocalConfig::with_free_ports(dir.path().join("ch")).unwrap();
    let (_ch, store) = start_clickhouse(&cfg).await;

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
    let (pipeline, writer) = Pipeline::start(
        store.clone(),
        PipelineConfig::new(dir.path().join("spool")),
        metrics.clone(),
    )
    .unwrap();
    wait_until("the spool to drain", async || {
        metrics.spool_pending.load(Relaxed) == 0
    })
    .await;
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
    let dir = tempfile::tempdir().unwrap();
    let cfg = LocalConfig::with_free_ports(dir.path().join("ch")).unwrap();
    let (_ch, store) = start_clickhouse(&cfg).await;
    let mut pcfg = PipelineConfig::new(dir.path().join("spool"));
    pcfg.max_queued_rows = 1000;
    // The writer holds a batch for up to two seconds waiting for more, so
    // the first submission below still occupies the queue when the second
    // one arrives.
    pcfg.linger = Duration::from_secs(2);
    let (pipeline, _writer) = Pipeline::start(store, pcfg, Arc::new(Metrics::default())).unwrap();
    // A request larger than the whole queue is admitted when the queue is
    // empty (it takes every slot), so no request is refused forever.
    pipeline
        .submit(Batch {
            invocations: rows("big", 1001),
            ..Default::default()
        })
        .await
        .unwrap();
    let a = pipeline.clone();
    let b = pipeline.clone();
    let (ra, rb) = tokio::join!(
        a.submit(Batch {
            invocations: rows("a", 800),
            ..Default::default()
        }),
        b.submit(Batch {
            invocations: rows("b", 800),
            ..Default::default()
        }),
    );
    assert!(
        ra.is_ok() != rb.is_ok(),
        "exactly one of two 800-row batches fits a 1,000-row queue: {ra:?} {rb:?}"
    );
}
