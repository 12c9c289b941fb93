//! Retention: dropping whole partitions older than what is kept.
//!
//! Every telemetry table is partitioned by time (migrations 0001–0003,
//! 0008 and 0009): `invocations`, `spans`, `logs`, `metrics` and the
//! materialized tables derived from invocations by day, the
//! `invocations_hourly` rollup by month. Dropping a partition removes its parts at once, without
//! rewriting anything, on every ClickHouse release faasight supports —
//! 18.16 has no TTL at all (it came in 19.6). So retention is a pass that
//! lists the active partitions (`system.parts`) and drops every one that
//! lies entirely before the cutoff; a partition the cutoff falls inside is
//! kept whole, so nothing younger than the cutoff is ever lost.
//!
//! The raw tables and the rollup have separate cutoffs: the rollup is what
//! the forecast (up to 365 days), anomalies and dashboards read, and is a
//! few hundred bytes per function and hour where the raw tables are a row
//! per invocation, so users typically keep it much longer.
//!
//! On servers that have it (20.1 and later), each table also gets a TTL
//! with `ttl_only_drop_parts`, so the server itself keeps dropping expired
//! parts between passes. Kept out of retention: the configuration
//! inventory (the latest configuration of a function may be old and still
//! true) and the imported invoice lines (finance keeps those for years).

use crate::{Error, Result, Store};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

/// How a table is partitioned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Partitioning {
    /// `toDate(column)`: partitions named `2026-11-02`.
    Day,
    /// `toYYYYMM(column)`: partitions named `202611`.
    Month,
}

/// A table under retention: name, partitioning, its time column, and
/// whether it is a rollup (kept for `keep_rollup_days`).
/// The materialized tables (migration 0008) are derived from the raw
/// invocations day by day and kept as long.
const TABLES: [(&str, Partitioning, &str, bool); 12] = [
    ("invocations", Partitioning::Day, "start_time", false),
    ("spans", Partitioning::Day, "timestamp", false),
    ("logs", Partitioning::Day, "timestamp", false),
    ("metrics", Partitioning::Day, "timestamp", false),
    ("invocations_hourly", Partitioning::Month, "hour", true),
    ("cold_starts", Partitioning::Day, "day", false),
    ("cold_start_days", Partitioning::Day, "day", false),
    ("invocation_hours", Partitioning::Day, "day", false),
    ("function_hours", Partitioning::Day, "day", false),
    ("function_days", Partitioning::Day, "day", false),
    ("usage_days", Partitioning::Day, "day", false),
    ("function_minutes", Partitioning::Day, "day", false),
];

/// The active partitions of every table in [`TABLES`].
const PARTS_SQL: &str = "SELECT table, partition, toUInt64(sum(rows)) AS rows FROM system.parts \
             WHERE database = currentDatabase() AND active \
             AND table IN ('invocations', 'spans', 'logs', 'metrics', 'invocations_hourly', \
             'cold_starts', 'cold_start_days', 'invocation_hours', 'function_hours', \
             'function_days', 'usage_days', 'function_minutes') \
             GROUP BY table, partition ORDER BY table, partition";

/// What to keep, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Days of raw invocations, spans, logs and metrics.
    pub keep_days: u32,
    /// Days of the hourly rollup.
    pub keep_rollup_days: u32,
}

/// One partition that lies entirely before its table's cutoff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiredPartition {
    /// Table name.
    pub table: String,
    /// Partition as `system.parts` names it (`2026-11-02`, `202611`).
    pub partition: String,
    /// Rows in it.
    pub rows: u64,
}

/// The result of a pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionPass {
    /// First day kept of the raw tables.
    pub cutoff: NaiveDate,
    /// First day kept of the rollup.
    pub rollup_cutoff: NaiveDate,
    /// Partitions dropped (or, for a dry run, that would be).
    pub expired: Vec<ExpiredPartition>,
    /// Tables given a TTL (servers ≥ 20.1 only; empty on older ones).
    pub ttl_tables: Vec<String>,
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct PartRow {
    table: String,
    partition: String,
    rows: u64,
}

/// Whether `partition` of a table partitioned by `by` lies entirely before
/// `cutoff`; `None` when the name is not one faasight's schema makes.
fn expired(by: Partitioning, partition: &str, cutoff: NaiveDate) -> Option<bool> {
    let p = partition.trim_matches('\'');
    match by {
        Partitioning::Day => NaiveDate::parse_from_str(p, "%Y-%m-%d")
            .ok()
            .map(|day| day < cutoff),
        Partitioning::Month => {
            let n: i32 = p.parse().ok()?;
            let first = NaiveDate::from_ymd_opt(n / 100, (n % 100) as u32, 1)?;
            let next = if first.month() == 12 {
                NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)?
            };
            Some(next <= cutoff)
        }
    }
}

/// The literal that names `partition` in `ALTER TABLE … DROP PARTITION`.
fn partition_literal(by: Partitioning, partition: &str) -> String {
    let p = partition.trim_matches('\'');
    match by {
        Partitioning::Day => format!("'{p}'"),
        Partitioning::Month => p.to_string(),
    }
}

/// The major version of the server (`18` for 18.16.1).
async fn server_major(store: &Store) -> Result<u32> {
    let version: String = store
        .client()
        .query("SELECT version()")
        .fetch_one()
        .await
        .map_err(|source| Error::Query {
            what: "read the server version".into(),
            source,
        })?;
    Ok(version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0))
}

/// Finds, and unless `dry_run` drops, every partition of the telemetry
/// tables that lies entirely before `today − keep`; on servers with TTL,
/// also sets each table's TTL to the same age.
pub async fn apply(
    store: &Store,
    retention: Retention,
    today: NaiveDate,
    dry_run: bool,
) -> Result<RetentionPass> {
    let cutoff = today - chrono::Days::new(u64::from(retention.keep_days));
    let rollup_cutoff = today - chrono::Days::new(u64::from(retention.keep_rollup_days));
    let parts: Vec<PartRow> =
        store
            .client()
            .query(PARTS_SQL)
            .fetch_all()
            .await
            .map_err(|source| Error::Query {
                what: "list the partitions".into(),
                source,
            })?;
    let mut pass = RetentionPass {
        cutoff,
        rollup_cutoff,
        expired: Vec::new(),
        ttl_tables: Vec::new(),
    };
    for part in parts {
        let Some(&(table, by, _, rollup)) = TABLES.iter().find(|t| t.0 == part.table) else {
            continue;
        };
        let limit = if rollup { rollup_cutoff } else { cutoff };
        if expired(by, &part.partition, limit) != Some(true) {
            continue;
        }
        if !dry_run {
            let literal = partition_literal(by, &part.partition);
            store
                .client()
                .query(&format!("ALTER TABLE {table} DROP PARTITION {literal}"))
                .execute()
                .await
                .map_err(|source| Error::Query {
                    what: format!("drop partition {} of {table}", part.partition),
                    source,
                })?;
        }
        pass.expired.push(ExpiredPartition {
            table: part.table,
            partition: part.partition,
            rows: part.rows,
        });
    }
    if !dry_run && server_major(store).await? >= 20 {
        for (table, _, column, rollup) in TABLES {
            let days = if rollup {
                retention.keep_rollup_days
            } else {
                retention.keep_days
            };
            // Whole parts only: a row-level TTL would rewrite parts.
            for sql in [
                format!("ALTER TABLE {table} MODIFY SETTING ttl_only_drop_parts = 1"),
                format!("ALTER TABLE {table} MODIFY TTL {column} + toIntervalDay({days})"),
            ] {
                store
                    .client()
                    .query(&sql)
                    .execute()
                    .await
                    .map_err(|source| Error::Query {
                        what: format!("set the TTL of {table}"),
                        source,
                    })?;
            }
            pass.ttl_tables.push(table.to_string());
        }
    }
    Ok(pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_partition_listing_names_every_table_under_retention() {
        for (table, ..) in TABLES {
            assert!(PARTS_SQL.contains(&format!("'{table}'")), "{table}");
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_day_expires_when_it_is_before_the_cutoff() {
        let cutoff = day("2026-11-07");
        assert_eq!(expired(Partitioning::Day, "2026-11-06", cutoff), Some(true));
        assert_eq!(
            expired(Partitioning::Day, "2026-11-07", cutoff),
            Some(false)
        );
        assert_eq!(
            expired(Partitioning::Day, "'2026-11-06'", cutoff),
            Some(true)
        );
        assert_eq!(expired(Partitioning::Day, "tuple()", cutoff), None);
    }

    #[test]
    fn a_month_expires_only_when_all_of_it_is_before_the_cutoff() {
        // October ends before Nov 1: expired at a cutoff of Nov 1, not at Oct 31.
        assert_eq!(
            expired(Partitioning::Month, "202610", day("2026-11-01")),
            Some(true)
        );
        assert_eq!(
            expired(Partitioning::Month, "202610", day("2026-10-31")),
            Some(false)
        );
        // December rolls over the year.
        assert_eq!(
            expired(Partitioning::Month, "202512", day("2026-01-01")),
            Some(true)
        );
        assert_eq!(
            expired(Partitioning::Month, "202512", day("2025-12-31")),
            Some(false)
        );
        assert_eq!(partition_literal(Partitioning::Month, "202610"), "202610");
        assert_eq!(
            partition_literal(Partitioning::Day, "2026-10-01"),
            "'2026-10-01'"
        );
    }
}
