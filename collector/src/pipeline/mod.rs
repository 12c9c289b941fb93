//! From accepted requests to durable storage: a bounded queue, one writer
//! that batches, an on-disk spool for when ClickHouse is down or slow, and
//! replay that never stores a batch twice.
//!
//! A request is acknowledged only once its rows are in ClickHouse or fsynced
//! to the spool. A few INSERTs may run at once (`concurrent_inserts`); while
//! the spool holds anything, new batches are appended behind it and replay
//! waits for in-flight inserts, so the spool is replayed in its own order.
//! Every row carries its batch's id; before a spooled batch is replayed the
//! writer asks ClickHouse whether that id is already there (the insert may
//! have succeeded although the collector saw a timeout), table by table, so
//! neither the tables nor the rollups fed by them count a batch twice.

pub mod spool;
mod writer;

use crate::telemetry::Metrics;
use faasight_store::{InvocationRow, LogRow, SpanRow, Store};
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
    /// Rows accepted but not yet durable, at most; beyond, requests are
    /// refused (429) until the writer catches up.
    pub max_queued_rows: usize,
    /// Largest batch written in one INSERT (kept below ClickHouse's block
    /// size so that an insert is all-or-nothing).
    pub max_batch_rows: usize,
    /// A batch smaller than this waits up to `linger` for more rows, so a
    /// trickle of small requests does not become one ClickHouse part each.
    pub min_batch_rows: usize,
    /// How long a small batch waits for more rows.
    pub linger: Duration,
    /// An INSERT that takes longer counts as failed (the batch is spooled;
    /// replay skips it if it did arrive).
    pub insert_timeout: Duration,
    /// First wait before retrying ClickHouse after a failure (doubles up to 30 s).
    pub retry_backoff: Duration,
    /// Drains of the queue written at the same time. Two keep a two-core
    /// server busy: one INSERT is parsed while the next batch is gathered
    /// and sent.
    pub concurrent_inserts: usize,
}

impl PipelineConfig {
    /// Defaults with the spool under `spool_dir`.
    pub fn new(spool_dir: impl Into<PathBuf>) -> Self {
        PipelineConfig {
            spool_dir: spool_dir.into(),
            max_queued_rows: 1_000_000,
            max_batch_rows: 100_000,
            min_batch_rows: 10_000,
            linger: Duration::from_millis(200),
            insert_timeout: Duration::from_secs(30),
            retry_backoff: Duration::from_millis(500),
            concurrent_inserts: 2,
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
}

impl Batch {
    /// Number of rows of all kinds.
    pub fn rows(&self) -> usize {
        self.invocations.len() + self.spans.len() + self.logs.len()
    }
}

/// Why a batch was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The queue is full: retry later.
    #[error("the collector is at capacity ({0} rows queued); retry later")]
    Overloaded(usize),
    /// Neither ClickHouse nor the spool took the batch.
    #[error("the batch could not be stored: {0}")]
    Failed(String),
}

pub(crate) struct Submission {
    batch: Batch,
    /// Rows submitted (the batch is emptied when its rows are written).
    rows: usize,
    ack: oneshot::Sender<Result<(), String>>,
    _permit: OwnedSemaphorePermit,
}

/// Handle for submitting batches; cheap to clone.
#[derive(Clone)]
pub struct Pipeline {
    tx: mpsc::UnboundedSender<Submission>,
    capacity: Arc<Semaphore>,
    max_queued_rows: usize,
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
        let handle = tokio::spawn(writer::run(store, spool, config, rx, metrics.clone()));
        Ok((
            Pipeline {
                tx,
                capacity,
                max_queued_rows,
                metrics,
            },
            handle,
        ))
    }

    /// Queues a batch and waits until it is durable.
    pub async fn submit(&self, batch: Batch) -> Result<(), SubmitError> {
        let rows = batch.rows();
        if rows == 0 {
            return Ok(());
        }
        let permits = u32::try_from(rows.min(self.max_queued_rows)).unwrap_or(u32::MAX);
        let permit = self
            .capacity
            .clone()
            .try_acquire_many_owned(permits)
            .map_err(|_| {
                SubmitError::Overloaded(self.max_queued_rows - self.capacity.available_permits())
            })?;
        self.metrics
            .queued_rows
            .fetch_add(rows as u64, std::sync::atomic::Ordering::Relaxed);
        let (ack, done) = oneshot::channel();
        self.tx
            .send(Submission {
                batch,
                rows,
                ack,
                _permit: permit,
            })
            .map_err(|_| SubmitError::Failed("the writer has stopped".into()))?;
        match done.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(SubmitError::Failed(e)),
            Err(_) => Err(SubmitError::Failed(
                "the writer stopped before storing the batch".into(),
            )),
        }
    }
}
