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

/// Writes a fresh batch.
async fn write(
    store: &Store,
    b: &SpooledBatch,
    cfg: &PipelineConfig,
    metrics: &Metrics,
) -> Result<(), String> {
    let started = std::time::Instant::now();
    timed(cfg.insert_timeout, store.insert_invocations(&b.invocations)).await?;
    timed(cfg.insert_timeout, store.insert_spans(&b.spans)).await?;
    timed(cfg.insert_timeout, store.insert_logs(&b.logs)).await?;
    metrics.record_insert(
        b.invocations.len(),
        b.spans.len(),
        b.logs.len(),
        started.elapsed(),
    );
    Ok(())
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
    loop {
        let first = if spool.pending() > 0 {
            tokio::select! {
                biased;
                s = rx.recv() => match s { Some(s) => Some(s), None => break },
                _ = tokio::time::sleep_until(next_retry) => None,
            }
        } else {
            match rx.recv().await {
                Some(s) => Some(s),
                None => break,
            }
        };

        if let Some(first) = first {
            let mut subs = vec![first];
            let mut rows = subs[0].rows;
            // Take everything already waiting; then, only while the batch
            // is still small, wait up to `linger` for more. Under load the
            // queue fills while an insert runs, so batches grow by
            // themselves and nobody waits for the timer.
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
            let batches = into_batches(&mut subs, cfg.max_batch_rows, &mut ids);
            let mut result = Ok(());
            for b in &batches {
                let direct = spool.pending() == 0 && Instant::now() >= next_retry;
                if direct {
                    match write(&store, b, &cfg, &metrics).await {
                        Ok(()) => {
                            backoff = cfg.retry_backoff;
                            continue;
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, batch = %b.batch_id, "Insert failed; spooling the batch.");
                            metrics.insert_failures.fetch_add(1, Relaxed);
                            next_retry = Instant::now() + backoff;
                            backoff = (backoff * 2).min(MAX_BACKOFF);
                        }
                    }
                }
                if let Err(e) = spool.append(b) {
                    tracing::error!(error = %e, "Could not spool a batch.");
                    result = Err(format!(
                        "ClickHouse is unavailable and the spool failed: {e}"
                    ));
                    break;
                }
                metrics.spooled_batches.fetch_add(1, Relaxed);
            }
            metrics.spool_pending.store(spool.pending(), Relaxed);
            for s in subs {
                metrics.queued_rows.fetch_sub(s.rows as u64, Relaxed);
                let _ = s.ack.send(result.clone());
            }
        }

        if spool.pending() > 0 && Instant::now() >= next_retry {
            let slice_end = Instant::now() + REPLAY_SLICE;
            while Instant::now() < slice_end {
                let batch = match spool.peek() {
                    Ok(Some(b)) => b,
                    Ok(None) => break,
                    Err(e) => {
                        tracing::error!(error = %e, "Could not read the spool.");
                        next_retry = Instant::now() + MAX_BACKOFF;
                        break;
                    }
                };
                match replay(&store, &batch, &cfg, &metrics).await {
                    Ok(skipped) => {
                        if let Err(e) = spool.advance() {
                            tracing::error!(error = %e, "Could not advance the spool cursor.");
                            break;
                        }
                        metrics.replayed_batches.fetch_add(1, Relaxed);
                        if skipped {
                            metrics.duplicate_batches_skipped.fetch_add(1, Relaxed);
                        }
                        backoff = cfg.retry_backoff;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, pending = spool.pending(), "Replay failed; will retry.");
                        metrics.insert_failures.fetch_add(1, Relaxed);
                        next_retry = Instant::now() + backoff;
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                        break;
                    }
                }
            }
            metrics.spool_pending.store(spool.pending(), Relaxed);
        }
    }
    // Queue closed. Batches still in the spool are replayed at the next start.
    metrics.spool_pending.store(spool.pending(), Relaxed);
}
