//! Where normalized records go: batched inserts into ClickHouse.

use faasight_store::{InvocationRow, Store};

/// Largest number of rows sent in one INSERT; bigger writes are split so
/// that a single request never builds an unbounded insert body.
pub const MAX_INSERT_ROWS: usize = 100_000;

/// Writes invocation rows to the store.
#[derive(Debug, Clone)]
pub struct ClickHouseSink {
    store: Store,
}

impl ClickHouseSink {
    /// A sink over `store`.
    pub fn new(store: Store) -> Self {
        ClickHouseSink { store }
    }

    /// The store written to.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Inserts `rows`, at most [`MAX_INSERT_ROWS`] per INSERT. Returns once
    /// ClickHouse has acknowledged every row.
    pub async fn write_invocations(&self, rows: &[InvocationRow]) -> faasight_store::Result<()> {
        for chunk in rows.chunks(MAX_INSERT_ROWS) {
            self.store.insert_invocations(chunk).await?;
        }
        Ok(())
    }
}
