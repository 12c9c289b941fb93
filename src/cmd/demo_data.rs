//! `faasight demo-data`: the demo workload, as NDJSON or loaded into ClickHouse.

use super::InputError;
use crate::cli::{DemoArgs, DemoDataArgs};
use faasight_sample_data::{generate, generate_all, DemoBatch, DemoConfig, DemoSummary};
use faasight_store::Store;
use std::io::Write;
use std::time::Instant;

/// The generator's configuration from the command line.
pub fn config(args: &DemoArgs) -> anyhow::Result<DemoConfig> {
    let end = match &args.end {
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map_err(|e| InputError(format!("--end {s:?} is not an RFC 3339 time: {e}")))?
            .with_timezone(&chrono::Utc),
        None => chrono::Utc::now(),
    };
    if args.days == 0 {
        return Err(InputError("--days must be at least 1".into()).into());
    }
    Ok(DemoConfig {
        seed: args.seed,
        end,
        days: args.days,
        invocations: args.invocations,
        tenant: args.tenant.clone(),
    })
}

pub async fn run(args: DemoDataArgs) -> anyhow::Result<()> {
    let cfg = config(&args.demo)?;
    match &args.out {
        Some(path) => {
            let out: Box<dyn Write> =
                if path.as_os_str() == "-" {
                    Box::new(std::io::stdout().lock())
                } else {
                    Box::new(std::fs::File::create(path).map_err(|e| {
                        InputError(format!("cannot create {}: {e}", path.display()))
                    })?)
                };
            let mut out = std::io::BufWriter::new(out);
            let summary = generate(&cfg, |rows| {
                rows.iter().try_for_each(|r| {
                    writeln!(out, "{}", faasight_collector::codecs::ndjson::to_line(r))
                })
            })?;
            out.flush()?;
            eprintln!(
                "demo-data: wrote {} invocations of {} functions (traces and logs are only loaded into ClickHouse)",
                summary.rows, summary.functions
            );
        }
        None => {
            let store = super::connect_db(&args.db).await?;
            super::migrate_quietly(&store).await?;
            load(&store, &cfg).await?;
        }
    }
    Ok(())
}

/// Generates the workload, traces and logs included, and inserts it in
/// batches of up to 100,000 rows per table, printing progress. The
/// generator runs on a blocking thread and hands batches over a bounded
/// channel, so generation and inserts overlap.
pub async fn load(store: &Store, cfg: &DemoConfig) -> anyhow::Result<DemoSummary> {
    const BATCH: usize = 100_000;
    let started = Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<DemoBatch>(2);
    let gen_cfg = cfg.clone();
    let producer = tokio::task::spawn_blocking(move || {
        let mut buffer = DemoBatch::default();
        let summary = generate_all(&gen_cfg, |batch| {
            buffer.invocations.extend(batch.invocations);
            buffer.spans.extend(batch.spans);
            buffer.logs.extend(batch.logs);
            if buffer.invocations.len() >= BATCH
                || buffer.spans.len() >= BATCH
                || buffer.logs.len() >= BATCH
            {
                tx.blocking_send(std::mem::take(&mut buffer))?;
            }
            Ok::<_, tokio::sync::mpsc::error::SendError<DemoBatch>>(())
        });
        if buffer != DemoBatch::default() {
            let _ = tx.blocking_send(buffer);
        }
        summary
    });
    let (mut invocations, mut spans, mut logs) = (0usize, 0usize, 0usize);
    while let Some(batch) = rx.recv().await {
        store.insert_invocations(&batch.invocations).await?;
        store.insert_spans(&batch.spans).await?;
        store.insert_logs(&batch.logs).await?;
        invocations += batch.invocations.len();
        spans += batch.spans.len();
        logs += batch.logs.len();
        eprint!("\rdemo-data: loaded {invocations} invocations, {spans} spans, {logs} logs");
    }
    store
        .insert_function_configs(&faasight_sample_data::inventory(cfg))
        .await?;
    let summary = producer
        .await?
        .map_err(|_| anyhow::anyhow!("the demo generator stopped early"))?;
    eprintln!(
        "\rdemo-data: loaded {} invocations of {} functions, {} spans and {} log records in {:.1} s",
        summary.rows,
        summary.functions,
        summary.spans,
        summary.logs,
        started.elapsed().as_secs_f64()
    );
    super::materialize::pass(store).await?;
    Ok(summary)
}
