//! `faasight retention`, and the daily pass of a running collector.

use crate::cli::RetentionArgs;
use faasight_store::retention::{apply, Retention, RetentionPass};
use faasight_store::Store;

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

fn describe(pass: &RetentionPass, dry_run: bool) -> String {
    let verb = if dry_run { "would drop" } else { "dropped" };
    let mut out = format!(
        "retention: raw tables kept from {}, rollup from {}; {verb} {} partitions ({} rows)",
        pass.cutoff,
        pass.rollup_cutoff,
        pass.expired.len(),
        pass.expired.iter().map(|p| p.rows).sum::<u64>()
    );
    for p in &pass.expired {
        out.push_str(&format!(
            "\n  {:<20} {:<12} {:>12} rows",
            p.table, p.partition, p.rows
        ));
    }
    if !dry_run {
        if pass.ttl_tables.is_empty() {
            out.push_str("\n(this ClickHouse has no TTL (before 20.1): partitions are dropped by these passes only)");
        } else {
            out.push_str(&format!(
                "\n(TTL set on {}: the server drops expired parts between passes)",
                pass.ttl_tables.join(", ")
            ));
        }
    }
    out
}

pub async fn run(args: RetentionArgs) -> anyhow::Result<()> {
    let retention = crate::cli::retention(args.keep, args.keep_rollups)?;
    let store = super::connect_db(&args.db).await?;
    super::migrate_quietly(&store).await?;
    // In cluster mode, on each node's own tables: a Distributed table has
    // no partitions to drop.
    for node in super::data_stores(&store).await? {
        let pass = apply(&node, retention, today(), args.dry_run).await?;
        println!("{}", describe(&pass, args.dry_run));
    }
    Ok(())
}

/// The running collector's pass: at start, then every 24 hours, until
/// `stop` turns true. A failed pass is logged and tried again the next day;
/// it never stops ingest.
pub(crate) async fn daily(
    store: Store,
    retention: Retention,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut every_day = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
    loop {
        tokio::select! {
            _ = every_day.tick() => {}
            _ = stop.wait_for(|s| *s) => return,
        }
        let nodes = match super::data_stores(&store).await {
            Ok(nodes) => nodes,
            Err(e) => {
                eprintln!("retention: the daily pass failed ({e}); trying again in 24 hours");
                continue;
            }
        };
        for node in nodes {
            match apply(&node, retention, today(), false).await {
                Ok(pass) => eprintln!("{}", describe(&pass, false)),
                Err(e) => {
                    eprintln!("retention: the daily pass failed ({e}); trying again in 24 hours")
                }
            }
        }
    }
}
