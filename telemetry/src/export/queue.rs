//! The span queue: finished spans wait here, in a bounded channel, for the
//! exporter. A full queue drops the span and counts it; a request thread
//! never waits for the exporter, however slow or dead its endpoint.
//!
//! The SDK's own batch processor drops the same way but keeps its count to
//! itself; this one reports every drop in `faasight.telemetry.spans`
//! (`outcome` dropped) and in the collector's `/metrics`.

use crate::counters::{Outcome, SpanCounters};
use opentelemetry::Context;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanExporter, SpanProcessor};
use std::time::Duration;
use tokio::sync::mpsc;

/// Limits of the queue and of each export.
#[derive(Debug, Clone, Copy)]
pub struct QueueConfig {
    /// Spans waiting at most (`OTEL_BSP_MAX_QUEUE_SIZE`, 2,048).
    pub max_queue: usize,
    /// Spans per export at most (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`, 512).
    pub max_batch: usize,
    /// How long a span waits for more before an export (`OTEL_BSP_SCHEDULE_DELAY`, 5 s).
    pub delay: Duration,
    /// How long one export may take (`OTEL_BSP_EXPORT_TIMEOUT`, 30 s).
    pub export_timeout: Duration,
}

impl QueueConfig {
    /// The batch span processor's standard variables, else their defaults
    /// (<https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#batch-span-processor>).
    pub fn from_env() -> QueueConfig {
        let var = |name: &str, default: u64| -> u64 {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .filter(|v| *v > 0)
                .unwrap_or(default)
        };
        let max_queue = var("OTEL_BSP_MAX_QUEUE_SIZE", 2048) as usize;
        QueueConfig {
            max_queue,
            max_batch: (var("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512) as usize).min(max_queue),
            delay: Duration::from_millis(var("OTEL_BSP_SCHEDULE_DELAY", 5000)),
            export_timeout: Duration::from_millis(var("OTEL_BSP_EXPORT_TIMEOUT", 30_000)),
        }
    }
}

/// What the draining task is asked to do. The answer goes back over a
/// std channel: the caller waits with a timeout, outside the runtime.
enum Control {
    /// Export everything queued, then answer.
    Flush(std::sync::mpsc::Sender<()>),
    /// Export everything queued, shut the exporter down, answer, stop.
    Shutdown(std::sync::mpsc::Sender<()>),
}

/// A span processor feeding a bounded queue drained by a task on the
/// telemetry runtime.
#[derive(Debug)]
pub struct QueueProcessor {
    spans: mpsc::Sender<SpanData>,
    counters: &'static SpanCounters,
    control: mpsc::UnboundedSender<Control>,
}

impl QueueProcessor {
    /// Starts the draining task on `runtime`; `exporter` must already
    /// carry the resource. Outcomes are counted in `counters`
    /// (`crate::counters::COUNTERS` but in tests).
    pub fn start<E: SpanExporter + 'static>(
        exporter: E,
        config: QueueConfig,
        runtime: &tokio::runtime::Handle,
        counters: &'static SpanCounters,
    ) -> QueueProcessor {
        let (spans, rx) = mpsc::channel(config.max_queue);
        let (control, control_rx) = mpsc::unbounded_channel();
        runtime.spawn(drain(exporter, config, rx, control_rx, counters));
        QueueProcessor {
            spans,
            counters,
            control,
        }
    }

    fn ask(
        &self,
        make: fn(std::sync::mpsc::Sender<()>) -> Control,
        timeout: Duration,
    ) -> OTelSdkResult {
        let (tx, rx) = std::sync::mpsc::channel();
        self.control
            .send(make(tx))
            .map_err(|_| OTelSdkError::AlreadyShutdown)?;
        // Called from `main`, a blocking task or a test, never on the
        // telemetry runtime, so blocking here never stalls the task that
        // answers.
        match rx.recv_timeout(timeout) {
            Ok(()) => Ok(()),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                Err(OTelSdkError::AlreadyShutdown)
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(OTelSdkError::Timeout(timeout)),
        }
    }
}

impl SpanProcessor for QueueProcessor {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        if !span.span_context.is_sampled() {
            return;
        }
        if self.spans.try_send(span).is_err() {
            self.counters.add(Outcome::Dropped, 1);
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.ask(Control::Flush, Duration::from_secs(30))
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.ask(Control::Shutdown, timeout)
    }
}

async fn drain<E: SpanExporter>(
    exporter: E,
    config: QueueConfig,
    mut rx: mpsc::Receiver<SpanData>,
    mut control: mpsc::UnboundedReceiver<Control>,
    counters: &'static SpanCounters,
) {
    let mut batch: Vec<SpanData> = Vec::with_capacity(config.max_batch);
    let mut deadline = tokio::time::Instant::now() + config.delay;
    loop {
        // Below max_batch here: a full batch is exported at once.
        let room = config.max_batch - batch.len();
        tokio::select! {
            biased;
            c = control.recv() => {
                // Everything already queued goes out first.
                while let Ok(span) = rx.try_recv() {
                    batch.push(span);
                    if batch.len() >= config.max_batch {
                        export(&exporter, &mut batch, config.export_timeout, counters).await;
                    }
                }
                export(&exporter, &mut batch, config.export_timeout, counters).await;
                match c {
                    Some(Control::Flush(done)) => {
                        let _ = done.send(());
                    }
                    Some(Control::Shutdown(done)) => {
                        let _ = exporter.shutdown();
                        let _ = done.send(());
                        return;
                    }
                    None => return,
                }
            }
            n = rx.recv_many(&mut batch, room) => {
                if n == 0 {
                    // Every sender is gone: the provider was dropped.
                    export(&exporter, &mut batch, config.export_timeout, counters).await;
                    return;
                }
                if batch.len() >= config.max_batch {
                    export(&exporter, &mut batch, config.export_timeout, counters).await;
                    deadline = tokio::time::Instant::now() + config.delay;
                }
            }
            _ = tokio::time::sleep_until(deadline) => {
                export(&exporter, &mut batch, config.export_timeout, counters).await;
                deadline = tokio::time::Instant::now() + config.delay;
            }
        }
    }
}

/// Exports `batch` (emptying it) and counts the outcome.
async fn export<E: SpanExporter>(
    exporter: &E,
    batch: &mut Vec<SpanData>,
    timeout: Duration,
    counters: &SpanCounters,
) {
    if batch.is_empty() {
        return;
    }
    let spans = std::mem::take(batch);
    let n = spans.len() as u64;
    let outcome = match tokio::time::timeout(timeout, exporter.export(spans)).await {
        Ok(Ok(())) => Outcome::Exported,
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "Span export failed.");
            Outcome::Failed
        }
        Err(_) => Outcome::Failed,
    };
    counters.add(outcome, n);
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{Tracer, TracerProvider as _};
    use opentelemetry_sdk::trace::SdkTracerProvider;
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    /// Records what it is given; `stuck` makes every export hang (an
    /// endpoint that accepts connections and never answers).
    #[derive(Debug, Clone, Default)]
    struct Recorder {
        names: Arc<Mutex<Vec<String>>>,
        stuck: bool,
    }

    impl SpanExporter for Recorder {
        async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
            if self.stuck {
                std::future::pending::<()>().await;
            }
            let mut names = self.names.lock().unwrap();
            names.extend(batch.into_iter().map(|s| s.name.into_owned()));
            Ok(())
        }
    }

    fn runtime() -> (tokio::runtime::Runtime, tokio::runtime::Handle) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let handle = rt.handle().clone();
        (rt, handle)
    }

    fn config(max_queue: usize) -> QueueConfig {
        QueueConfig {
            max_queue,
            max_batch: 4,
            delay: Duration::from_secs(3600),
            export_timeout: Duration::from_secs(3600),
        }
    }

    #[test]
    fn a_flush_exports_every_queued_span_in_batches() {
        let (_rt, handle) = runtime();
        let counters: &'static SpanCounters = Box::leak(Box::default());
        let recorder = Recorder::default();
        let processor = QueueProcessor::start(recorder.clone(), config(100), &handle, counters);
        let provider = SdkTracerProvider::builder()
            .with_span_processor(processor)
            .build();
        let tracer = provider.tracer("test");
        for i in 0..10 {
            tracer.in_span(format!("span {i}"), |_| {});
        }
        provider.force_flush().unwrap();
        let names = recorder.names.lock().unwrap().clone();
        let expected: Vec<String> = (0..10).map(|i| format!("span {i}")).collect();
        assert_eq!(names, expected);
        assert_eq!(counters.get(Outcome::Exported), 10);
        assert_eq!(counters.get(Outcome::Dropped), 0);
        provider.shutdown().unwrap();
    }

    #[test]
    fn a_stuck_endpoint_drops_and_counts_and_never_blocks_the_caller() {
        let (_rt, handle) = runtime();
        let counters: &'static SpanCounters = Box::leak(Box::default());
        let recorder = Recorder {
            stuck: true,
            ..Recorder::default()
        };
        let processor = QueueProcessor::start(recorder, config(8), &handle, counters);
        let provider = SdkTracerProvider::builder()
            .with_span_processor(processor)
            .build();
        let tracer = provider.tracer("test");
        let started = Instant::now();
        for i in 0..10_000 {
            tracer.in_span(format!("span {i}"), |_| {});
        }
        let took = started.elapsed();
        // At most the queue (8) and the batch stuck in the exporter (4)
        // are held; everything else is dropped and counted.
        let dropped = counters.get(Outcome::Dropped);
        assert!((10_000 - 12..=10_000 - 8).contains(&dropped), "{dropped}");
        assert_eq!(counters.get(Outcome::Exported), 0);
        // Ending 10,000 spans is microseconds each, not an export's wait.
        assert!(took < Duration::from_secs(5), "{took:?}");
        // Shutdown gives up after its timeout instead of hanging.
        let started = Instant::now();
        assert!(provider
            .shutdown_with_timeout(Duration::from_millis(300))
            .is_err());
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
