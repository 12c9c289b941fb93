//! The collector's own metrics, served as Prometheus text on `/metrics`
//! and, when self-telemetry is on, as OpenTelemetry metrics (see
//! [`Metrics::observe_with_opentelemetry`]).
//!
//! Counters end in `_total`; label values come from fixed sets (receiver
//! names, rejection reasons, table names), never from request data.

use opentelemetry::metrics::Histogram;
use opentelemetry::KeyValue;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// `db.client.operation.duration` for the collector's INSERTs, made on
/// first use (after `main` installed the SDK, or not).
fn insert_duration() -> &'static Histogram<f64> {
    static H: OnceLock<Histogram<f64>> = OnceLock::new();
    H.get_or_init(|| {
        opentelemetry::global::meter(faasight_telemetry::SCOPE)
            .f64_histogram("db.client.operation.duration")
            .with_unit("s")
            .with_description("Duration of the collector's INSERTs into ClickHouse.")
            .with_boundaries(LATENCY_BUCKETS.to_vec())
            .build()
    })
}

/// An instrument read from one atomic: name, unit, description, the cell.
type Observed = (
    &'static str,
    &'static str,
    &'static str,
    fn(&Metrics) -> &AtomicU64,
);

/// A copy of a labelled counter's values.
fn snapshot<K>(
    m: &Mutex<BTreeMap<K, u64>>,
    label: fn(&K) -> &'static str,
) -> Vec<(&'static str, u64)> {
    m.lock()
        .map(|m| m.iter().map(|(k, v)| (label(k), *v)).collect())
        .unwrap_or_default()
}

/// Upper bounds (seconds) of the insert latency histogram (also the
/// OpenTelemetry `db.client.operation.duration` buckets).
const LATENCY_BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0];

/// Why a request was refused (the `reason` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RejectReason {
    /// Undecodable body or invalid records (400).
    Malformed,
    /// Missing or unknown token (401, 403).
    Unauthorized,
    /// Took longer than the request timeout (408).
    Timeout,
    /// Body over the size limit, after decompression (413).
    TooLarge,
    /// Content type not accepted (415).
    UnsupportedMediaType,
    /// Queue full or too many requests in flight (429, 503 from load shedding).
    Overloaded,
    /// Neither ClickHouse nor the spool took the data (503 from a handler, 500).
    StorageFailed,
}

impl RejectReason {
    fn label(self) -> &'static str {
        match self {
            RejectReason::Malformed => "malformed",
            RejectReason::Unauthorized => "unauthorized",
            RejectReason::Timeout => "timeout",
            RejectReason::TooLarge => "too_large",
            RejectReason::UnsupportedMediaType => "unsupported_media_type",
            RejectReason::Overloaded => "overloaded",
            RejectReason::StorageFailed => "storage_failed",
        }
    }

    /// The reason behind an error status, if it is one.
    pub fn from_status(status: u16, overloaded: bool) -> Option<RejectReason> {
        Some(match status {
            400 | 422 => RejectReason::Malformed,
            401 | 403 => RejectReason::Unauthorized,
            408 => RejectReason::Timeout,
            413 => RejectReason::TooLarge,
            415 => RejectReason::UnsupportedMediaType,
            429 => RejectReason::Overloaded,
            503 if overloaded => RejectReason::Overloaded,
            500..=599 => RejectReason::StorageFailed,
            _ => return None,
        })
    }
}

/// Counters and gauges of one collector process.
#[derive(Debug, Default)]
pub struct Metrics {
    received: Mutex<BTreeMap<&'static str, u64>>,
    rejected: Mutex<BTreeMap<RejectReason, u64>>,
    inserted: Mutex<BTreeMap<&'static str, u64>>,
    latency_buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
    /// Batches written to the spool: every acknowledged batch.
    pub spooled_batches: AtomicU64,
    /// Spooled batches replayed from disk after a failed INSERT or a
    /// restart (inserted, or found already stored).
    pub replayed_batches: AtomicU64,
    /// Replayed batches that ClickHouse already had (not inserted again).
    pub duplicate_batches_skipped: AtomicU64,
    /// Failed inserts (each leads to spooling or a later retry).
    pub insert_failures: AtomicU64,
    /// Hourly rollup keys rebuilt because a crashed insert left them
    /// behind the invocations table.
    pub rollup_keys_rebuilt: AtomicU64,
    /// 1 once the spool refuses writes (an fsync failed): the collector
    /// must be restarted; `/readyz` says so.
    pub spool_failed: AtomicU64,
    /// Rows held in memory and not yet in ClickHouse.
    pub queued_rows: AtomicU64,
    /// Batches acknowledged and not yet in ClickHouse.
    pub spool_pending: AtomicU64,
}

impl Metrics {
    /// Counts records accepted by a receiver.
    pub fn received(&self, receiver: &'static str, records: usize) {
        if let Ok(mut m) = self.received.lock() {
            *m.entry(receiver).or_default() += records as u64;
        }
    }

    /// Counts a refused request.
    pub fn rejected(&self, reason: RejectReason) {
        if let Ok(mut m) = self.rejected.lock() {
            *m.entry(reason).or_default() += 1;
        }
    }

    /// Records a successful insert of `rows` per table.
    pub fn record_insert(&self, rows: &[(&'static str, usize)], took: Duration) {
        if let Ok(mut m) = self.inserted.lock() {
            for &(table, n) in rows {
                if n > 0 {
                    *m.entry(table).or_default() += n as u64;
                }
            }
        }
        let secs = took.as_secs_f64();
        for (bucket, bound) in self.latency_buckets.iter().zip(LATENCY_BUCKETS) {
            if secs <= bound {
                bucket.fetch_add(1, Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Relaxed);
        self.latency_sum_micros
            .fetch_add(took.as_micros() as u64, Relaxed);
        insert_duration().record(
            secs,
            &[
                KeyValue::new("db.system.name", "clickhouse"),
                KeyValue::new("db.operation.name", "INSERT"),
            ],
        );
    }

    /// Reports every counter and gauge of `/metrics` as an OpenTelemetry
    /// instrument too, read when the SDK collects (nothing is recorded
    /// twice on the request path). Names follow
    /// `faasight.collector.<quantity>`; units are UCUM annotations.
    /// Without an installed SDK the instruments are no-ops. The callbacks
    /// keep the metrics alive: the last export, at shutdown, comes after
    /// the collector is gone and still reports its final counts.
    pub fn observe_with_opentelemetry(self: &Arc<Self>) {
        let meter = opentelemetry::global::meter(faasight_telemetry::SCOPE);
        let labelled = |name: &'static str,
                        unit: &'static str,
                        description: &'static str,
                        key: &'static str,
                        read: fn(&Metrics) -> Vec<(&'static str, u64)>| {
            let m = self.clone();
            meter
                .u64_observable_counter(name)
                .with_unit(unit)
                .with_description(description)
                .with_callback(move |observer| {
                    for (value, n) in read(&m) {
                        observer.observe(n, &[KeyValue::new(key, value)]);
                    }
                })
                .build();
        };
        labelled(
            "faasight.collector.received_records",
            "{record}",
            "Records accepted, by receiver.",
            "receiver",
            |m| snapshot(&m.received, |k| *k),
        );
        labelled(
            "faasight.collector.rejected_requests",
            "{request}",
            "Requests refused, by reason.",
            "reason",
            |m| snapshot(&m.rejected, |k| k.label()),
        );
        labelled(
            "faasight.collector.inserted_rows",
            "{row}",
            "Rows written to ClickHouse, by table.",
            "table",
            |m| snapshot(&m.inserted, |k| *k),
        );
        let counters: [Observed; 5] = [
            (
                "faasight.collector.spooled_batches",
                "{batch}",
                "Batches written to the on-disk spool (every acknowledged batch).",
                |m| &m.spooled_batches,
            ),
            (
                "faasight.collector.replayed_batches",
                "{batch}",
                "Spooled batches replayed from disk after a failed insert or a restart.",
                |m| &m.replayed_batches,
            ),
            (
                "faasight.collector.duplicate_batches_skipped",
                "{batch}",
                "Replayed batches ClickHouse already had.",
                |m| &m.duplicate_batches_skipped,
            ),
            (
                "faasight.collector.rollup_keys_rebuilt",
                "{key}",
                "Hourly rollup keys rebuilt after a crashed insert.",
                |m| &m.rollup_keys_rebuilt,
            ),
            (
                "faasight.collector.insert_failures",
                "{insert}",
                "Failed inserts.",
                |m| &m.insert_failures,
            ),
        ];
        for (name, unit, description, cell) in counters {
            let m = self.clone();
            meter
                .u64_observable_counter(name)
                .with_unit(unit)
                .with_description(description)
                .with_callback(move |observer| {
                    observer.observe(cell(&m).load(Relaxed), &[]);
                })
                .build();
        }
        let gauges: [Observed; 3] = [
            (
                "faasight.collector.queued_rows",
                "{row}",
                "Rows held in memory and not yet in ClickHouse.",
                |m| &m.queued_rows,
            ),
            (
                "faasight.collector.spool.pending_batches",
                "{batch}",
                "Batches acknowledged and not yet in ClickHouse.",
                |m| &m.spool_pending,
            ),
            (
                "faasight.collector.spool.failed",
                "1",
                "1 when the spool refuses writes after a failed fsync (restart the collector).",
                |m| &m.spool_failed,
            ),
        ];
        for (name, unit, description, cell) in gauges {
            let m = self.clone();
            meter
                .u64_observable_gauge(name)
                .with_unit(unit)
                .with_description(description)
                .with_callback(move |observer| {
                    observer.observe(cell(&m).load(Relaxed), &[]);
                })
                .build();
        }
    }

    /// INSERT statements that succeeded.
    pub fn inserts(&self) -> u64 {
        self.latency_count.load(Relaxed)
    }

    /// Rows inserted into `table` so far.
    pub fn inserted_rows(&self, table: &str) -> u64 {
        self.inserted
            .lock()
            .map(|m| m.get(table).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, samples: Vec<(String, u64)>| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, v) in samples {
                let _ = writeln!(out, "{name}{labels} {v}");
            }
        };
        let labelled = |key: &str, m: Vec<(&str, u64)>| -> Vec<(String, u64)> {
            m.into_iter()
                .map(|(k, v)| (format!("{{{key}=\"{k}\"}}"), v))
                .collect()
        };
        let received: Vec<(&str, u64)> = self
            .received
            .lock()
            .map(|m| m.iter().map(|(k, v)| (*k, *v)).collect())
            .unwrap_or_default();
        family(
            "faasight_collector_received_records_total",
            "counter",
            "Records accepted, by receiver.",
            labelled("receiver", received),
        );
        let rejected: Vec<(&str, u64)> = self
            .rejected
            .lock()
            .map(|m| m.iter().map(|(k, v)| (k.label(), *v)).collect())
            .unwrap_or_default();
        family(
            "faasight_collector_rejected_requests_total",
            "counter",
            "Requests refused, by reason.",
            labelled("reason", rejected),
        );
        let inserted: Vec<(&str, u64)> = self
            .inserted
            .lock()
            .map(|m| m.iter().map(|(k, v)| (*k, *v)).collect())
            .unwrap_or_default();
        family(
            "faasight_collector_inserted_rows_total",
            "counter",
            "Rows written to ClickHouse, by table.",
            labelled("table", inserted),
        );
        for (name, help, v) in [
            (
                "faasight_collector_spooled_batches_total",
                "Batches written to the on-disk spool (every acknowledged batch).",
                &self.spooled_batches,
            ),
            (
                "faasight_collector_replayed_batches_total",
                "Spooled batches replayed from disk after a failed insert or a restart.",
                &self.replayed_batches,
            ),
            (
                "faasight_collector_duplicate_batches_skipped_total",
                "Replayed batches ClickHouse already had.",
                &self.duplicate_batches_skipped,
            ),
            (
                "faasight_collector_rollup_keys_rebuilt_total",
                "Hourly rollup keys rebuilt after a crashed insert.",
                &self.rollup_keys_rebuilt,
            ),
            (
                "faasight_collector_insert_failures_total",
                "Failed inserts.",
                &self.insert_failures,
            ),
        ] {
            family(
                name,
                "counter",
                help,
                vec![(String::new(), v.load(Relaxed))],
            );
        }
        family(
            "faasight_collector_queued_rows",
            "gauge",
            "Rows held in memory and not yet in ClickHouse.",
            vec![(String::new(), self.queued_rows.load(Relaxed))],
        );
        family(
            "faasight_collector_spool_pending_batches",
            "gauge",
            "Batches acknowledged and not yet in ClickHouse.",
            vec![(String::new(), self.spool_pending.load(Relaxed))],
        );
        family(
            "faasight_collector_spool_failed",
            "gauge",
            "1 when the spool refuses writes after a failed fsync (restart the collector).",
            vec![(String::new(), self.spool_failed.load(Relaxed))],
        );
        family(
            "faasight_telemetry_spans_total",
            "counter",
            "faasight's own spans by outcome (exported, dropped when the export queue was full, failed in an export); 0 unless self-telemetry is on.",
            labelled(
                "outcome",
                faasight_telemetry::counters::Outcome::ALL
                    .iter()
                    .map(|o| (o.as_str(), faasight_telemetry::counters::COUNTERS.get(*o)))
                    .collect(),
            ),
        );
        let name = "faasight_collector_insert_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time to insert a batch.\n# TYPE {name} histogram"
        );
        for (bucket, bound) in self.latency_buckets.iter().zip(LATENCY_BUCKETS) {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Relaxed)
            );
        }
        let count = self.latency_count.load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(
            out,
            "{name}_sum {}",
            self.latency_sum_micros.load(Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "{name}_count {count}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.received("invocations", 5);
        m.rejected(RejectReason::Malformed);
        m.record_insert(
            &[("invocations", 5), ("logs", 2)],
            Duration::from_millis(20),
        );
        let text = m.render();
        assert!(
            text.contains("faasight_collector_received_records_total{receiver=\"invocations\"} 5"),
            "{text}"
        );
        assert!(text.contains("faasight_collector_rejected_requests_total{reason=\"malformed\"} 1"));
        assert!(text.contains("faasight_collector_inserted_rows_total{table=\"logs\"} 2"));
        assert!(text.contains("faasight_collector_insert_duration_seconds_bucket{le=\"0.025\"} 1"));
        assert!(text.contains("faasight_collector_insert_duration_seconds_bucket{le=\"0.01\"} 0"));
        assert!(text.contains("faasight_collector_insert_duration_seconds_count 1"));
        assert_eq!(m.inserted_rows("invocations"), 5);
    }
}
