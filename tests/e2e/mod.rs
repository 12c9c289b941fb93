//! Areas of the end-to-end suite, one module each. The setup they share
//! (ClickHouse, `faasight up`, the collector, posting, counting) is in
//! `common`.

/// Sign-in, sessions, read tokens, tenants and CSRF of the web UI and its API.
mod access;
/// Every analysis on the demo workload against the table's own figures, and the CLI's JSON against the HTTP API's.
mod analyses;
/// Injected incidents in imported invocations found by `faasight anomalies`, and nothing else.
mod anomalies;
/// The monthly bill from imported invocations and configuration inventories, against hand-computed prices.
mod bill;
/// The web UI in headless Chromium: hydration, the time range, recommendations and cold-start pages.
mod browser;
/// Every migration and analyzer query accepted by a current ClickHouse engine (chDB).
mod chdb;
/// The CLI's errors and exit codes, `import --dry-run` of every format, the keep-alive replay.
mod cli;
/// Cluster mode on two shards: migrate, two collectors, a pass per shard, every analysis equal to one server's.
mod cluster;
/// The harness: private ClickHouse, `faasight up` / `faasight collector` over it, and helpers.
mod common;
/// Every shipped dashboard panel on ClickHouse 18.16 after a materialize pass, as the read-only user.
mod dashboards;
/// Exactly-once delivery through ClickHouse outages, crashes and a SIGKILLed collector.
mod durability;
/// Hostile and broken input against the collector alone: refused per record, bounded, authenticated.
mod hardening;
/// Anti-pattern findings on traces sent with the OpenTelemetry Python SDK.
mod insights;
/// Lambda Telemetry API, CloudWatch and Firehose ingest with tokens, restarts and bombs.
mod lambda_ingest;
/// Materialized cold-start causes: across midnight, rebuilt after late data, two passes at once; rates equal raw counts.
mod materialize;
/// OTLP from the OpenTelemetry Python SDK and captured requests, over HTTP and gRPC.
mod otlp;
/// OTLP metrics from the OpenTelemetry Python SDK over HTTP and gRPC, point by point in the `metrics` table.
mod otlp_metrics;
/// Demo workload → NDJSON → import → analyzer, checked against an independent computation.
mod pipeline;
/// `import --format aws-cur` and the invoice reconciliation against ClickHouse 18.16.
mod reconcile;
/// `faasight retention` and the collector's daily pass: old partitions dropped, nothing younger.
mod retention;
/// faasight's own spans and metrics over OTLP to a second collector; two collectors exporting to each other make no spans of it.
mod self_telemetry;
/// `faasight up`: the managed ClickHouse's lifecycle and passwords, and NDJSON/CSV ingest.
mod up;
