//! The single writer task: batches submissions, writes them, spools on
//! failure, replays the spool in order.

use super::replay;
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
/// with a fresh id stamped on its rows. A batch ends between submissions,
/// so a request's rows share one batch — stored or spooled together —
/// unless the request alone is larger than a batch. Also returns, per
/// submission, the index of the last batch holding any of its rows (its
/// rows are durable once every batch up to that one is).
fn into_batches(
    subs: &mut [Submission],
    max_rows: usize,
    ids: &mut BatchIds,
) -> (Vec<SpooledBatch>, Vec<usize>) {
    let mut last_batch = vec![0; subs.len()];
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
            // Numbered from 1 per table: 0 marks rows written before rows
            // were numbered (see `replay`).
            for (n, r) in b.invocations.iter_mut().enumerate() {
                (r.batch_id, r.batch_row) = (b.batch_id.clone(), n as u32 + 1);
            }
            for (n, r) in b.spans.iter_mut().enumerate() {
                (r.batch_id, r.batch_row) = (b.batch_id.clone(), n as u32 + 1);
            }
            for (n, r) in b.logs.iter_mut().enumerate() {
                (r.batch_id, r.batch_row) = (b.batch_id.clone(), n as u32 + 1);
            }
            out.push(b);
            *rows = 0;
        }
    };
    for (sub, last) in subs.iter_mut().zip(last_batch.iter_mut()) {
        if rows > 0 && rows + sub.rows > max_rows {
            flush(&mut current, &mut rows, &mut out, ids);
        }
        macro_rules! take_rows {
            ($field:ident) => {
                for row in sub.batch.$field.drain(..) {
                    current.$field.push(row);
                    rows += 1;
                    if rows >= max_rows {
                        flush(&mut current, &mut rows, &mut out, ids);
                    }
                }
            };
        }
        take_rows!(invocations);
        take_rows!(spans);
        take_rows!(logs);
        // The batch being filled, or the one just flushed.
        *last = if rows > 0 { out.len() } else { out.len() - 1 };
    }
    flush(&mut current, &mut rows, &mut out, ids);
    (out, last_batch)
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
/// server parses them on separate threads. Each INSERT carries the query id
/// replay looks for (see `replay`).
async fn write(
    store: &Store,
    b: &SpooledBatch,
    cfg: &PipelineConfig,
    metrics: &Metrics,
) -> Result<(), String> {
    let started = std::time::Instant::now();
    let id = |table: &str| replay::query_id(&b.batch_id, table);
    let (inv, spans, logs) = (id("invocations"), id("spans"), id("logs"));
    tokio::try_join!(
        timed(
            cfg.insert_timeout,
            store.insert_rows_as("invocations", &b.invocations, Some(&inv))
        ),
        timed(
            cfg.insert_timeout,
            store.insert_rows_as("spans", &b.spans, Some(&spans))
        ),
        timed(
            cfg.insert_timeout,
            store.insert_rows_as("logs", &b.logs, Some(&logs))
        ),
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

/// Appends batches to the spool. On failure, returns how many were
/// spooled and the error for the requests whose rows were not.
fn spool_batches(
    spool: &mut Spool,
    batches: &[SpooledBatch],
    metrics: &Metrics,
) -> Result<(), (usize, String)> {
    for (i, b) in batches.iter().enumerate() {
        if let Err(e) = spool.append(b) {
            tracing::error!(error = %e, "Could not spool a batch.");
            metrics
                .spool_failed
                .store(u64::from(spool.failed().is_some()), Relaxed);
            return Err((
                i,
                format!("ClickHouse is unavailable and the spool failed: {e}"),
            ));
        }
        metrics.spooled_batches.fetch_add(1, Relaxed);
    }
    Ok(())
}

/// Answers the requests: those whose rows all lie in batches before
/// `durable` (written or spooled) succeed; the others get `error`. A
/// request whose rows were stored is never told they were not (its sender
/// would send them again).
fn acknowledge(
    subs: Vec<Submission>,
    last_batch: &[usize],
    durable: usize,
    error: Option<String>,
    spool: &Spool,
    metrics: &Metrics,
) {
    metrics.spool_pending.store(spool.pending(), Relaxed);
    for (s, last) in subs.into_iter().zip(last_batch) {
        metrics.queued_rows.fetch_sub(s.rows as u64, Relaxed);
        s.claim.release();
        let result = match &error {
            Some(e) if *last >= durable => Err(e.clone()),
            _ => Ok(()),
        };
        let _ = s.ack.send(result);
    }
}

/// Spools `batches` (those from index `from` of a drain on) and answers
/// the drain's requests.
fn spool_and_acknowledge(
    spool: &mut Spool,
    batches: &[SpooledBatch],
    from: usize,
    subs: Vec<Submission>,
    last_batch: &[usize],
    metrics: &Metrics,
) {
    let (durable, error) = match spool_batches(spool, &batches[from..], metrics) {
        Ok(()) => (batches.len(), None),
        Err((spooled, e)) => (from + spooled, Some(e)),
    };
    acknowledge(subs, last_batch, durable, error, spool, metrics);
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
    let mut rows = 0;
    let mut subs = Vec::new();
    // A submission its request withdrew (deadline passed) is dropped here:
    // its request answered that nothing was stored.
    let mut take = |s: Submission, rows: &mut usize| {
        if s.claim.take() {
            *rows += s.rows;
            subs.push(s);
        }
    };
    take(first, &mut rows);
    while rows < cfg.max_batch_rows {
        match rx.try_recv() {
            Ok(s) => take(s, &mut rows),
            Err(_) => break,
        }
    }
    let deadline = Instant::now() + cfg.linger;
    while rows < cfg.min_batch_rows {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(s)) => take(s, &mut rows),
            _ => break,
        }
    }
    subs
}

/// What a write task hands back: the batches, how many of them were
/// written, the error that stopped it, and the requests to answer with the
/// last batch of each.
type WriteOutcome = (
    Vec<SpooledBatch>,
    usize,
    Option<String>,
    Vec<Submission>,
    Vec<usize>,
);

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
                let (batches, written, error, subs, last_batch) = match done {
                    Ok(outcome) => outcome,
                    Err(e) => {
                        // The task's requests see their ack dropped and fail.
                        tracing::error!(error = %e, "A write task failed.");
                        continue;
                    }
                };
                match error {
                    None => {
                        backoff = cfg.retry_backoff;
                        acknowledge(subs, &last_batch, batches.len(), None, &spool, &metrics);
                    }
                    Some(e) => {
                        tracing::warn!(error = %e, batch = %batches[written].batch_id, "Insert failed; spooling the batch.");
                        metrics.insert_failures.fetch_add(1, Relaxed);
                        next_retry = Instant::now() + backoff;
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                        spool_and_acknowledge(&mut spool, &batches, written, subs, &last_batch, &metrics);
                    }
                }
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
                if subs.is_empty() {
                    continue;
                }
                let (batches, last_batch) = into_batches(&mut subs, cfg.max_batch_rows, &mut ids);
                if spool.pending() == 0 && Instant::now() >= next_retry {
                    let (store, cfg, metrics) = (store.clone(), cfg.clone(), metrics.clone());
                    in_flight.spawn(async move {
                        let (batches, written, error) = write_all(store, batches, cfg, metrics).await;
                        (batches, written, error, subs, last_batch)
                    });
                } else {
                    spool_and_acknowledge(&mut spool, &batches, 0, subs, &last_batch, &metrics);
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
        match replay::replay(store, &batch, cfg, metrics).await {
            Ok(done) => {
                if done.rebuilt_keys > 0 {
                    metrics
                        .rollup_keys_rebuilt
                        .fetch_add(done.rebuilt_keys as u64, Relaxed);
                }
                let skipped = done.skipped_rows > 0;
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

#[cfg(test)]
mod tests {
    use super::*;
    use faasight_store::InvocationRow;

    /// Collectors writing to one cluster share no batch id: a replay asks
    /// which rows of *its* batch are stored (`batch_id = ?`), so another
    /// collector's rows can never count as its own. Ids of one writer
    /// differ by their counter, of two writers by a random prefix (the
    /// process id and the clock alone would tie for two writers started
    /// together in one process).
    #[test]
    fn two_writers_never_share_a_batch_id() {
        let writers: Vec<BatchIds> = (0..1_000).map(|_| BatchIds::new()).collect();
        let prefixes: std::collections::HashSet<u64> = writers.iter().map(|w| w.prefix).collect();
        assert_eq!(prefixes.len(), writers.len());
        let mut one = BatchIds::new();
        let (a, b) = (one.next(), one.next());
        assert_ne!(a, b);
        assert_eq!(a[..16], b[..16], "one writer keeps its prefix");
    }

    fn submission(rows: usize) -> Submission {
        let (ack, _) = tokio::sync::oneshot::channel();
        Submission {
            batch: super::super::Batch {
                invocations: vec![InvocationRow::default(); rows],
                ..Default::default()
            },
            rows,
            ack,
            claim: Default::default(),
        }
    }

    #[test]
    fn batches_end_between_requests_unless_one_is_larger_than_a_batch() {
        let mut subs: Vec<Submission> = [60, 30, 20, 250, 10].into_iter().map(submission).collect();
        let (batches, last) = into_batches(&mut subs, 100, &mut BatchIds::new());
        let sizes: Vec<usize> = batches.iter().map(|b| b.invocations.len()).collect();
        // 60+30 fit; 20 would pass 100 and starts a batch; 250 does not
        // fit beside it either, starts its own and spans 100 + 100 + 50;
        // 10 joins its last 50.
        assert_eq!(sizes, [90, 20, 100, 100, 60]);
        assert_eq!(last, [0, 0, 1, 4, 4]);
        let numbered: Vec<u32> = batches[2].invocations.iter().map(|r| r.batch_row).collect();
        assert_eq!(numbered, (1..=100).collect::<Vec<u32>>());
    }
}
