//! Forward-only schema migrations.
//!
//! The schema lives only in `migrations/NNNN_name.sql` at the repository root,
//! compiled into the binary here. Applied migrations are recorded in
//! `schema_migrations` with the SHA-256 of their file, so re-running is a
//! no-op and an edit to an applied file is caught instead of silently
//! diverging from what the server holds. Every statement must run on
//! ClickHouse 18.16 and on current releases (a test runs them through chDB).

use crate::{Error, Result, Store};
use sha2::{Digest, Sha256};

/// One numbered migration file.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Its number: unique and increasing across the list.
    pub version: u32,
    /// The file name, e.g. `0001_invocations.sql`.
    pub name: &'static str,
    /// The file's SQL: statements separated by a `;` at the end of a line.
    pub sql: &'static str,
}

macro_rules! migration {
    ($version:literal, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../../migrations/", $name)),
        }
    };
}

/// All migrations, in order. Append only.
pub const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_invocations.sql"),
    migration!(2, "0002_otel_spans_logs.sql"),
    migration!(3, "0003_invocations_hourly.sql"),
    migration!(4, "0004_batch_ids.sql"),
    migration!(5, "0005_batch_rows.sql"),
    migration!(6, "0006_function_inventory.sql"),
    migration!(7, "0007_cur_line_items.sql"),
    migration!(8, "0008_materialized.sql"),
    migration!(9, "0009_metrics.sql"),
];

pub(crate) const CREATE_SCHEMA_MIGRATIONS: &str = "CREATE TABLE IF NOT EXISTS schema_migrations \
     (version UInt32, name String, checksum String, applied_at DateTime('UTC')) \
     ENGINE = ReplacingMergeTree(applied_at) ORDER BY version";

impl Migration {
    /// Hex SHA-256 of the file's text.
    pub fn checksum(&self) -> String {
        let digest = Sha256::digest(self.sql.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The file's statements, without full-line comments.
    pub fn statements(&self) -> Vec<String> {
        split_statements(self.sql)
    }
}

/// Splits SQL text into statements at `;` that end a line, dropping
/// full-line `--` comments and empty statements.
pub fn split_statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in sql.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("--") {
            continue;
        }
        let ends = trimmed.ends_with(';');
        current.push_str(line.trim_end().trim_end_matches(';'));
        current.push('\n');
        if ends {
            push_statement(&mut out, &mut current);
        }
    }
    push_statement(&mut out, &mut current);
    out
}

fn push_statement(out: &mut Vec<String>, current: &mut String) {
    let s = current.trim();
    if !s.is_empty() {
        out.push(s.to_string());
    }
    current.clear();
}

/// Checks that versions are unique and strictly increasing.
pub fn validate(migrations: &[Migration]) -> Result<()> {
    for pair in migrations.windows(2) {
        if pair[1].version <= pair[0].version {
            return Err(Error::InvalidMigrations(format!(
                "{} (version {}) follows {} (version {}): versions must increase",
                pair[1].name, pair[1].version, pair[0].name, pair[0].version
            )));
        }
    }
    Ok(())
}

/// What a run of [`apply`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Versions applied by this run.
    pub applied: Vec<u32>,
    /// Versions that were already applied.
    pub skipped: Vec<u32>,
}

#[derive(clickhouse::Row, serde::Deserialize)]
struct Applied {
    version: u32,
    name: String,
    checksum: String,
}

/// Applies every migration in `migrations` that is not yet recorded, in
/// order, after checking that the recorded ones are unchanged.
///
/// Runs are not locked against each other: start one migrator at a time.
pub async fn apply(store: &Store, migrations: &[Migration]) -> Result<Report> {
    validate(migrations)?;
    store.ensure_database().await?;
    store.execute(CREATE_SCHEMA_MIGRATIONS).await?;
    let applied: Vec<Applied> = store
        .client()
        .query(
            "SELECT version, any(name) AS name, argMax(checksum, applied_at) AS checksum \
             FROM schema_migrations GROUP BY version ORDER BY version",
        )
        .fetch_all()
        .await
        .map_err(|e| Error::query("read schema_migrations", e))?;

    let pending = migrations
        .iter()
        .any(|m| !applied.iter().any(|a| a.version == m.version));
    if pending && crate::cluster::distributed_over(store).await?.is_some() {
        // Its tables are Distributed: the ordinary DDL would put
        // materialized views on them and count every row twice.
        return Err(Error::Cluster(format!(
            "database {} is spread over a cluster (its tables are Distributed) and misses \
             migrations: run `faasight migrate --cluster NAME` to migrate every node",
            store.url().database
        )));
    }
    let mut report = Report::default();
    for m in migrations {
        let checksum = m.checksum();
        if let Some(done) = applied.iter().find(|a| a.version == m.version) {
            if done.checksum != checksum {
                return Err(Error::ChecksumMismatch {
                    version: m.version,
                    name: done.name.clone(),
                    applied: done.checksum.clone(),
                    current: checksum,
                });
            }
            report.skipped.push(m.version);
            continue;
        }
        for (i, statement) in m.statements().iter().enumerate() {
            store
                .client()
                .query(statement)
                .execute()
                .await
                .map_err(|source| Error::Migration {
                    version: m.version,
                    name: m.name.to_string(),
                    statement: i + 1,
                    source,
                })?;
        }
        store
            .client()
            .query("INSERT INTO schema_migrations (version, name, checksum, applied_at) SELECT ?, ?, ?, now()")
            .bind(m.version)
            .bind(m.name)
            .bind(checksum.as_str())
            .execute()
            .await
            .map_err(|e| Error::query("record migration", e))?;
        tracing::info!(version = m.version, name = m.name, "Applied migration.");
        report.applied.push(m.version);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_migrations_are_numbered_in_order_and_match_file_names() {
        validate(MIGRATIONS).unwrap();
        for m in MIGRATIONS {
            let prefix: u32 = m.name[..4].parse().unwrap();
            assert_eq!(prefix, m.version, "{}", m.name);
            assert!(!m.statements().is_empty(), "{} has no statement", m.name);
        }
        let mut sums: Vec<_> = MIGRATIONS.iter().map(|m| m.checksum()).collect();
        sums.dedup();
        assert_eq!(sums.len(), MIGRATIONS.len());
    }

    #[test]
    fn every_migration_file_on_disk_is_listed() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        on_disk.sort();
        let listed: Vec<String> = MIGRATIONS.iter().map(|m| m.name.to_string()).collect();
        assert_eq!(on_disk, listed);
    }

    #[test]
    fn out_of_order_versions_are_refused() {
        let list = [
            Migration {
                version: 2,
                name: "0002_a.sql",
                sql: "SELECT 1",
            },
            Migration {
                version: 2,
                name: "0002_b.sql",
                sql: "SELECT 1",
            },
        ];
        assert!(matches!(validate(&list), Err(Error::InvalidMigrations(_))));
    }

    #[test]
    fn splits_statements_at_line_final_semicolons() {
        let sql = "-- comment; not a split\nCREATE TABLE a (x String DEFAULT 'a;b')\nENGINE = Log;\n\nSELECT 1;\n-- trailing\n";
        assert_eq!(
            split_statements(sql),
            vec![
                "CREATE TABLE a (x String DEFAULT 'a;b')\nENGINE = Log",
                "SELECT 1"
            ]
        );
    }
}
