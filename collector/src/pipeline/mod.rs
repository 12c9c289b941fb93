//! From accepted requests to durable storage: a bounded queue, an on-disk
//! spool (a write-ahead log), INSERTs as large as the load allows, and
//! replay that never stores a batch twice.
//!
//! A request is acknowledged once its rows are fsynced to the spool. The
//! rows stay in memory too, holding their share of the queue, until an
//! INSERT has them in ClickHouse; one INSERT takes every batch that piled
//! up meanwhile (see `writer`). When an INSERT fails, memory is let go and
//! the spool is replayed from disk, batch by batch in its own order, before
//! anything newer is written. Every row carries its batch's id, and every
//! INSERT the id of its first batch as its `query_id`; before a spooled
//! batch is replayed the writer asks ClickHouse what of it is already there
//! (the insert may have succeeded, or partly, although the collector saw a
//! timeout or a crash), so neither the tables nor the rollups fed by them
//! lose or double a row (see `replay`).

mod replay;
pub mod spool;
mod writer;

use crate::telemetry::Metrics;
use faasight_store::{InvocationRow, LogRow, MetricRow, SpanRow, Store};
use spool::Spool;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};

/// Settings of the write path.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Where the spool lives.
    pub spool_dir: PathBuf,
    /// Rows held in memory and not yet in ClickHouse (queued, or spooled
    /// and waiting for their INSERT), at most; beyond, requests are refused
    /// (429) until the writer catches up. After a failed INSERT, spooled
    /// rows no longer count: an outage fills the disk, not memory.
    pub max_queued_rows: usize,
    /// The same bound in bytes (the rows' approximate memory): a few rows
    /// with huge attributes must not hold more memory than many small ones.
    pub max_queued_bytes: usize,
    /// Most rows written in one INSERT, and in one spooled batch (kept below
    /// ClickHouse's block size, 1,048,576 rows).
    pub max_batch_rows: usize,
    /// Fewer rows than this wait up to `linger` for more before their
    /// INSERT, so a trickle of small requests does not become one
    /// ClickHouse part each. Requests are answered meanwhile.
    pub min_batch_rows: usize,
    /// How long a small INSERT waits for more rows.
    pub linger: Duration,
    /// INSERTs running at once. Two keep a two-core server busy: one is
    /// parsed by ClickHouse while the next group is encoded and sent.
    pub concurrent_inserts: usize,
    /// An INSERT that takes longer counts as failed (the batch is spooled;
    /// replay skips it if it did arrive).
    pub insert_timeout: Duration,
    /// How long replay's look-ups (what of a batch is stored, whether its
    /// INSERT still runs) may take.
    pub check_timeout: Duration,
    /// First wait before retrying ClickHouse after a failure (doubles up to 30 s).
    pub retry_backoff: Duration,
    /// In cluster mode, every node's HTTP URL (see
    /// `faasight_store::cluster`): a replay rebuilds a rollup key on the
    /// nodes' own tables. Empty: derived from `system.clusters`.
    pub cluster_nodes: Vec<faasight_store::ClickHouseUrl>,
}

impl PipelineConfig {
    /// Defaults with the spool under `spool_dir`.
    pub fn new(spool_dir: impl Into<PathBuf>) -> Self {
        PipelineConfig {
            spool_dir: spool_dir.into(),
            max_queued_rows: 1_000_000,
            max_queued_bytes: 512 * 1024 * 1024,
            max_batch_rows: 100_000,
            min_batch_rows: 10_000,
            linger: Duration::from_millis(200),
            // Well below the requests' 30 s: see `Pipeline::submit`. An
            // INSERT of 100,000 rows takes under a second here.
            insert_timeout: Duration::from_secs(10),
            check_timeout: Duration::from_secs(10),
            retry_backoff: Duration::from_millis(500),
            concurrent_inserts: 2,
            cluster_nodes: Vec::new(),
        }
    }
}

/// Rows of one request.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// Invocation rows.
    pub invocations: Vec<InvocationRow>,
    /// Span rows.
    pub spans: Vec<SpanRow>,
    /// Log rows.
    pub logs: Vec<LogRow>,
    /// Metric data point rows.
    pub metrics: Vec<MetricRow>,
    /// Sent by faasight's own telemetry exporter: the INSERT of these rows
    /// gets no span (a span would be exported, stored, and so on).
    pub self_telemetry: bool,
}

impl Batch {
    /// Number of rows of all kinds.
    pub fn rows(&self) -> usize {
        self.invocations.len() + self.spans.len() + self.logs.len() + self.metrics.len()
    }

    /// The rows' approximate memory.
    pub fn approx_bytes(&self) -> usize {
        approx_bytes(&self.invocations, &self.spans, &self.logs, &self.metrics)
    }
}

/// The approximate memory of rows of all kinds: what the queue bounds, and
/// what the spool sizes a record's buffer from.
fn approx_bytes(
    invocations: &[InvocationRow],
    spans: &[SpanRow],
    logs: &[LogRow],
    metrics: &[MetricRow],
) -> usize {
    invocations
        .iter()
        .map(InvocationRow::approx_bytes)
        .chain(spans.iter().map(SpanRow::approx_bytes))
        .chain(logs.iter().map(LogRow::approx_bytes))
        .chain(metrics.iter().map(MetricRow::approx_bytes))
        .sum()
}

/// Why a batch was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The queue is full: retry later.
    #[error("the collector is at capacity ({0}); retry later")]
    Overloaded(String),
    /// Neither ClickHouse nor the spool took the batch.
    #[error("the batch could not be stored: {0}")]
    Failed(String),
    /// The deadline passed while the batch still waited in the queue; it
    /// was withdrawn, nothing of it is stored.
    #[error("the request timed out before its rows were written; nothing was stored, retry")]
    TimedOut,
}

/// Where a submission stands, decided once by whoever comes first: the
/// writer taking it, or its request withdrawing it at the deadline. It
/// holds the submission's share of the queue (rows and bytes), given back
/// at once on withdrawal — not when the writer gets round to the channel
/// (it may be replaying for a while).
#[derive(Debug, Default)]
pub(crate) struct Claim {
    state: std::sync::atomic::AtomicU8,
    share: std::sync::Mutex<Option<Share>>,
}

/// A submission's share of the queue: its row and byte permits and its
/// rows in the `queued_rows` gauge, given back together, once — when the
/// share is released or, whatever path the submission took, dropped.
#[derive(Debug)]
struct Share {
    _permits: (OwnedSemaphorePermit, OwnedSemaphorePermit),
    rows: u64,
    metrics: Arc<Metrics>,
}

impl Share {
    fn new(
        permits: (OwnedSemaphorePermit, OwnedSemaphorePermit),
        rows: u64,
        metrics: Arc<Metrics>,
    ) -> Share {
        metrics
            .queued_rows
            .fetch_add(rows, std::sync::atomic::Ordering::Relaxed);
        Share {
            _permits: permits,
            rows,
            metrics,
        }
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        self.metrics
            .queued_rows
            .fetch_sub(self.rows, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Claim {
    const QUEUED: u8 = 0;
    const TAKEN: u8 = 1;
    const WITHDRAWN: u8 = 2;

    fn new(share: Share) -> Self {
        Claim {
            state: Default::default(),
            share: std::sync::Mutex::new(Some(share)),
        }
    }

    fn settle(&self, to: u8) -> bool {
        self.state
            .compare_exchange(
                Self::QUEUED,
                to,
                std::sync::atomic::Ordering::AcqRel,
                std::sync::atomic::Ordering::Acquire,
            )
            .is_ok()
    }

    /// The writer takes the submission; false if it was withdrawn.
    pub(crate) fn take(&self) -> bool {
        self.settle(Self::TAKEN)
    }

    /// Gives the submission's share of the queue back: its rows are in
    /// ClickHouse, or only on disk (after a failed INSERT), or refused.
    pub(crate) fn release(&self) {
        drop(
            self.share
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take(),
        );
    }

    /// The request gives up, and its share of the queue is free again;
    /// false if the writer already took it.
    fn withdraw(&self) -> bool {
        let withdrawn = self.settle(Self::WITHDRAWN);
        if withdrawn {
            self.release();
        }
        withdrawn
    }
}

pub(crate) struct Submission {
    batch: Batch,
    /// Rows submitted (the batch is emptied when its rows are written).
    rows: usize,
    ack: oneshot::Sender<Result<(), String>>,
    /// Also holds the submission's queue permits.
    pub(crate) claim: Arc<Claim>,
}

/// Handle for submitting batches; cheap to clone.
#[derive(Clone)]
pub struct Pipeline {
    tx: mpsc::UnboundedSender<Submission>,
    capacity: Arc<Semaphore>,
    max_queued_rows: usize,
    byte_capacity: Arc<Semaphore>,
    max_queued_bytes: usize,
    metrics: Arc<Metrics>,
}

impl Pipeline {
    /// Opens the spool and starts the writer task. The writer stops after
    /// the last handle is dropped and the queue is drained.
    pub fn start(
        store: Store,
        config: PipelineConfig,
        metrics: Arc<Metrics>,
    ) -> std::io::Result<(Pipeline, tokio::task::JoinHandle<()>)> {
        let spool = Spool::open(&config.spool_dir)?;
        metrics
            .spool_pending
            .store(spool.pending(), std::sync::atomic::Ordering::Relaxed);
        // The channel itself is unbounded, but every submission holds
        // semaphore permits for its rows, which bounds what it can hold.
        let (tx, rx) = mpsc::unbounded_channel();
        let capacity = Arc::new(Semaphore::new(config.max_queued_rows));
        let max_queued_rows = config.max_queued_rows;
        let byte_capacity = Arc::new(Semaphore::new(config.max_queued_bytes));
        let max_queued_bytes = config.max_queued_bytes;
        let handle = tokio::spawn(writer::run(store, spool, config, rx, metrics.clone()));
        Ok((
            Pipeline {
                tx,
                capacity,
                max_queued_rows,
                byte_capacity,
                max_queued_bytes,
                metrics,
            },
            handle,
        ))
    }

    /// Queues a batch and waits until it is durable. If `deadline` passes
    /// while the batch still waits in the queue, it is withdrawn and
    /// [`SubmitError::TimedOut`] returned: a request is never answered
    /// "timed out" while its rows may still be written (its sender would
    /// retry them, and they would be stored twice). Once the writer has
    /// taken the batch, the answer waits for the write or the spool, which
    /// the insert timeout bounds.
    pub async fn submit(
        &self,
        batch: Batch,
        deadline: tokio::time::Instant,
    ) -> Result<(), SubmitError> {
        let rows = batch.rows();
        if rows == 0 {
            return Ok(());
        }
        let permits = u32::try_from(rows.min(self.max_queued_rows)).unwrap_or(u32::MAX);
        let row_permit = self
            .capacity
            .clone()
            .try_acquire_many_owned(permits)
            .map_err(|_| {
                SubmitError::Overloaded(format!(
                    "{} rows queued",
                    self.max_queued_rows - self.capacity.available_permits()
                ))
            })?;
        let bytes = batch.approx_bytes().min(self.max_queued_bytes);
        let byte_permit = self
            .byte_capacity
            .clone()
            .try_acquire_many_owned(u32::try_from(bytes).unwrap_or(u32::MAX))
            .map_err(|_| {
                SubmitError::Overloaded(format!(
                    "{} MiB of rows queued",
                    (self.max_queued_bytes - self.byte_capacity.available_permits()) >> 20
                ))
            })?;
        let (ack, mut done) = oneshot::channel();
        let claim = Arc::new(Claim::new(Share::new(
            (row_permit, byte_permit),
            rows as u64,
            self.metrics.clone(),
        )));
        self.tx
            .send(Submission {
                batch,
                rows,
                ack,
                claim: claim.clone(),
            })
            .map_err(|_| SubmitError::Failed("the writer has stopped".into()))?;
        let answer = match tokio::time::timeout_at(deadline, &mut done).await {
            Ok(answer) => answer,
            Err(_) if claim.withdraw() => return Err(SubmitError::TimedOut),
            Err(_) => done.await,
        };
        match answer {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(SubmitError::Failed(e)),
            Err(_) => Err(SubmitError::Failed(
                "the writer stopped before storing the batch".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering::Relaxed;

    fn claim(queue: &Arc<Semaphore>, bytes: &Arc<Semaphore>, metrics: &Arc<Metrics>) -> Claim {
        Claim::new(Share::new(
            (
                queue.clone().try_acquire_many_owned(600).unwrap(),
                bytes.clone().try_acquire_many_owned(4096).unwrap(),
            ),
            600,
            metrics.clone(),
        ))
    }

    /// A request past its deadline withdraws its rows unless the writer has
    /// already taken them (then it waits for the answer): whichever comes
    /// first wins, and a withdrawn request's share of the queue is free at
    /// once, not when the writer gets round to it.
    #[test]
    fn a_submission_is_taken_or_withdrawn_never_both() {
        let (queue, bytes) = (
            Arc::new(Semaphore::new(1000)),
            Arc::new(Semaphore::new(8192)),
        );
        let metrics = Arc::new(Metrics::default());
        let withdrawn = claim(&queue, &bytes, &metrics);
        assert_eq!(metrics.queued_rows.load(Relaxed), 600);
        assert!(withdrawn.withdraw());
        assert_eq!(
            (queue.available_permits(), bytes.available_permits()),
            (1000, 8192)
        );
        assert_eq!(metrics.queued_rows.load(Relaxed), 0);
        assert!(!withdrawn.take(), "the writer drops a withdrawn submission");

        let taken = claim(&queue, &bytes, &metrics);
        assert!(taken.take());
        assert!(
            !taken.withdraw(),
            "a taken submission is answered by the writer"
        );
        assert_eq!(
            queue.available_permits(),
            400,
            "held until its rows are stored"
        );
        taken.release();
        taken.release();
        assert_eq!(
            (queue.available_permits(), bytes.available_permits()),
            (1000, 8192)
        );
        assert_eq!(metrics.queued_rows.load(Relaxed), 0, "given back once");

        // A submission dropped on any other path gives its share back too.
        drop(claim(&queue, &bytes, &metrics));
        assert_eq!(queue.available_permits(), 1000);
        assert_eq!(metrics.queued_rows.load(Relaxed), 0);
    }
}
