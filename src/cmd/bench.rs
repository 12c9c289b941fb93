//! `faasight bench ingest`: end-to-end ingest throughput (HTTP in → rows
//! visible in ClickHouse) per format, next to `clickhouse-client`'s raw
//! insert rate for the same rows, measured in the same run; and the
//! collector's memory under ten times more concurrent senders than it
//! admits.

use super::InputError;
use crate::cli::BenchArgs;
use faasight_collector::codecs::ndjson;
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
    // A live stream arrives in time order; the generator emits function by
    // function. Unsorted, every batch would span the whole month and write
    // one part per day-partition it touches (30 instead of 1–2).
    rows.sort_by_key(|r| r.start_time_ms);
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

/// OTLP trace requests (protobuf) of `per_request` spans each (`--batch`,
/// as for records): one FaaS server span and two client spans per
/// invocation.
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
                    let server = k.is_multiple_of(3);
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
                                kv(
                                    "faas.coldstart",
                                    any_value::Value::BoolValue(k.is_multiple_of(300)),
                                ),
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

/// The raw baseline: each file (TSV rows of `invocations`) inserted by its
/// own clickhouse-client process, `at_once` of them at a time.
async fn raw_inserts(
    url: &ClickHouseUrl,
    tcp_port: u16,
    files: &[std::path::PathBuf],
    at_once: usize,
) -> anyhow::Result<()> {
    let gate = Arc::new(tokio::sync::Semaphore::new(at_once.max(1)));
    let mut inserts = tokio::task::JoinSet::new();
    for path in files {
        let permit = gate.clone().acquire_owned().await?;
        let mut cmd = tokio::process::Command::new("clickhouse-client");
        cmd.args([
            "--port",
            &tcp_port.to_string(),
            "--user",
            &url.user,
            "--password",
            &url.password,
            "--database",
            "bench_raw",
            "--query",
        ])
        .arg(format!(
            "INSERT INTO invocations ({TSV_COLUMNS}) FORMAT TabSeparated"
        ))
        .stdin(std::fs::File::open(path)?);
        inserts.spawn(async move {
            let status = cmd.status().await;
            drop(permit);
            status
        });
    }
    while let Some(status) = inserts.join_next().await {
        let status = status?.map_err(|e| {
            anyhow::anyhow!("clickhouse-client could not be run ({e}); install clickhouse-client")
        })?;
        anyhow::ensure!(status.success(), "clickhouse-client failed: {status}");
    }
    Ok(())
}

/// A `faasight collector` child process, so that its CPU and memory are
/// measured apart from the load generator's.
struct Collector {
    url: String,
    child: tokio::process::Child,
}

impl Collector {
    fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(faasight_store::local::free_port()?)
}

/// Starts a collector; `otel_endpoint` turns its self-telemetry on (the
/// caller's `OTEL_` variables never reach it).
async fn start_collector(
    store: &Store,
    spool: &std::path::Path,
    max_queued_rows: usize,
    otel_endpoint: Option<&str>,
) -> anyhow::Result<Collector> {
    let clickhouse_url = store.url().with_credentials();
    let (http, grpc) = (free_port()?, free_port()?);
    let mut command = tokio::process::Command::new(std::env::current_exe()?);
    for (name, _) in std::env::vars() {
        if name.starts_with("OTEL_") {
            command.env_remove(name);
        }
    }
    if let Some(endpoint) = otel_endpoint {
        command.env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint);
    }
    let child = command
        .arg("collector")
        // In the environment, not in argv, where any local user reads it.
        .env("FAASIGHT_CLICKHOUSE_URL", &clickhouse_url)
        .args(["--listen", &format!("127.0.0.1:{http}")])
        .args(["--otlp-grpc-listen", &format!("127.0.0.1:{grpc}")])
        .arg("--spool-dir")
        .arg(spool)
        .args(["--max-queued-rows", &max_queued_rows.to_string()])
        .env_remove("FAASIGHT_INGEST_TOKENS")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let url = format!("http://127.0.0.1:{http}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = client.get(format!("{url}/readyz")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the collector did not become ready within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(Collector { url, child })
}

/// An OTLP endpoint that accepts connections and never answers: a thread
/// holds every connection open, reading nothing, for the process's life.
fn unresponsive_endpoint() -> anyhow::Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
        }
    });
    Ok(format!("http://{addr}"))
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

/// Resident memory of a process, in MB.
fn rss_mb(pid: Option<u32>) -> f64 {
    let Some(pid) = pid else { return 0.0 };
    std::fs::read_to_string(format!("/proc/{pid}/status"))
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

/// One timed load: rows per second and the CPU seconds the collector's
/// process and the ClickHouse server spent on it.
#[derive(Debug, Clone, Copy)]
struct Measurement {
    rate: f64,
    collector_cpu: f64,
    clickhouse_cpu: f64,
}

/// CPU seconds (user + system) of a process so far, from /proc.
fn cpu_secs(pid: Option<u32>) -> f64 {
    let Some(pid) = pid else { return 0.0 };
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // Fields after the parenthesised command name; utime and stime
            // are the 14th and 15th fields of the line, in clock ticks.
            let rest = stat.rsplit(')').next()?;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let ticks =
                fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(0.0)
}

/// Runs `load`, waits until `table` holds `expected` rows, and measures.
async fn measure<F: std::future::Future<Output = anyhow::Result<()>>>(
    store: &Store,
    table: &str,
    expected: u64,
    collector_pid: Option<u32>,
    clickhouse_pid: Option<u32>,
    load: F,
) -> anyhow::Result<Measurement> {
    let (c0, s0) = (cpu_secs(collector_pid), cpu_secs(clickhouse_pid));
    let started = Instant::now();
    load.await?;
    wait_rows(store, table, expected).await?;
    Ok(Measurement {
        rate: expected as f64 / started.elapsed().as_secs_f64(),
        collector_cpu: cpu_secs(collector_pid) - c0,
        clickhouse_cpu: cpu_secs(clickhouse_pid) - s0,
    })
}

fn median(mut v: Vec<Measurement>) -> (Measurement, f64, f64) {
    v.sort_by(|a, b| a.rate.total_cmp(&b.rate));
    let lo = v.first().map_or(0.0, |m| m.rate);
    let hi = v.last().map_or(0.0, |m| m.rate);
    (v[v.len() / 2], lo, hi)
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.rounds > 0,
        InputError("--rounds must be at least 1".into())
    );
    let dir = tempfile::tempdir()?;
    let (local, url, tcp_port) = match &args.clickhouse_url {
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
    // CPU of the server is only known when it is ours.
    let clickhouse_pid = local.as_ref().and_then(|l| l.pid());
    let n = args.records;
    eprintln!("bench: generating {n} demo invocations");
    let rows = sample_rows(n);
    let tsv_path = dir.path().join("rows.tsv");
    std::fs::write(
        &tsv_path,
        rows.iter().map(tsv_line).collect::<Vec<_>>().join("\n") + "\n",
    )?;
    let body_paths = rows
        .chunks(args.batch)
        .enumerate()
        .map(|(i, chunk)| {
            let path = dir.path().join(format!("body-{i}.tsv"));
            let text = chunk.iter().map(tsv_line).collect::<Vec<_>>().join("\n") + "\n";
            std::fs::write(&path, text).map(|()| path)
        })
        .collect::<std::io::Result<Vec<_>>>()?;
    let ndjson_bodies: Vec<Vec<u8>> = rows
        .chunks(args.batch)
        .map(|c| {
            c.iter()
                .map(ndjson::to_line)
                .collect::<Vec<_>>()
                .join("\n")
                .into_bytes()
        })
        .collect();
    let cloudwatch_bodies: Vec<Vec<u8>> = rows
        .chunks(args.batch)
        .enumerate()
        .map(|(i, c)| cloudwatch_payload(c, i).into_bytes())
        .collect();
    let otlp = otlp_bodies(n, args.batch);

    // Self-telemetry to endpoints that are gone: a closed port (each
    // export refused at once) and one that accepts connections and never
    // answers (each export waits out its timeout while spans pile up).
    let closed = format!("http://127.0.0.1:{}", free_port()?);
    let unresponsive = unresponsive_endpoint()?;
    let mut raw = Vec::new();
    let mut raw_bodies = Vec::new();
    let mut ndjson_runs = Vec::new();
    let mut ndjson_closed_runs = Vec::new();
    let mut ndjson_hung_runs = Vec::new();
    let mut lambda_log_runs = Vec::new();
    let mut otlp_runs = Vec::new();
    for round in 1..=args.rounds {
        eprintln!("bench: round {round} of {}", args.rounds);
        // Raw baseline: clickhouse-client inserting the same rows as TSV
        // in one INSERT (the most favourable case for the baseline).
        let store = database(&url, "bench_raw").await?;
        raw.push(
            measure(
                &store,
                "invocations",
                n as u64,
                None,
                clickhouse_pid,
                raw_inserts(&url, tcp_port, std::slice::from_ref(&tsv_path), 1),
            )
            .await?,
        );
        // The same rows as the senders' bodies, each body one
        // clickhouse-client INSERT, as many at once as there are senders:
        // what the senders would cost ClickHouse without a collector.
        let store = database(&url, "bench_raw").await?;
        raw_bodies.push(
            measure(
                &store,
                "invocations",
                n as u64,
                None,
                clickhouse_pid,
                raw_inserts(&url, tcp_port, &body_paths, args.clients),
            )
            .await?,
        );
        // (endpoint, content type, table whose rows are counted, bodies,
        // name, the collector's OTLP endpoint, results)
        type Load<'a> = (
            &'static str,
            &'static str,
            &'static str,
            &'a Vec<Vec<u8>>,
            &'static str,
            Option<&'a str>,
            &'a mut Vec<Measurement>,
        );
        let loads: [Load; 5] = [
            (
                "/v1/invocations",
                "application/x-ndjson",
                "invocations",
                &ndjson_bodies,
                "ndjson",
                None,
                &mut ndjson_runs,
            ),
            (
                "/v1/invocations",
                "application/x-ndjson",
                "invocations",
                &ndjson_bodies,
                "ndjson-closed",
                Some(closed.as_str()),
                &mut ndjson_closed_runs,
            ),
            (
                "/v1/invocations",
                "application/x-ndjson",
                "invocations",
                &ndjson_bodies,
                "ndjson-hung",
                Some(unresponsive.as_str()),
                &mut ndjson_hung_runs,
            ),
            (
                "/v1/cloudwatch",
                "application/json",
                "invocations",
                &cloudwatch_bodies,
                "lambda-log",
                None,
                &mut lambda_log_runs,
            ),
            (
                "/v1/traces",
                "application/x-protobuf",
                "spans",
                &otlp,
                "otlp",
                None,
                &mut otlp_runs,
            ),
        ];
        for (endpoint, content_type, table, bodies, name, otel, runs) in loads {
            let store = database(&url, "bench_ingest").await?;
            let collector = start_collector(
                &store,
                &dir.path().join(format!("spool-{name}-{round}")),
                1_000_000,
                otel,
            )
            .await?;
            let target = format!("{}{endpoint}", collector.url);
            runs.push(
                measure(
                    &store,
                    table,
                    n as u64,
                    collector.pid(),
                    clickhouse_pid,
                    async {
                        post_all(&target, content_type, bodies.clone(), args.clients, true).await?;
                        Ok(())
                    },
                )
                .await?,
            );
        }
    }

    println!(
        "ingest benchmark: {n} records, bodies of {} records, {} clients, median of {} rounds",
        args.batch, args.clients, args.rounds
    );
    println!(
        "{:<12} {:>11} {:>19} {:>11} {:>7} {:>22}",
        "format", "records/s", "(min–max)", "raw rec/s", "ratio", "CPU s: faasight / CH"
    );
    // Each round's loads are compared with that round's raw insert: the
    // machine's speed drifts between rounds more than between one load and
    // the next, so per-round ratios are steadier than a ratio of medians.
    let raw_rates: Vec<f64> = raw.iter().map(|m| m.rate).collect();
    let round_ratios = |runs: &[Measurement]| -> (f64, f64, f64) {
        let mut ratios: Vec<f64> = runs
            .iter()
            .zip(&raw_rates)
            .map(|(m, raw)| m.rate / raw)
            .collect();
        ratios.sort_by(f64::total_cmp);
        (
            ratios[ratios.len() / 2],
            ratios[0],
            ratios[ratios.len() - 1],
        )
    };
    let (raw_median, raw_lo, raw_hi) = median(raw);
    let cpu = |m: &Measurement| format!("{:.2} / {:.2}", m.collector_cpu, m.clickhouse_cpu);
    println!(
        "{:<12} {:>11.0} {:>19} {:>11} {:>7} {:>22}",
        "raw-client",
        raw_median.rate,
        format!("({raw_lo:.0}–{raw_hi:.0})"),
        "",
        "",
        format!("- / {:.2}", raw_median.clickhouse_cpu)
    );
    let (raw_bodies_median, lo, hi) = median(raw_bodies);
    println!(
        "{:<12} {:>11.0} {:>19} {:>11} {:>7} {:>22}",
        "raw-bodies",
        raw_bodies_median.rate,
        format!("({lo:.0}–{hi:.0})"),
        "",
        "",
        format!("- / {:.2}", raw_bodies_median.clickhouse_cpu)
    );
    for (name, runs) in [
        ("ndjson", ndjson_runs),
        ("ndjson-closed", ndjson_closed_runs),
        ("ndjson-hung", ndjson_hung_runs),
        ("lambda-log", lambda_log_runs),
    ] {
        let (ratio, ratio_lo, ratio_hi) = round_ratios(&runs);
        let (m, lo, hi) = median(runs);
        println!(
            "{name:<12} {:>11.0} {:>19} {:>11.0} {:>7.2} {:>22}   (per round {ratio_lo:.2}–{ratio_hi:.2}; {:.2}× raw-bodies)",
            m.rate,
            format!("({lo:.0}–{hi:.0})"),
            raw_median.rate,
            ratio,
            cpu(&m),
            m.rate / raw_bodies_median.rate
        );
    }
    let (m, lo, hi) = median(otlp_runs);
    println!(
        "{:<12} {:>11.0} {:>19} {:>11} {:>7} {:>22}   spans/s; a third are FaaS server spans that also become invocations",
        "otlp-spans",
        m.rate,
        format!("({lo:.0}–{hi:.0})"),
        "",
        "",
        cpu(&m)
    );

    println!("raw-client: one clickhouse-client INSERT of all rows; raw-bodies: one clickhouse-client INSERT per body, {} at once.", args.clients);
    println!("ratio: median over the rounds of (the load's rate / that round's raw-client rate).");
    println!("ndjson-closed, ndjson-hung: the ndjson load with the collector's self-telemetry exported to a closed port, and to an endpoint that accepts connections and never answers.");

    // Overload: ten times more senders than the queue admits at once.
    let store = database(&url, "bench_ingest").await?;
    let per_body = args.batch;
    let collector = start_collector(
        &store,
        &dir.path().join("spool-overload"),
        per_body * args.clients,
        None,
    )
    .await?;
    let bodies: Vec<String> = rows
        .chunks(per_body)
        .map(|c| c.iter().map(ndjson::to_line).collect::<Vec<_>>().join("\n"))
        .collect();
    let pid = collector.pid();
    let rss_before = rss_mb(pid);
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = sampling.clone();
        tokio::spawn(async move {
            let mut peak: f64 = 0.0;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(rss_mb(pid));
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
    wait_rows(&store, "invocations", n as u64).await?;
    println!(
        "overload ({} senders, queue of {} rows): {ok} bodies accepted, {refused} refusals (429/503) retried; collector RSS {rss_before:.0} MB before, {peak:.0} MB peak, {:.0} MB after",
        args.clients * 10,
        per_body * args.clients,
        rss_mb(pid)
    );
    Ok(())
}
