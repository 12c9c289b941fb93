//! The write path's two tasks: the *acceptor* spools what requests submit
//! and acknowledges it; the *inserter* writes the spool to ClickHouse in
//! groups as large as have piled up, and replays it record by record
//! (checking what is already stored) after a failure or a restart.
//!
//! Why two: a request is answered once its rows are fsynced to the spool,
//! not once they are in ClickHouse, so senders do not wait on INSERTs and
//! an INSERT takes everything that arrived during the previous one. On a
//! two-core machine the number of INSERTs is what ClickHouse's cost
//! follows (every INSERT writes a part per day partition of the table and
//! of its rollup, and creating a part's files dominates its CPU, measured
//! in docs/performance.md), so fewer, larger INSERTs leave the cores to
//! decoding.

use super::replay;
use super::spool::{Position, Spool, SpooledBatch};
use super::{Claim, PipelineConfig, Submission};
use crate::telemetry::Metrics;
use faasight_store::Store;
use std::collections::VecDeque;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{mpsc, Notify};
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
            for (n, r) in b.metrics.iter_mut().enumerate() {
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
        let traced = !sub.batch.self_telemetry;
        macro_rules! take_rows {
            ($field:ident) => {
                let room = max_rows.saturating_sub(rows).max(1);
                current.$field.reserve(sub.batch.$field.len().min(room));
                for row in sub.batch.$field.drain(..) {
                    current.$field.push(row);
                    current.traced.$field |= traced;
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
        take_rows!(metrics);
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
    let t = cfg.insert_timeout;
    let traced = b.traced;
    tokio::try_join!(
        insert_table(
            store,
            b,
            "invocations",
            &b.invocations,
            traced.invocations,
            t
        ),
        insert_table(store, b, "spans", &b.spans, traced.spans, t),
        insert_table(store, b, "logs", &b.logs, traced.logs, t),
        insert_table(store, b, "metrics", &b.metrics, traced.metrics, t),
    )?;
    metrics.record_insert(
        &[
            ("invocations", b.invocations.len()),
            ("spans", b.spans.len()),
            ("logs", b.logs.len()),
            ("metrics", b.metrics.len()),
        ],
        started.elapsed(),
    );
    Ok(())
}

/// One table's INSERT of batch `b`, with the query id replay looks for,
/// in a span of its own when `traced` (see `SpooledBatch::traced`).
async fn insert_table<T>(
    store: &Store,
    b: &SpooledBatch,
    table: &'static str,
    rows: &[T],
    traced: bool,
    limit: Duration,
) -> Result<(), String>
where
    T: clickhouse::RowOwned + clickhouse::RowWrite,
{
    use tracing::Instrument;
    if rows.is_empty() {
        return Ok(());
    }
    let query_id = replay::query_id(&b.batch_id, table);
    let span = if traced {
        let span = faasight_telemetry::db::statement_span("INSERT", table);
        span.record("db.collection.name", table);
        span.record("faasight.batch_id", b.batch_id.as_str());
        faasight_telemetry::db::record_rows(&span, "INSERT", rows.len());
        span
    } else {
        tracing::Span::none()
    };
    let result = timed(limit, store.insert_rows_as(table, rows, Some(&query_id)))
        .instrument(span.clone())
        .await;
    if result.is_err() {
        faasight_telemetry::db::record_error(&span, "insert_failed");
    }
    result
}

/// Queue shares still held after a request was answered: its rows are
/// spooled and kept in memory for the inserter, and count against the
/// queue until they are in ClickHouse (or only on disk).
#[derive(Default)]
struct Held(Vec<Arc<Claim>>);

impl Held {
    fn release(self) {
        for claim in self.0 {
            claim.release();
        }
    }
}

/// A spooled batch still in memory, waiting for its INSERT.
struct Cached {
    batch: SpooledBatch,
    /// Where the spool's cursor moves once the batch is stored.
    end: Position,
    held: Held,
}

/// What the acceptor and the inserter share. Never locked across an await.
struct State {
    spool: Spool,
    /// The newest pending batches of the spool, in memory, in order: the
    /// inserter writes them without reading the spool back. Always a
    /// suffix of the spool's pending batches (the inserter takes groups
    /// from its front only when nothing older is pending).
    cached: VecDeque<Cached>,
    /// Whether the acceptor keeps new batches in `cached`. Off from a
    /// failed INSERT (its batches must be replayed with checks, from disk)
    /// and at a start with batches left in the spool, until the spool has
    /// been replayed empty; meanwhile memory is freed as soon as a batch is
    /// on disk, so an outage fills the disk, not the queue.
    caching: bool,
    /// The acceptor has stopped (the queue is closed).
    closed: bool,
}

struct Shared {
    state: Mutex<State>,
    /// Woken when the acceptor spools a batch or stops.
    spooled: Notify,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Takes the submission `first` and everything already waiting, up to
/// `max_rows`. No waiting for more: requests are answered once spooled,
/// and it is the inserter that gathers rows into large INSERTs.
fn gather(
    first: Submission,
    rx: &mut mpsc::UnboundedReceiver<Submission>,
    max_rows: usize,
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
    while rows < max_rows {
        match rx.try_recv() {
            Ok(s) => take(s, &mut rows),
            Err(_) => break,
        }
    }
    subs
}

/// The acceptor: spools every drain of the queue and answers its requests.
/// A request whose rows are not all spooled (the disk failed) gets the
/// error; one whose rows are is never told they were not (its sender would
/// send them again).
async fn accept(
    shared: Arc<Shared>,
    cfg: PipelineConfig,
    mut rx: mpsc::UnboundedReceiver<Submission>,
    metrics: Arc<Metrics>,
) {
    let mut ids = BatchIds::new();
    while let Some(first) = rx.recv().await {
        let mut subs = gather(first, &mut rx, cfg.max_batch_rows);
        if subs.is_empty() {
            continue;
        }
        let (batches, last_batch) = into_batches(&mut subs, cfg.max_batch_rows, &mut ids);
        // A request's queue share goes with the last batch holding its rows.
        let mut held: Vec<Held> = batches.iter().map(|_| Held::default()).collect();
        let mut acks = Vec::with_capacity(subs.len());
        for (s, &last) in subs.into_iter().zip(&last_batch) {
            held[last].0.push(s.claim);
            acks.push((s.ack, last));
        }
        let mut durable = batches.len();
        let mut error = None;
        {
            let mut state = shared.lock();
            for (i, (batch, held)) in batches.into_iter().zip(held).enumerate() {
                if error.is_some() {
                    held.release();
                    continue;
                }
                match state.spool.append(&batch) {
                    Ok(end) => {
                        metrics.spooled_batches.fetch_add(1, Relaxed);
                        if state.caching {
                            state.cached.push_back(Cached { batch, end, held });
                        } else {
                            held.release();
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "Could not spool a batch.");
                        metrics
                            .spool_failed
                            .store(u64::from(state.spool.failed().is_some()), Relaxed);
                        held.release();
                        durable = i;
                        error = Some(format!("the batch could not be spooled: {e}"));
                    }
                }
            }
            metrics.spool_pending.store(state.spool.pending(), Relaxed);
        }
        shared.spooled.notify_one();
        for (ack, last) in acks {
            let result = match &error {
                Some(e) if last >= durable => Err(e.clone()),
                _ => Ok(()),
            };
            let _ = ack.send(result);
        }
    }
    shared.lock().closed = true;
    shared.spooled.notify_one();
}

fn cached_rows(state: &State) -> usize {
    state.cached.iter().map(|c| c.batch.rows()).sum()
}

/// Takes from the front of `cached` a group of batches for one INSERT: at
/// most `max_rows` rows (a batch larger than that alone goes alone), and
/// the batches' own rows and ids unchanged — replay after a failure checks
/// each batch by its own id.
fn take_group(cached: &mut VecDeque<Cached>, max_rows: usize) -> Vec<Cached> {
    let mut group = Vec::new();
    let mut rows = 0;
    while let Some(next) = cached.front() {
        let n = next.batch.rows();
        if !group.is_empty() && rows + n > max_rows {
            break;
        }
        rows += n;
        group.extend(cached.pop_front());
    }
    group
}

/// The group's rows as one batch for [`write`]. Its id is the first
/// batch's, so the INSERTs carry that batch's query ids: replay, which
/// goes through the spool in order, waits on them before it looks at any
/// batch of the group.
fn merged(group: Vec<SpooledBatch>) -> SpooledBatch {
    let mut out = SpooledBatch {
        batch_id: group
            .first()
            .map(|b| b.batch_id.clone())
            .unwrap_or_default(),
        invocations: Vec::with_capacity(group.iter().map(|b| b.invocations.len()).sum()),
        spans: Vec::with_capacity(group.iter().map(|b| b.spans.len()).sum()),
        logs: Vec::with_capacity(group.iter().map(|b| b.logs.len()).sum()),
        metrics: Vec::with_capacity(group.iter().map(|b| b.metrics.len()).sum()),
        traced: Default::default(),
    };
    for mut b in group {
        out.traced.invocations |= b.traced.invocations;
        out.traced.spans |= b.traced.spans;
        out.traced.logs |= b.traced.logs;
        out.traced.metrics |= b.traced.metrics;
        out.invocations.append(&mut b.invocations);
        out.spans.append(&mut b.spans);
        out.logs.append(&mut b.logs);
        out.metrics.append(&mut b.metrics);
    }
    out
}

/// A group whose INSERT was started, in spool order.
struct InFlight {
    /// Numbers the groups of one inserter.
    number: u64,
    /// Where the spool's cursor moves once this group and every earlier
    /// one are stored.
    end: Position,
    batches: u64,
    held: Vec<Held>,
    /// `Some(true)` stored, `Some(false)` failed, `None` still running.
    stored: Option<bool>,
}

/// What an INSERT task hands back: its group's number and how it went.
type GroupOutcome = (u64, Result<(), String>);

/// The inserter's own state.
struct Inserter {
    store: Store,
    shared: Arc<Shared>,
    cfg: PipelineConfig,
    metrics: Arc<Metrics>,
    running: tokio::task::JoinSet<GroupOutcome>,
    groups: VecDeque<InFlight>,
    next_number: u64,
    /// An INSERT of the current groups failed: no new group starts until
    /// the running ones have ended, then the spool is replayed from disk.
    failed: bool,
    /// How many of the oldest pending batches may be stored already, in
    /// whole or in part (their INSERT was attempted, or they were left by
    /// an earlier run): they are replayed one by one with checks. Batches
    /// behind them were never attempted and go from disk in groups.
    unchecked: u64,
    backoff: Duration,
    next_retry: Instant,
}

impl Inserter {
    /// An INSERT (or a replay) failed: counted, and the next attempt waits,
    /// twice as long after every failure in a row, up to [`MAX_BACKOFF`].
    fn attempt_failed(&mut self) {
        self.metrics.insert_failures.fetch_add(1, Relaxed);
        self.next_retry = Instant::now() + self.backoff;
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
    }

    /// The spool's disk failed `doing` something: logged, and the next
    /// attempt waits the longest backoff (the disk, not ClickHouse, has to
    /// recover).
    fn spool_io_failed(&mut self, doing: &str, e: &std::io::Error) {
        tracing::error!(error = %e, "Could not {doing}.");
        self.next_retry = Instant::now() + MAX_BACKOFF;
    }

    /// From now on the pending batches go from disk: new ones are not kept
    /// in memory, and the cached ones give their share of the queue back.
    fn stop_caching(&self) {
        let mut state = self.shared.lock();
        state.caching = false;
        for c in state.cached.drain(..) {
            c.held.release();
        }
    }

    /// Starts the INSERT of the next group of cached batches.
    fn start_group(&mut self) {
        let group = take_group(&mut self.shared.lock().cached, self.cfg.max_batch_rows);
        let Some(end) = group.last().map(|c| c.end) else {
            return;
        };
        let batches = group.len() as u64;
        let (group, held): (Vec<SpooledBatch>, Vec<Held>) =
            group.into_iter().map(|c| (c.batch, c.held)).unzip();
        let batch = merged(group);
        let number = self.next_number;
        self.next_number += 1;
        self.groups.push_back(InFlight {
            number,
            end,
            batches,
            held,
            stored: None,
        });
        let (store, cfg, metrics) = (self.store.clone(), self.cfg.clone(), self.metrics.clone());
        self.running.spawn(async move {
            let result = write(&store, &batch, &cfg, &metrics).await;
            if let Err(e) = &result {
                tracing::warn!(error = %e, batch = %batch.batch_id, "Insert failed; replaying from the spool.");
            }
            (number, result)
        });
    }

    /// Records how a group's INSERT ended, and moves the spool's cursor
    /// past every group stored in order from the oldest.
    fn finished(&mut self, joined: Option<Result<GroupOutcome, tokio::task::JoinError>>) {
        let (number, stored) = match joined {
            Some(Ok((number, result))) => (Some(number), result.is_ok()),
            // A panicked INSERT task: which group it was is unknown, so
            // every running group is treated as failed.
            Some(Err(e)) => {
                tracing::error!(error = %e, "An insert task failed.");
                (None, false)
            }
            None => return,
        };
        for g in self.groups.iter_mut() {
            if number.is_none_or(|n| n == g.number) && g.stored.is_none() {
                g.stored = Some(stored);
            }
        }
        if stored {
            self.backoff = self.cfg.retry_backoff;
        } else {
            self.attempt_failed();
            if !self.failed {
                // The group may be partly stored: every pending batch is
                // replayed from disk with checks, and memory is freed.
                self.failed = true;
                self.stop_caching();
            }
        }
        while self.groups.front().is_some_and(|g| g.stored == Some(true)) {
            let Some(g) = self.groups.pop_front() else {
                break;
            };
            let mut state = self.shared.lock();
            if let Err(e) = state.spool.advance_to(g.end, g.batches) {
                // The rows are stored; with the cursor behind them they are
                // replayed with checks, which skips them. No later group
                // may move the cursor past them.
                tracing::error!(error = %e, "Could not advance the spool cursor.");
                drop(state);
                self.stop_caching();
                self.failed = true;
                self.groups.push_front(g);
                break;
            }
            self.metrics
                .spool_pending
                .store(state.spool.pending(), Relaxed);
            drop(state);
            for h in g.held {
                h.release();
            }
        }
        if self.failed && self.running.is_empty() {
            // The groups not yet behind the cursor were attempted: replayed
            // with checks. Batches cached behind them were not.
            self.unchecked = self.groups.iter().map(|g| g.batches).sum();
            for g in self.groups.drain(..) {
                for h in g.held {
                    h.release();
                }
            }
            self.failed = false;
        }
    }

    /// Writes the oldest pending batches, never attempted, from disk in one
    /// group: how the spool catches up after a failure without a
    /// ClickHouse part per small batch.
    async fn insert_from_disk(&mut self) {
        let read = self.shared.lock().spool.read_ahead(self.cfg.max_batch_rows);
        let (group, end) = match read {
            Ok((group, end)) if !group.is_empty() => (group, end),
            Ok(_) => {
                // A corrupt record at the head: checked replay skips it.
                self.unchecked = 1;
                return;
            }
            Err(e) => {
                self.spool_io_failed("read the spool", &e);
                return;
            }
        };
        let batches = group.len() as u64;
        let batch = merged(group);
        match write(&self.store, &batch, &self.cfg, &self.metrics).await {
            Ok(()) => {
                self.backoff = self.cfg.retry_backoff;
                let advanced = {
                    let mut state = self.shared.lock();
                    let advanced = state.spool.advance_to(end, batches);
                    self.metrics
                        .spool_pending
                        .store(state.spool.pending(), Relaxed);
                    advanced
                };
                if let Err(e) = advanced {
                    self.unchecked = batches;
                    self.spool_io_failed("advance the spool cursor", &e);
                }
                self.metrics.replayed_batches.fetch_add(batches, Relaxed);
            }
            Err(e) => {
                tracing::warn!(error = %e, batch = %batch.batch_id, "Insert from the spool failed; will retry with checks.");
                self.unchecked = batches;
                self.attempt_failed();
            }
        }
    }

    /// Batches still in the spool that are neither cached nor in a running
    /// group: they are replayed from disk before anything newer is written.
    fn on_disk(&self, state: &State) -> bool {
        let in_groups: u64 = self.groups.iter().map(|g| g.batches).sum();
        state.spool.pending() > state.cached.len() as u64 + in_groups
    }
}

/// The inserter: writes cached batches in groups, up to
/// `concurrent_inserts` at once; after a failure (and at a start with a
/// non-empty spool) replays the spool from disk first.
async fn insert(store: Store, shared: Arc<Shared>, cfg: PipelineConfig, metrics: Arc<Metrics>) {
    // Batches left by an earlier run may be stored in part.
    let unchecked = shared.lock().spool.pending();
    let mut ins = Inserter {
        store,
        shared,
        backoff: cfg.retry_backoff,
        next_retry: Instant::now(),
        cfg,
        metrics,
        running: tokio::task::JoinSet::new(),
        groups: VecDeque::new(),
        next_number: 0,
        failed: false,
        unchecked,
    };
    let max_running = ins.cfg.concurrent_inserts.max(1);
    loop {
        if ins.failed && !ins.running.is_empty() {
            let joined = ins.running.join_next().await;
            ins.finished(joined);
            continue;
        }
        let (on_disk, waiting_rows, closed) = {
            let mut state = ins.shared.lock();
            if !state.caching && state.spool.pending() == 0 {
                // Caught up: new batches stay in memory again (`cached` is
                // empty, so it is a suffix of the pending batches).
                state.caching = true;
            }
            (ins.on_disk(&state), cached_rows(&state), state.closed)
        };
        if on_disk && ins.running.is_empty() {
            if closed {
                // Replayed at the next start.
                break;
            }
            if Instant::now() < ins.next_retry {
                tokio::select! {
                    _ = tokio::time::sleep_until(ins.next_retry) => {}
                    _ = ins.shared.spooled.notified() => {}
                }
                continue;
            }
            if ins.unchecked > 0 {
                replay_slice(&mut ins).await;
            } else {
                ins.insert_from_disk().await;
            }
            continue;
        }
        let busy = !ins.running.is_empty();
        // A second INSERT beside a running one only for a full group's
        // worth of rows; otherwise wait for the running one or for more.
        let start_now = waiting_rows > 0
            && ins.running.len() < max_running
            && (waiting_rows >= ins.cfg.min_batch_rows || (!busy && closed));
        if start_now {
            ins.start_group();
            continue;
        }
        if busy {
            tokio::select! {
                joined = ins.running.join_next() => ins.finished(joined),
                _ = ins.shared.spooled.notified() => {}
            }
            continue;
        }
        if waiting_rows == 0 {
            if closed {
                break;
            }
            ins.shared.spooled.notified().await;
            continue;
        }
        // A trickle: wait a little for more, so that it does not make a
        // ClickHouse part per request.
        let shared = ins.shared.clone();
        let min = ins.cfg.min_batch_rows;
        let _ = tokio::time::timeout(ins.cfg.linger, async {
            loop {
                shared.spooled.notified().await;
                let state = shared.lock();
                if cached_rows(&state) >= min || state.closed {
                    break;
                }
            }
        })
        .await;
        ins.start_group();
    }
    ins.metrics
        .spool_pending
        .store(ins.shared.lock().spool.pending(), Relaxed);
}

pub(crate) async fn run(
    store: Store,
    spool: Spool,
    cfg: PipelineConfig,
    rx: mpsc::UnboundedReceiver<Submission>,
    metrics: Arc<Metrics>,
) {
    let caching = spool.pending() == 0;
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            spool,
            cached: VecDeque::new(),
            caching,
            closed: false,
        }),
        spooled: Notify::new(),
    });
    let inserter = tokio::spawn(insert(store, shared.clone(), cfg.clone(), metrics.clone()));
    accept(shared, cfg, rx, metrics).await;
    if let Err(e) = inserter.await {
        tracing::error!(error = %e, "The inserter failed.");
    }
}

/// Replays the unchecked batches at the head of the spool (see
/// [`Inserter::unchecked`]) one by one with checks, for up to
/// [`REPLAY_SLICE`], then returns so that the inserter looks at the state
/// again.
async fn replay_slice(ins: &mut Inserter) {
    let slice_end = Instant::now() + REPLAY_SLICE;
    while ins.unchecked > 0 && Instant::now() < slice_end {
        // Only the acceptor appends meanwhile, so the oldest pending batch
        // stays the oldest while it is replayed without the lock.
        let peeked = ins.shared.lock().spool.peek();
        let batch = match peeked {
            Ok(Some(b)) => b,
            Ok(None) => {
                ins.unchecked = 0;
                break;
            }
            Err(e) => {
                ins.spool_io_failed("read the spool", &e);
                break;
            }
        };
        let span = faasight_telemetry::export_span!(
            "replay",
            otel.name = "spool replay",
            otel.status_code = tracing::field::Empty,
            faasight.batch_id = batch.batch_id.as_str(),
            faasight.rows = batch.rows() as u64,
            faasight.replay.inserted_rows = tracing::field::Empty,
            faasight.replay.skipped_rows = tracing::field::Empty,
        );
        let replayed = tracing::Instrument::instrument(
            replay::replay(&ins.store, &batch, &ins.cfg, &ins.metrics),
            span.clone(),
        )
        .await;
        match replayed {
            Ok(done) => {
                span.record("faasight.replay.inserted_rows", done.inserted_rows as u64);
                span.record("faasight.replay.skipped_rows", done.skipped_rows as u64);
                if done.rebuilt_keys > 0 {
                    ins.metrics
                        .rollup_keys_rebuilt
                        .fetch_add(done.rebuilt_keys as u64, Relaxed);
                }
                let skipped = done.skipped_rows > 0;
                let advanced = ins.shared.lock().spool.advance();
                if let Err(e) = advanced {
                    ins.spool_io_failed("advance the spool cursor", &e);
                    break;
                }
                ins.unchecked -= 1;
                ins.metrics.replayed_batches.fetch_add(1, Relaxed);
                if skipped {
                    ins.metrics.duplicate_batches_skipped.fetch_add(1, Relaxed);
                }
                ins.backoff = ins.cfg.retry_backoff;
            }
            Err(e) => {
                span.record("otel.status_code", "error");
                tracing::warn!(error = %e, pending = ins.shared.lock().spool.pending(), "Replay failed; will retry.");
                ins.attempt_failed();
                break;
            }
        }
    }
    ins.metrics
        .spool_pending
        .store(ins.shared.lock().spool.pending(), Relaxed);
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
