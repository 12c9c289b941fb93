//! One pass at a time across processes, through ClickHouse itself: the lock
//! is a table that exists while a pass runs. `CREATE TABLE` without `IF NOT
//! EXISTS` succeeds for exactly one caller, on 18.16 as on current
//! releases. The table (Memory engine: gone if the server restarts) holds
//! when the pass began and a heartbeat after each day it builds, so a lock
//! left by a process that died mid-pass is broken once its latest beat is
//! older than [`STALE_AFTER_S`], and a long pass that is alive never is.

use crate::{Error, Result};
use faasight_store::Store;
use std::time::Duration;

const LOCK_TABLE: &str = "materialize_lock";

/// A day is never built this slowly (a day of 10 M invocations is built in
/// about 0.7 s); a lock whose latest beat is older belongs to a process
/// that died.
const STALE_AFTER_S: i64 = 30 * 60;

/// How long to wait for another process's pass before giving up.
const WAIT_AT_MOST: Duration = Duration::from_secs(40 * 60);

/// The held lock; [`Lock::release`] drops it.
pub(super) struct Lock;

impl Lock {
    /// Takes the lock, waiting while another process holds it; `None` if
    /// `stopped` turns true while waiting.
    pub(super) async fn acquire(
        store: &Store,
        stopped: &(dyn Fn() -> bool + Sync),
    ) -> Result<Option<Lock>> {
        let create =
            format!("CREATE TABLE {LOCK_TABLE} ENGINE = Memory AS SELECT toUInt32(now()) AS since");
        let waited = std::time::Instant::now();
        let mut pause = Duration::from_millis(50);
        loop {
            match store.execute(&create).await {
                Ok(()) => return Ok(Some(Lock)),
                Err(e) if exists(store).await? => {
                    if age_s(store).await?.is_some_and(|age| age > STALE_AFTER_S) {
                        eprintln!(
                            "materialize: breaking a lock older than {} minutes (a pass that died)",
                            STALE_AFTER_S / 60
                        );
                        let _ = store
                            .execute(&format!("DROP TABLE IF EXISTS {LOCK_TABLE}"))
                            .await;
                        continue;
                    }
                    if waited.elapsed() > WAIT_AT_MOST {
                        return Err(Error::Model(format!(
                            "another materialize pass has held the lock for over {} minutes ({e})",
                            WAIT_AT_MOST.as_secs() / 60
                        )));
                    }
                    // Another process's pass: wait for it to end.
                    if stopped() {
                        return Ok(None);
                    }
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Says the pass holding the lock is alive. A failure only lets the
    /// lock look older.
    pub(super) async fn heartbeat(&self, store: &Store) {
        let _ = store
            .execute(&format!(
                "INSERT INTO {LOCK_TABLE} SELECT toUInt32(now()) AS since"
            ))
            .await;
    }

    /// Drops the lock. A failure leaves it to go stale, which only delays
    /// the next pass.
    pub(super) async fn release(self, store: &Store) {
        if let Err(e) = store
            .execute(&format!("DROP TABLE IF EXISTS {LOCK_TABLE}"))
            .await
        {
            eprintln!(
                "materialize: could not release the lock ({e}); it goes stale in {} minutes",
                STALE_AFTER_S / 60
            );
        }
    }
}

/// `EXISTS TABLE` rather than `system.tables`: 18.16 fails a query on
/// `system.tables` when another table of the database is dropped while
/// it runs (the pass drops its staging tables; seen with two passes).
async fn exists(store: &Store) -> Result<bool> {
    let n: u8 = store
        .client()
        .query(&format!("EXISTS TABLE {LOCK_TABLE}"))
        .fetch_one()
        .await
        .map_err(|source| Error::Query {
            query: "materialize lock",
            source,
        })?;
    Ok(n > 0)
}

/// Seconds since the lock's latest beat; `None` if it went in the meantime
/// (or is being created and holds no row yet).
async fn age_s(store: &Store) -> Result<Option<i64>> {
    let rows: Vec<i64> = store
        .client()
        .query(&format!(
            "SELECT toInt64(now()) - toInt64(since) FROM {LOCK_TABLE} ORDER BY since DESC LIMIT 1"
        ))
        .fetch_all()
        .await
        .unwrap_or_default();
    Ok(rows.first().copied())
}
