//! The single writer task: batches submissions, writes them, spools on
//! failure, replays the spool in order.

use super::spool::{Spool, SpooledBatch};
use super::{PipelineConfig, Submission};
use crate::telemetry::Metrics;
use faasight_store::Store;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Longest the writer spends replaying before it looks at new submissions.
const REPLAY_SLICE: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

struct BatchIds {
    prefix: u64,
    next: u64,
}

impl BatchIds {
    fn new() -> Self {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos(),
        );
        h.write_u32(std::process::id());
        BatchIds {
            prefix: h.finish(),
            next: 0,
        }
    }

    fn next(&mut self) -> String {
        self.next += 1;
        format!("{:016x}-{:010}", self.prefix, self.next)
    }
}

/// Splits the submissions' rows into batches of at most `max_rows`, each
/// with a fresh id stamped on its rows.
fn into_batches(subs: &mut [Submission], max_rows: usize, ids: &mut BatchIds) -> Vec<SpooledBatch> {
    let mut out: Vec<SpooledBatch> = Vec::new();
    let mut current = SpooledBatch::default();
    let mut rows = 0;
    let flush = |current: &mut SpooledBatch,
                 rows: &mut usize,
                 out: &mut Vec<SpooledBatch>,
                 ids: &mut BatchIds| {
        if *rows > 0 {
            let mut b = std::mem::take(current);
            b.batch_id = ids.next();
            b.invocations
                .iter_mut()
                .for_each(|r| r.batch_id = b.batch_id.clone());
            b.spans
                .iter_mut()
                .for_each(|r| r.batch_id = b.batch_id.clone());
            b.logs
                .iter_mut()
                .for_each(|r| r.batch_id = b.batch_id.clone());
            out.push(b);
            *rows = 0;
        }
    };
    macro_rules! take_rows {
        ($field:ident) => {
            for sub in subs.iter_mut() {
                for row in sub.batch.$field.drain(..) {
                    current.$field.push(row);
                    rows += 1;
                    if rows >= max_rows {
                        flush(&mut current, &mut rows, &mut out, ids);
                    }
                }
            }
        };
    }
    take_rows!(invocations);
    take_rows!(spans);
    take_rows!(logs);
    flush(&mut current, &mut rows, &mut out, ids);
    out
}

async fn timed<T>(
    limit: Duration,
    f: impl std::future::Future<Output = faasight_store::Result<T>>,
) -> Result<T, String> {
    match tokio::time::timeout(limit, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {limit:?}")),
    }
}

/// Writes a fresh batch. Its tables are written concurrently: they are
/// separate INSERTs anyway (replay checks each table on its own), and the
/// server parses them on separate threads.
async fn write(
    store: &Store,
    b: &SpooledBatch,
    cfg: &PipelineConfig,
    metrics: &Metrics,
) -> Result<(), String> {
    let started = std::time::Instant::now();
    tokio::try_join!(
        timed(cfg.insert_timeout, store.insert_invocations(&b.invocations)),
        timed(cfg.insert_timeout, store.insert_spans(&b.spans)),
        timed(cfg.insert_timeout, store.insert_logs(&b.logs)),
    )?;
    metrics.record_insert(
        b.invocations.len(),
        b.spans.len(),
        b.logs.len(),
        started.elapsed(),
    );
    Ok(())
}

/// Writes the batches of one drain of the queue, in order; the first
/// failure stops it (later batches are spooled behind the failed one).
/// Returns how many batches were written.
async fn write_all(
    store: Store,
    batches: Vec<SpooledBatch>,
    cfg: PipelineConfig,
    metrics: Arc<Metrics>,
) -> (Vec<SpooledBatch>, usize, Option<String>) {
    for (i, b) in batches.iter().enumerate() {
        if let Err(e) = write(&store, b, &cfg, &metrics).await {
            return (batches, i, Some(e));
        }
    }
    let n = batches.len();
    (batches, n, None)
}

/// Rows of `table` already stored with `batch_id`.
async fn stored_rows(
    store: &Store,
    table: &str,
    batch_id: &str,
    limit: Duration,
) -> Result<u64, String> {
    let sql = format!("SELECT count() FROM {table} WHERE batch_id = ?");
    let query = store.client().query(&sql).bind(batch_id);
    match tokio::time::timeout(limit, query.fetch_one::<u64>()).await {
        Ok(Ok(n)) => Ok(n),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {limit:?}")),
    }
}

/// Replays a spooled batch, table by table, skipping tables that already
/// hold the batch's rows. Returns whether anything was skipped.
async fn replay(
    store: &Store,
    b: &SpooledBatch,
    cfg: &PipelineConfig,
    metrics: &Metrics,
) -> Result<bool, String> {
    let mut skipped = false;
    let parts: [(&str, usize); 3] = [
        ("invocations", b.invocations.len()),
        ("spans", b.spans.len()),
        ("logs", b.logs.len()),
    ];
    for (table, n) in parts {
        if n == 0 {
            continue;
        }
        let have = stored_rows(store, table, &b.batch_id, cfg.insert_timeout).await?;
        if have as usize == n {
            skipped = true;
            continue;
        }
        if have > 0 {
            // One INSERT below the block size is atomic, so this means rows
            // with the same id came from elsewhere; do not add more.
            tracing::error!(table, batch = %b.batch_id, have, expected = n, "Spooled batch is partly present; not replaying it.");
            skipped = true;
            continue;
        }
        let started = std::time::Instant::now();
        match table {
            "invocations" => {
                timed(cfg.insert_timeout, store.insert_invocations(&b.invocations)).await?
            }
            "spans" => timed(cfg.insert_timeout, store.insert_spans(&b.spans)).await?,
            _ => timed(cfg.insert_timeout, store.insert_logs(&b.logs)).await?,
        }
        let (i, s, l) = match table {
            "invocations" => (n, 0, 0),
            "spans" => (0, n, 0),
            _ => (0, 0, n),
        };
        metrics.record_insert(i, s, l, started.elapsed());
    }
    Ok(skipped)
}

/// Appends batches to the spool; the error to give their requests if it fails.
fn spool_batches(
    spool: &mut Spool,
    batches: &[SpooledBatch],
    metrics: &Metrics,
) -> Result<(), String> {
    for b in batches {
        if let Err(e) = spool.append(b) {
            tracing::error!(error = %e, "Could not spool a batch.");
            return Err(format!(
                "ClickHouse is unavailable and the spool failed: {e}"
            ));
        }
        metrics.spooled_batches.fetch_add(1, Relaxed);
    }
    Ok(())
}

/// Answers the requests whose rows are now durable (or lost, with `result`).
fn acknowledge(
    subs: Vec<Submission>,
    result: Result<(), String>,
    spool: &Spool,
    metrics: &Metrics,
) {
    metrics.spool_pending.store(spool.pending(), Relaxed);
    for s in subs {
        metrics.queued_rows.fetch_sub(s.rows as u64, Relaxed);
        let _ = s.ack.send(result.clone());
    }
}

/// Takes the submission `first` and everything already waiting, up to
/// `max_batch_rows`; then, only while that is still below
/// `min_batch_rows`, waits up to `linger` for more. Under load the queue
/// fills while inserts run, so batches grow by themselves and nobody
/// waits for the timer.
async fn gather(
    first: Submission,
    rx: &mut mpsc::UnboundedReceiver<Submission>,
    cfg: &PipelineConfig,
) -> Vec<Submission> {
    let mut rows = first.rows;
    let mut subs = vec![first];
    while rows < cfg.max_batch_rows {
        match rx.try_recv() {
            Ok(s) => {
                rows += s.rows;
                subs.push(s);
            }
            Err(_) => break,
        }
    }
    let deadline = Instant::now() + cfg.linger;
    while rows < cfg.min_batch_rows {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(s)) => {
                rows += s.rows;
                subs.push(s);
            }
            _ => break,
        }
    }
    subs
}

/// What a write task hands back: the batches, how many of them were
/// written, the error that stopped it, and the requests to answer.
type WriteOutcome = (Vec<SpooledBatch>, usize, Option<String>, Vec<Submission>);

pub(crate) async fn run(
    store: Store,
    mut spool: Spool,
    cfg: PipelineConfig,
    mut rx: mpsc::UnboundedReceiver<Submission>,
    metrics: Arc<Metrics>,
) {
    let mut ids = BatchIds::new();
    let mut backoff = cfg.retry_backoff;
    let mut next_retry = Instant::now();
    let mut in_flight: tokio::task::JoinSet<WriteOutcome> = tokio::task::JoinSet::new();
    let max_in_flight = cfg.concurrent_inserts.max(1);
    let mut open = true;
    while open || !in_flight.is_empty() {
        // Replay only when no fresh write is in flight, so the spool is the
        // single source of order while it holds anything.
        let replay_due = spool.pending() > 0 && in_flight.is_empty();
        tokio::select! {
            biased;
            Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                let (batches, written, error, subs) = match done {
                    Ok(outcome) => outcome,
                    Err(e) => {
                        // The task's requests see their ack dropped and fail.
                        tracing::error!(error = %e, "A write task failed.");
                        continue;
                    }
                };
                let result = match error {
                    None => {
                        backoff = cfg.retry_backoff;
                        Ok(())
                    }
                    Some(e) => {
                        tracing::warn!(error = %e, batch = %batches[written].batch_id, "Insert failed; spooling the batch.");
                        metrics.insert_failures.fetch_add(1, Relaxed);
                        next_retry = Instant::now() + backoff;
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                        spool_batches(&mut spool, &batches[written..], &metrics)
                    }
                };
                acknowledge(subs, result, &spool, &metrics);
            }
            _ = tokio::time::sleep_until(next_retry), if replay_due => {
                replay_slice(&store, &mut spool, &cfg, &metrics, &mut backoff, &mut next_retry).await;
            }
            s = rx.recv(), if open && in_flight.len() < max_in_flight => {
                let Some(first) = s else {
                    open = false;
                    continue;
                };
                let mut subs = gather(first, &mut rx, &cfg).await;
                let batches = into_batches(&mut subs, cfg.max_batch_rows, &mut ids);
                if spool.pending() == 0 && Instant::now() >= next_retry {
                    let (store, cfg, metrics) = (store.clone(), cfg.clone(), metrics.clone());
                    in_flight.spawn(async move {
                        let (batches, written, error) = write_all(store, batches, cfg, metrics).await;
                        (batches, written, error, subs)
                    });
                } else {
                    let result = spool_batches(&mut spool, &batches, &metrics);
                    acknowledge(subs, result, &spool, &metrics);
                }
            }
        }
    }
    // Queue closed. Batches still in the spool are replayed at the next start.
    metrics.spool_pending.store(spool.pending(), Relaxed);
}

/// Replays spooled batches for up to [`REPLAY_SLICE`], then returns so new
/// submissions are looked at.
async fn replay_slice(
    store: &Store,
    spool: &mut Spool,
    cfg: &PipelineConfig,
    metrics: &Metrics,
    backoff: &mut Duration,
    next_retry: &mut Instant,
) {
    let slice_end = Instant::now() + REPLAY_SLICE;
    while Instant::now() < slice_end {
        let batch = match spool.peek() {
            Ok(Some(b)) => b,
            Ok(None) => break,
            Err(e) => {
                tracing::error!(error = %e, "Could not read the spool.");
                *next_retry = Instant::now() + MAX_BACKOFF;
                break;
            }
        };
        match replay(store, &batch, cfg, metrics).await {
            Ok(skipped) => {
                if let Err(e) = spool.advance() {
                    tracing::error!(error = %e, "Could not advance the spool cursor.");
                    *next_retry = Instant::now() + MAX_BACKOFF;
                    break;
                }
                metrics.replayed_batches.fetch_add(1, Relaxed);
                if skipped {
                    metrics.duplicate_batches_skipped.fetch_add(1, Relaxed);
                }
                *backoff = cfg.retry_backoff;
            }
            Err(e) => {
                tracing::warn!(error = %e, pending = spool.pending(), "Replay failed; will retry.");
                metrics.insert_failures.fetch_add(1, Relaxed);
                *next_retry = Instant::now() + *backoff;
                *backoff = (*backoff * 2).min(MAX_BACKOFF);
                break;
            }
        }
    }
    metrics.spool_pending.store(spool.pending(), Relaxed);
}
