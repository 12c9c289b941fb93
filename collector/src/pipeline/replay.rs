//! Replaying a spooled batch without losing or doubling anything.
//!
//! A batch reaches the spool when its INSERT failed or did not answer in
//! time, so ClickHouse may hold none, all, or some of it: an INSERT the
//! collector abandons can be committed in part (18.16 takes a chunked body
//! that breaks off for a complete one), a crash can stop it between day
//! partitions, and the hourly rollup (a materialized view) is written
//! after the base table. Replay, which runs alone (no fresh write is in
//! flight while the spool holds anything), therefore:
//!
//! 1. waits while an INSERT of the batch still runs on the server: every
//!    INSERT carries the `query_id` `<batch>-<table>` of the first batch it
//!    holds (the writer merges consecutive batches into one INSERT, and
//!    replay goes in spool order, so the first batch's check comes before
//!    the others'), a client that gave up waiting does not stop the server
//!    from committing, and the server refuses a second query with a
//!    running query's id;
//! 2. per table, asks which rows of the batch are stored — every row
//!    carries its batch's id and its position in it (`batch_row`) — and
//!    inserts the others;
//! 3. compares, for every (tenant, provider, function, hour) the batch
//!    touched, the rollup's count with the base table's, and rebuilds the
//!    keys that disagree from the base table (delete, wait for the
//!    mutation, insert the view's SELECT) — idempotent, so a crash during a
//!    rebuild is mended by the next replay of the same batch.
//!
//! The rollup check assumes this collector is the only writer while it
//! replays; an `import` into the same database at that moment could be
//! counted twice in the rollup (never in the base table).

use super::spool::SpooledBatch;
use super::PipelineConfig;
use crate::telemetry::Metrics;
use faasight_store::Store;
use std::collections::HashMap;
use std::time::Duration;

const BATCH_ROWS: &str = include_str!("sql/batch_rows.sql");
const ROLLUP_KEYS_BASE: &str = include_str!("sql/rollup_keys_base.sql");
const ROLLUP_KEYS_ROLLUP: &str = include_str!("sql/rollup_keys_rollup.sql");
const ROLLUP_DELETE: &str = include_str!("sql/rollup_delete.sql");
const ROLLUP_REBUILD: &str = include_str!("sql/rollup_rebuild.sql");

/// The tables a batch writes.
pub(crate) const TABLES: [&str; 4] = ["invocations", "spans", "logs", "metrics"];

/// The `query_id` of a batch's INSERT into `table`.
pub(crate) fn query_id(batch_id: &str, table: &str) -> String {
    format!("{batch_id}-{table}")
}

/// What replaying one batch did.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Replayed {
    /// Rows that were already stored and not inserted again.
    pub skipped_rows: usize,
    /// Rows inserted.
    pub inserted_rows: usize,
    /// Rollup keys rebuilt because they disagreed with the base table.
    pub rebuilt_keys: usize,
}

async fn within<T, E: std::fmt::Display>(
    limit: Duration,
    f: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(limit, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {limit:?}")),
    }
}

/// Whether an INSERT of the batch into any table still runs. Every table,
/// whatever rows the batch has: a group's INSERT into a table carries its
/// *first* batch's id, and that batch may have no rows for the table
/// while later batches of the group do.
async fn still_running(store: &Store, batch_id: &str, limit: Duration) -> Result<bool, String> {
    let q = store
        .client()
        .query("SELECT count() FROM system.processes WHERE query_id IN (?, ?, ?, ?)")
        .bind(query_id(batch_id, TABLES[0]))
        .bind(query_id(batch_id, TABLES[1]))
        .bind(query_id(batch_id, TABLES[2]))
        .bind(query_id(batch_id, TABLES[3]));
    Ok(within(limit, q.fetch_one::<u64>()).await? > 0)
}

/// The positions of the batch's rows stored in `table`.
async fn stored_rows(
    store: &Store,
    table: &str,
    batch_id: &str,
    limit: Duration,
) -> Result<Vec<u32>, String> {
    let sql = BATCH_ROWS.replace("{table}", table);
    let q = store.client().query(&sql).bind(batch_id);
    within(limit, q.fetch_all::<u32>()).await
}

/// A row's place in its batch.
pub(crate) trait Numbered: Clone {
    /// `batch_row`: from 1; 0 for rows spooled before rows were numbered.
    fn batch_row(&self) -> u32;
}

impl Numbered for faasight_store::InvocationRow {
    fn batch_row(&self) -> u32 {
        self.batch_row
    }
}

impl Numbered for faasight_store::SpanRow {
    fn batch_row(&self) -> u32 {
        self.batch_row
    }
}

impl Numbered for faasight_store::LogRow {
    fn batch_row(&self) -> u32 {
        self.batch_row
    }
}

impl Numbered for faasight_store::MetricRow {
    fn batch_row(&self) -> u32 {
        self.batch_row
    }
}

/// The rows of `rows` not among `stored` (positions found in the table).
/// Rows spooled before rows were numbered all have position 0: for them
/// only "none stored" (insert all) and "all stored" (skip) can be told
/// apart, and anything between is logged and skipped, as it was then.
fn missing_rows<T: Numbered>(
    rows: &[T],
    stored: &[u32],
    table: &str,
    batch_id: &str,
    done: &mut Replayed,
) -> Vec<T> {
    if stored.is_empty() {
        return rows.to_vec();
    }
    let numbered = rows.iter().any(|r| r.batch_row() != 0);
    if !numbered {
        if stored.len() != rows.len() {
            tracing::error!(table, batch = %batch_id, have = stored.len(), expected = rows.len(), "Spooled batch from an older collector is partly present; not replaying it.");
        }
        done.skipped_rows += rows.len();
        return Vec::new();
    }
    let stored: std::collections::HashSet<u32> = stored.iter().copied().collect();
    let missing: Vec<T> = rows
        .iter()
        .filter(|r| !stored.contains(&r.batch_row()))
        .cloned()
        .collect();
    done.skipped_rows += rows.len() - missing.len();
    missing
}

/// Replays one spooled batch (see the module documentation).
pub(crate) async fn replay(
    store: &Store,
    b: &SpooledBatch,
    cfg: &PipelineConfig,
    metrics: &Metrics,
) -> Result<Replayed, String> {
    let (limit, insert_limit) = (cfg.check_timeout, cfg.insert_timeout);
    let mut done = Replayed::default();
    if still_running(store, &b.batch_id, limit).await? {
        return Err(format!(
            "an earlier INSERT of batch {} is still running",
            b.batch_id
        ));
    }
    for table in TABLES {
        let n = match table {
            "invocations" => b.invocations.len(),
            "spans" => b.spans.len(),
            "logs" => b.logs.len(),
            _ => b.metrics.len(),
        };
        if n == 0 {
            continue;
        }
        let id = query_id(&b.batch_id, table);
        let stored = stored_rows(store, table, &b.batch_id, limit).await?;
        let started = std::time::Instant::now();
        let ctx = (
            store,
            table,
            id.as_str(),
            stored.as_slice(),
            b.batch_id.as_str(),
            insert_limit,
        );
        let inserted = match table {
            "invocations" => restore(ctx, &b.invocations, &mut done).await?,
            "spans" => restore(ctx, &b.spans, &mut done).await?,
            "logs" => restore(ctx, &b.logs, &mut done).await?,
            _ => restore(ctx, &b.metrics, &mut done).await?,
        };
        if inserted > 0 {
            metrics.record_insert(&[(table, inserted)], started.elapsed());
        }
        done.inserted_rows += inserted;
    }
    if !b.invocations.is_empty() {
        done.rebuilt_keys = reconcile_rollup(store, &b.batch_id, cfg, limit).await?;
    }
    Ok(done)
}

/// Where [`restore`] writes: the store, the table, the INSERT's query id,
/// the positions of the batch's rows already stored, the batch id, the
/// time limit.
type RestoreTarget<'a> = (&'a Store, &'a str, &'a str, &'a [u32], &'a str, Duration);

/// Inserts the rows of the batch the table does not hold; returns how many.
async fn restore<T>(
    (store, table, id, stored, batch_id, limit): RestoreTarget<'_>,
    rows: &[T],
    done: &mut Replayed,
) -> Result<usize, String>
where
    T: Numbered + clickhouse::RowOwned + clickhouse::RowWrite,
{
    let rows = missing_rows(rows, stored, table, batch_id, done);
    within(limit, store.insert_rows_as(table, &rows, Some(id))).await?;
    Ok(rows.len())
}

type RollupKey = (String, String, String, u32);

/// Rebuilds the rollup keys of the batch that disagree with the base
/// table; returns how many. In cluster mode the counts are read through
/// the Distributed tables and a key is rebuilt on every node's own tables
/// (a mutation cannot go through a Distributed table; the node that holds
/// no row of the key deletes and inserts nothing).
async fn reconcile_rollup(
    front: &Store,
    batch_id: &str,
    cfg: &PipelineConfig,
    limit: Duration,
) -> Result<usize, String> {
    let counts = |sql: &'static str| async move {
        let q = front.client().query(sql).bind(batch_id);
        within(limit, q.fetch_all::<(String, String, String, u32, u64)>())
            .await
            .map(|rows| {
                rows.into_iter()
                    .map(|(t, p, f, h, n)| ((t, p, f, h), n))
                    .collect::<HashMap<RollupKey, u64>>()
            })
    };
    let base = counts(ROLLUP_KEYS_BASE).await?;
    let rollup = counts(ROLLUP_KEYS_ROLLUP).await?;
    let mut wrong: Vec<&RollupKey> = base
        .iter()
        .filter(|(k, n)| rollup.get(*k) != Some(n))
        .map(|(k, _)| k)
        .collect();
    wrong.sort();
    let nodes = if wrong.is_empty() {
        Vec::new()
    } else {
        within(
            limit,
            faasight_store::cluster::data_stores(front, &cfg.cluster_nodes),
        )
        .await?
    };
    for (tenant, provider, function, hour) in &wrong {
        tracing::warn!(%tenant, %provider, %function, hour, base = base[&(tenant.clone(), provider.clone(), function.clone(), *hour)], "Hourly rollup disagrees with the invocations after a failed insert; rebuilding it.");
        for store in &nodes {
            let delete = store
                .client()
                .query(ROLLUP_DELETE)
                .bind(tenant.as_str())
                .bind(provider.as_str())
                .bind(function.as_str())
                .bind(*hour);
            let before = rollup_mutations(store, limit).await?;
            within(limit, delete.execute()).await?;
            wait_for_mutations(store, &before, limit).await?;
            let rebuild = store
                .client()
                .query(ROLLUP_REBUILD)
                .bind(tenant.as_str())
                .bind(provider.as_str())
                .bind(function.as_str())
                .bind(*hour)
                .bind(*hour);
            within(limit, rebuild.execute()).await?;
        }
    }
    Ok(wrong.len())
}

/// The ids of the rollup table's mutations (the delete's own id is not
/// returned by the ALTER over HTTP: it is the one that appears after it).
async fn rollup_mutations(store: &Store, limit: Duration) -> Result<Vec<String>, String> {
    let q = store.client().query(
        "SELECT mutation_id FROM system.mutations \
         WHERE database = currentDatabase() AND table = 'invocations_hourly'",
    );
    within(limit, q.fetch_all::<String>()).await
}

/// Waits until the rollup's mutations that did not exist `before` (the
/// delete just issued) are applied; others — someone else's, perhaps
/// stuck — are not this replay's to wait for.
async fn wait_for_mutations(
    store: &Store,
    before: &[String],
    limit: Duration,
) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + limit * 6;
    loop {
        let q = store.client().query(
            "SELECT mutation_id FROM system.mutations \
             WHERE database = currentDatabase() AND table = 'invocations_hourly' AND is_done = 0",
        );
        let pending = within(limit, q.fetch_all::<String>()).await?;
        if pending.iter().all(|id| before.contains(id)) {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err("the rollup's delete mutation has not finished".into());
        }
        // Polling a server-side state: there is nothing to wait on.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faasight_store::InvocationRow;

    fn rows(positions: &[u32]) -> Vec<InvocationRow> {
        positions
            .iter()
            .map(|&n| InvocationRow {
                request_id: format!("r{n}"),
                batch_row: n,
                ..Default::default()
            })
            .collect()
    }

    #[test]
    fn only_the_rows_not_stored_are_replayed() {
        let mut done = Replayed::default();
        let all = rows(&[1, 2, 3, 4, 5]);
        let missing = missing_rows(&all, &[1, 4], "invocations", "b", &mut done);
        let ids: Vec<&str> = missing.iter().map(|r| r.request_id.as_str()).collect();
        assert_eq!(ids, ["r2", "r3", "r5"]);
        assert_eq!(done.skipped_rows, 2);
        assert_eq!(
            missing_rows(&all, &[], "invocations", "b", &mut done).len(),
            5
        );
        assert!(missing_rows(&all, &[5, 4, 3, 2, 1], "invocations", "b", &mut done).is_empty());
    }

    #[test]
    fn unnumbered_rows_of_an_older_spool_are_all_or_nothing() {
        let mut done = Replayed::default();
        let old = rows(&[0, 0, 0]);
        assert_eq!(missing_rows(&old, &[], "logs", "b", &mut done).len(), 3);
        assert!(missing_rows(&old, &[0, 0, 0], "logs", "b", &mut done).is_empty());
        assert!(missing_rows(&old, &[0], "logs", "b", &mut done).is_empty());
    }
}
