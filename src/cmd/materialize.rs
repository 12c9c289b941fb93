//! `faasight materialize`, and the background job of `collector` and `up`:
//! passes of [`faasight_analyzer::materialize::refresh`], which build the
//! days whose invocations changed since they were last built.

use crate::cli::DbArgs;
use faasight_analyzer::materialize::{refresh, refresh_until, MaterializePass};
use faasight_store::Store;
use std::time::{Duration, Instant};

fn describe(pass: &MaterializePass, took: Duration) -> String {
    match (pass.days_built.first(), pass.days_built.last()) {
        (Some(first), Some(last)) => format!(
            "materialize: built {} days ({first} to {last}): {} cold starts classified from {} invocations read, in {:.1} s",
            pass.days_built.len(),
            pass.cold_starts,
            pass.invocations_read,
            took.as_secs_f64()
        ),
        _ => "materialize: every day is up to date".to_string(),
    }
}

/// One pass, and what it did on stderr; in cluster mode one per node, on
/// the node's own tables (a function's rows all live on one shard).
pub(crate) async fn pass(store: &Store) -> anyhow::Result<MaterializePass> {
    let mut all = MaterializePass::default();
    for node in super::data_stores(store).await? {
        let started = Instant::now();
        let pass = refresh(&node).await?;
        eprintln!("{}", describe(&pass, started.elapsed()));
        all.absorb(pass);
    }
    Ok(all)
}

pub async fn run(db: DbArgs) -> anyhow::Result<()> {
    let store = super::connect_db(&db).await?;
    super::migrate_quietly(&store).await?;
    pass(&store).await?;
    Ok(())
}

/// The running collector's job: a pass at start, then one `period` after
/// each pass ends, until `stop` turns true. A failed pass is logged and
/// tried again; it never stops ingest. Quiet while nothing changed. A pass
/// is not cancelled mid-day (that would leave its lock behind for the next
/// start to wait on): it ends after the day it is building.
pub(crate) async fn every(
    store: Store,
    period: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let started = Instant::now();
        let result = async {
            let stopped = || *stop.borrow();
            let mut all = MaterializePass::default();
            for node in super::data_stores(&store).await? {
                all.absorb(refresh_until(&node, &stopped).await?);
            }
            anyhow::Ok(all)
        }
        .await;
        match result {
            Ok(pass) if pass.days_built.is_empty() => {}
            Ok(pass) => eprintln!("{}", describe(&pass, started.elapsed())),
            Err(e) => eprintln!(
                "materialize: the pass failed ({e}); trying again in {} s",
                period.as_secs()
            ),
        }
        if *stop.borrow() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}
