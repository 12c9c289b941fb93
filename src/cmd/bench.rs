//! `faasight bench ingest`: end-to-end ingest throughput (HTTP in → rows
//! visible in ClickHouse) per format, next to `clickhouse-client`'s raw
//! insert rate for the same rows, measured in the same run; and the
//! collector's memory under ten times more concurrent senders than it
//! admits.

use super::InputError;
use crate::cli::BenchArgs;
use faasight_collector::auth::Auth;
use faasight_collector::codecs::ndjson;
use faasight_collector::pipeline::{Pipeline, PipelineConfig};
use faasight_collector::telemetry::Metrics;
use faasight_collector::{CollectorConfig, CollectorState};
use faasight_store::local::{LocalClickHouse, LocalConfig};
use faasight_store::{ClickHouseUrl, InvocationRow, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Rows of the demo workload, `n` of them.
fn sample_rows(n: usize) -> Vec<InvocationRow> {
    let mut cfg =
        faasight_sample_data::DemoConfig::new("2026-03-01T00:00:00Z".parse().unwrap_or_default());
    cfg.invocations = n as u64 + n as u64 / 10 + 1000;
    let mut rows = Vec::with_capacity(n);
    let _ = faasight_sample_data::generate(&cfg, |batch| {
        rows.extend(batch);
        Ok::<_, ()>(())
    });
    rows.truncate(n);
    rows
}

fn tsv_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\t', "\\t")
        .replace('\n', "\\n")
}

const TSV_COLUMNS: &str = "tenant, provider, account, region, function, version, runtime, arch, memory_mb, timeout_ms, request_id, instance_id, trace_id, start_time, start_time_ms, duration_ms, billed_duration_ms, init_duration_ms, restore_duration_ms, billed_restore_duration_ms, cpu_time_ms, start_type, max_memory_used_mb, status, error_type, trigger, cost_usd, source, ingested_at";

fn tsv_line(r: &InvocationRow) -> String {
    let t = |d: chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%d %H:%M:%S").to_string();
    [
        tsv_escape(&r.tenant),
        tsv_escape(&r.provider),
        tsv_escape(&r.account),
        tsv_escape(&r.region),
        tsv_escape(&r.function),
        tsv_escape(&r.version),
        tsv_escape(&r.runtime),
        tsv_escape(&r.arch),
        r.memory_mb.to_string(),
        r.timeout_ms.to_string(),
        tsv_escape(&r.request_id),
        tsv_escape(&r.instance_id),
        tsv_escape(&r.trace_id),
        t(r.start_time),
        r.start_time_ms.to_string(),
        r.duration_ms.to_string(),
        r.billed_duration_ms.to_string(),
        r.init_duration_ms.to_string(),
        r.restore_duration_ms.to_string(),
        r.billed_restore_duration_ms.to_string(),
        r.cpu_time_ms.to_string(),
        tsv_escape(&r.start_type),
        r.max_memory_used_mb.to_string(),
        tsv_escape(&r.status),
        tsv_escape(&r.error_type),
        tsv_escape(&r.trigger),
        r.cost_usd.to_decimal_string(),
        tsv_escape(&r.source),
        t(r.ingested_at),
    ]
    .join("\t")
}

/// A CloudWatch subscription payload with START and REPORT lines for rows.
fn cloudwatch_payload(rows: &[InvocationRow], stream: usize) -> String {
    let events: Vec<serde_json::Value> = rows
        .iter()
        .flat_map(|r| {
            let ts = r.start_time_ms as i64;
            let init = if r.init_duration_ms > 0.0 { format!("\tInit Duration: {:.2} ms", r.init_duration_ms) } else { String::new() };
            [
                serde_json::json!({"id": "", "timestamp": ts, "message": format!("START RequestId: {} Version: {}\n", r.request_id, r.version)}),
                serde_json::json!({"id": "", "timestamp": ts + r.duration_ms as i64, "message": format!(
                    "REPORT RequestId: {}\tDuration: {:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB{init}\n",
                    r.request_id, r.duration_ms, r.billed_duration_ms, r.memory_mb, r.max_memory_used_mb)}),
            ]
        })
        .collect();
    serde_json::json!({
        "messageType": "DATA_MESSAGE", "owner": "412345678901", "logGroup": "/aws/lambda/bench",
        "logStream": format!("2026/03/01/[$LATEST]{stream:016x}"), "subscriptionFilters": ["bench"], "logEvents": events,
    })
    .to_string()
}

/// OTLP trace requests (protobuf) of `per_request` spans each: one FaaS
/// server span and two client spans per invocation.
fn otlp_bodies(n: usize, per_request: usize) -> Vec<Vec<u8>> {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
    use opentelemetry_proto::tonic::resource::v1::Resource;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
    use prost::Message;
    let kv = |k: &str, v: any_value::Value| KeyValue {
        key: k.into(),
        value: Some(AnyValue { value: Some(v) }),
        ..Default::default()
    };
    let s = |v: &str| any_value::Value::StringValue(v.into());
    let resource = Resource {
        attributes: vec![
            kv("service.name", s("bench-fn")),
            kv("faas.name", s("bench-fn")),
            kv("faas.version", s("3")),
            kv("faas.max_memory", any_value::Value::IntValue(536_870_912)),
            kv("cloud.provider", s("aws")),
            kv("cloud.platform", s("aws_lambda")),
            kv("cloud.region", s("us-east-1")),
        ],
        ..Default::default()
    };
    let base: u64 = 1_772_323_200_000_000_000;
    (0..n.div_ceil(per_request))
        .map(|r| {
            let spans = (0..per_request.min(n - r * per_request))
                .map(|i| {
                    let k = (r * per_request + i) as u64;
                    let mut trace_id = [0u8; 16];
                    trace_id[..8].copy_from_slice(&(k / 3 + 1).to_be_bytes());
                    let server = k % 3 == 0;
                    Span {
                        trace_id: trace_id.to_vec(),
                        span_id: (k + 1).to_be_bytes().to_vec(),
                        name: if server {
                            "bench-fn".into()
                        } else {
                            "dynamodb.GetItem".into()
                        },
                        kind: if server { 2 } else { 3 },
                        start_time_unix_nano: base + k * 1_000_000,
                        end_time_unix_nano: base + k * 1_000_000 + 800_000,
                        attributes: if server {
                            vec![
                                kv("faas.invocation_id", s(&format!("req-{k}"))),
                                kv("faas.trigger", s("http")),
                                kv("faas.coldstart", any_value::Value::BoolValue(k % 300 == 0)),
                            ]
                        } else {
                            vec![kv("db.system", s("dynamodb"))]
                        },
                        ..Default::default()
                    }
                })
                .collect();
            ExportTraceServiceRequest {
                resource_spans: vec![ResourceSpans {
                    resource: Some(resource.clone()),
                    scope_spans: vec![ScopeSpans {
                        spans,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
            }
            .encode_to_vec()
        })
        .collect()
}

struct Collector {
    url: String,
    metrics: Arc<Metrics>,
    _server: tokio::task::JoinHandle<()>,
}

async fn start_collector(
    store: Store,
    spool: &std::path::Path,
    max_queued_rows: usize,
) -> anyhow::Result<Collector> {
    let metrics = Arc::new(Metrics::default());
    let mut cfg = PipelineConfig::new(spool);
    cfg.max_queued_rows = max_queued_rows;
    let (pipeline, _writer) = Pipeline::start(store.clone(), cfg, metrics.clone())?;
    let state = CollectorState::new(
        pipeline,
        store,
        Auth::disabled(),
        metrics.clone(),
        CollectorConfig::default(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, faasight_collector::router(state)).await;
    });
    Ok(Collector {
        url,
        metrics,
        _server: server,
    })
}

/// Posts bodies with `clients` in flight; returns (accepted, refused with 429/503).
async fn post_all(
    url: &str,
    content_type: &'static str,
    bodies: Vec<Vec<u8>>,
    clients: usize,
    retry: bool,
) -> anyhow::Result<(usize, usize)> {
    let client = reqwest::Client::new();
    let queue = Arc::new(std::sync::Mutex::new(bodies));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (client, queue, url) = (client.clone(), queue.clone(), url.to_string());
        tasks.spawn(async move {
            let (mut ok, mut refused) = (0usize, 0usize);
            while let Some(body) = queue.lock().ok().and_then(|mut q| q.pop()) {
                loop {
                    let status = client
                        .post(&url)
                        .header("content-type", content_type)
                        .body(body.clone())
                        .send()
                        .await?
                        .status();
                    if status.is_success() {
                        ok += 1;
                        break;
                    }
                    if status == 429 || status == 503 {
                        refused += 1;
                        if retry {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            continue;
                        }
                        break;
                    }
                    anyhow::bail!("{url} answered {status}");
                }
            }
            Ok::<_, anyhow::Error>((ok, refused))
        });
    }
    let mut total = (0, 0);
    while let Some(r) = tasks.join_next().await {
        let (ok, refused) = r??;
        total = (total.0 + ok, total.1 + refused);
    }
    Ok(total)
}

async fn wait_rows(store: &Store, table: &str, expected: u64) -> anyhow::Result<()> {
    let sql = format!("SELECT count() FROM {table}");
    let deadline = Instant::now() + Duration::from_secs(600);
    while store.client().query(&sql).fetch_one::<u64>().await? < expected {
        anyhow::ensure!(
            Instant::now() < deadline,
            "rows did not appear within 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0
}

async fn database(base: &ClickHouseUrl, name: &str) -> anyhow::Result<Store> {
    let mut url = base.clone();
    url.database = name.to_string();
    let store = Store::connect(&url);
    store.ensure_database().await?;
    store
        .execute(&format!(
            "DROP TABLE IF EXISTS {name}.invocations_hourly_mv"
        ))
        .await?;
    for t in [
        "invocations",
        "invocations_hourly",
        "spans",
        "logs",
        "schema_migrations",
    ] {
        store
            .execute(&format!("DROP TABLE IF EXISTS {name}.{t}"))
            .await?;
    }
    super::migrate_quietly(&store).await?;
    Ok(store)
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (_local, url, tcp_port) = match &args.clickhouse_url {
        Some(u) => (
            None,
            ClickHouseUrl::parse(u).map_err(|e| InputError(e.to_string()))?,
            args.clickhouse_tcp_port,
        ),
        None => {
            let cfg = LocalConfig::with_free_ports(dir.path().join("ch"))?;
            let ch = LocalClickHouse::start(&cfg).await?;
            let url = ch.url().clone();
            (Some(ch), url, cfg.tcp_port)
        }
    };
    let n = args.records;
    eprintln!("bench: generating {n} demo invocations");
    let rows = sample_rows(n);
    let mut results = Vec::new();

    // Raw baseline: clickhouse-client inserting the same rows as TSV.
    let raw = database(&url, "bench_raw").await?;
    let tsv_path = dir.path().join("rows.tsv");
    std::fs::write(
        &tsv_path,
        rows.iter().map(tsv_line).collect::<Vec<_>>().join("\n") + "\n",
    )?;
    let started = Instant::now();
    let status = std::process::Command::new("clickhouse-client")
        .args([
            "--port",
            &tcp_port.to_string(),
            "--database",
            "bench_raw",
            "--query",
        ])
        .arg(format!(
            "INSERT INTO invocations ({TSV_COLUMNS}) FORMAT TabSeparated"
        ))
        .stdin(std::fs::File::open(&tsv_path)?)
        .status()
        .map_err(|e| {
            anyhow::anyhow!("clickhouse-client could not be run ({e}); install clickhouse-client")
        })?;
    anyhow::ensure!(status.success(), "clickhouse-client failed: {status}");
    wait_rows(&raw, "invocations", rows.len() as u64).await?;
    let raw_rate = rows.len() as f64 / started.elapsed().as_secs_f64();

    // The store's own insert (the collector's writer uses it), for reference.
    let direct = database(&url, "bench_direct").await?;
    let started = Instant::now();
    for chunk in rows.chunks(10_000) {
        direct.insert_invocations(chunk).await?;
    }
    let direct_rate = rows.len() as f64 / started.elapsed().as_secs_f64();
    eprintln!("bench: store inserts of 10,000 rows: {direct_rate:.0} rows/s");

    for format in ["ndjson", "lambda-log"] {
        let store = database(&url, "bench_ingest").await?;
        let collector = start_collector(
            store.clone(),
            &dir.path().join(format!("spool-{format}")),
            1_000_000,
        )
        .await?;
        let (endpoint, content_type, bodies): (&str, &str, Vec<String>) = match format {
            "ndjson" => (
                "/v1/invocations",
                "application/x-ndjson",
                rows.chunks(args.batch)
                    .map(|c| c.iter().map(ndjson::to_line).collect::<Vec<_>>().join("\n"))
                    .collect(),
            ),
            _ => (
                "/v1/cloudwatch",
                "application/json",
                rows.chunks(args.batch)
                    .enumerate()
                    .map(|(i, c)| cloudwatch_payload(c, i))
                    .collect(),
            ),
        };
        let started = Instant::now();
        post_all(
            &format!("{}{endpoint}", collector.url),
            content_type,
            bodies.into_iter().map(String::into_bytes).collect(),
            args.clients,
            true,
        )
        .await?;
        wait_rows(&store, "invocations", rows.len() as u64).await?;
        let rate = rows.len() as f64 / started.elapsed().as_secs_f64();
        let text = collector.metrics.render();
        let metric = |name: &str| -> f64 {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
                .unwrap_or(0.0)
        };
        let inserts = metric("faasight_collector_insert_duration_seconds_count");
        let insert_secs = metric("faasight_collector_insert_duration_seconds_sum");
        eprintln!(
            "bench: {format}: {inserts} inserts, {:.0} rows and {:.1} ms each on average",
            rows.len() as f64 / inserts.max(1.0),
            1000.0 * insert_secs / inserts.max(1.0)
        );
        results.push((format, rate));
    }

    // OTLP spans over HTTP protobuf.
    let store = database(&url, "bench_ingest").await?;
    let collector =
        start_collector(store.clone(), &dir.path().join("spool-otlp"), 1_000_000).await?;
    let bodies = otlp_bodies(n, 1000);
    let started = Instant::now();
    post_all(
        &format!("{}/v1/traces", collector.url),
        "application/x-protobuf",
        bodies,
        args.clients,
        true,
    )
    .await?;
    wait_rows(&store, "spans", n as u64).await?;
    let spans_rate = n as f64 / started.elapsed().as_secs_f64();

    println!(
        "ingest benchmark: {n} records, bodies of {} records, {} clients",
        args.batch, args.clients
    );
    println!(
        "{:<12} {:>14} {:>18} {:>8}",
        "format", "records/s", "raw client rec/s", "ratio"
    );
    for (format, rate) in &results {
        println!(
            "{format:<12} {rate:>14.0} {raw_rate:>18.0} {:>8.2}",
            rate / raw_rate
        );
    }

    println!("{:<12} {:>14}   (spans, bodies of 1,000; a third are FaaS server spans that also become invocations)", "otlp-spans", format!("{spans_rate:.0}"));

    // Overload: ten times more senders than the queue admits at once.
    let store = database(&url, "bench_ingest").await?;
    let per_body = args.batch;
    let collector = start_collector(
        store,
        &dir.path().join("spool-overload"),
        per_body * args.clients,
    )
    .await?;
    let bodies: Vec<String> = rows
        .chunks(per_body)
        .map(|c| c.iter().map(ndjson::to_line).collect::<Vec<_>>().join("\n"))
        .collect();
    let rss_before = rss_mb();
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = sampling.clone();
        tokio::spawn(async move {
            let mut peak: f64 = 0.0;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(rss_mb());
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            peak
        })
    };
    let (ok, refused) = post_all(
        &format!("{}/v1/invocations", collector.url),
        "application/x-ndjson",
        bodies.into_iter().map(String::into_bytes).collect(),
        args.clients * 10,
        true,
    )
    .await?;
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.await?;
    println!(
        "overload ({} senders, queue of {} rows): {ok} bodies accepted, {refused} refusals (429/503) retried; RSS {rss_before:.0} MB before, {peak:.0} MB peak, {:.0} MB after",
        args.clients * 10,
        per_body * args.clients,
        rss_mb()
    );
    Ok(())
}
