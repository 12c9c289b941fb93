//! `faasight bench analyze`: every analysis on a large synthetic fleet
//! (default 1,000 functions × 30 days), timed one by one and in total.
//!
//! The fleet is the demo workload's 39 functions generated again with other
//! seeds and renamed (`api-orders-007`, …), so each copy has its own
//! arrivals, cold starts and memory use.

use super::InputError;
use crate::cli::BenchAnalyzeArgs;
use faasight_analyzer::reports::{run, ReportKind, ReportRequest};
use faasight_store::local::{LocalClickHouse, LocalConfig};
use faasight_store::{ClickHouseUrl, Store};
use std::time::Instant;

/// Loads `functions` functions over `days` days ending at `end`, about
/// `invocations` rows in all. Returns (rows, functions) loaded.
async fn load_fleet(
    store: &Store,
    functions: usize,
    days: u32,
    invocations: u64,
    end: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<(usize, usize)> {
    let per_copy = 36usize;
    let copies = functions.div_ceil(per_copy);
    let mut loaded = 0usize;
    let mut names = std::collections::HashSet::new();
    for copy in 0..copies {
        let mut cfg = faasight_sample_data::DemoConfig::new(end);
        cfg.seed = 1000 + copy as u64;
        cfg.days = days;
        cfg.invocations = invocations / copies as u64;
        let mut rows = Vec::new();
        faasight_sample_data::generate(&cfg, |batch| {
            rows.extend(batch);
            Ok::<_, ()>(())
        })
        .map_err(|()| anyhow::anyhow!("the generator stopped"))?;
        // Keep the first functions of this copy so the fleet has exactly `functions`.
        let mut kept = std::collections::BTreeSet::new();
        let room = functions - names.len();
        for r in &rows {
            if kept.len() < room {
                kept.insert(r.function.clone());
            }
        }
        rows.retain(|r| kept.contains(&r.function));
        for r in &mut rows {
            r.function = format!("{}-{copy:03}", r.function);
            names.insert(r.function.clone());
        }
        // Time order, as a live stream would have written them.
        rows.sort_by_key(|r| r.start_time_ms);
        for chunk in rows.chunks(200_000) {
            store.insert_invocations(chunk).await?;
        }
        loaded += rows.len();
        eprint!(
            "\rbench: loaded {loaded} invocations of {} functions",
            names.len()
        );
    }
    eprintln!();
    Ok((loaded, names.len()))
}

pub async fn run_bench(args: BenchAnalyzeArgs) -> anyhow::Result<()> {
    if args.functions == 0 || args.days < 14 {
        return Err(InputError(
            "--functions must be at least 1 and --days at least 14 (forecasts need two weeks)"
                .into(),
        )
        .into());
    }
    let dir = tempfile::tempdir()?;
    let (_local, url) = match &args.clickhouse_url {
        Some(u) => (
            None,
            ClickHouseUrl::parse(u).map_err(|e| InputError(e.to_string()))?,
        ),
        None => {
            let cfg = LocalConfig::with_free_ports(dir.path().join("ch"))?;
            let ch = LocalClickHouse::start(&cfg).await?;
            let url = ch.url().clone();
            (Some(ch), url)
        }
    };
    let mut url = url;
    url.database = "bench_analyze".into();
    let store = Store::connect(&url);
    store.ensure_database().await?;
    super::migrate_quietly(&store).await?;
    let end: chrono::DateTime<chrono::Utc> = "2026-03-02T00:00:00Z".parse()?;
    let existing: u64 = store
        .client()
        .query("SELECT count() FROM invocations")
        .fetch_one()
        .await?;
    let (rows, functions) = if existing == 0 {
        let started = Instant::now();
        let loaded = load_fleet(&store, args.functions, args.days, args.invocations, end).await?;
        eprintln!(
            "bench: load took {:.1} s (not part of the analysis time)",
            started.elapsed().as_secs_f64()
        );
        loaded
    } else {
        let functions: u64 = store
            .client()
            .query("SELECT uniqExact(function) FROM invocations")
            .fetch_one()
            .await?;
        (existing as usize, functions as usize)
    };
    // Let background merges of the load settle so they do not count.
    store.execute("OPTIMIZE TABLE invocations FINAL").await.ok();
    // The reports read the materialized results: built (or found up to
    // date) first, timed on their own line.
    let started = Instant::now();
    let pass = faasight_analyzer::materialize::refresh(&store).await?;
    let materialize_secs = started.elapsed().as_secs_f64();
    let request = ReportRequest {
        days: Some(args.days),
        to: Some(end),
        ..Default::default()
    };
    println!(
        "analysis benchmark: {functions} functions, {rows} invocations over {} days",
        args.days
    );
    println!(
        "materialize: {} days built in {materialize_secs:.2} s (ahead of any report, by the collector's background job)",
        pass.days_built.len()
    );
    println!(
        "{:<16} {:>10} {:>12}",
        "analysis", "seconds", "result bytes"
    );
    let mut total = 0.0;
    for &kind in ReportKind::ALL {
        let started = Instant::now();
        let report = run(&store, kind, &request, "default", end).await?;
        let secs = started.elapsed().as_secs_f64();
        total += secs;
        let bytes = serde_json::to_vec(&report)?.len();
        println!("{:<16} {secs:>10.2} {bytes:>12}", kind.name());
    }
    println!("{:<16} {total:>10.2}", "total");
    Ok(())
}
