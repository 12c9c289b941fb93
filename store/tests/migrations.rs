//! The migrations runner against a real ClickHouse: applies everything
//! once, is a no-op the second time, and refuses an edited applied file.

use faasight_store::local::{LocalClickHouse, LocalConfig};
use faasight_store::migrations::{apply, Migration, MIGRATIONS};
use faasight_store::{Error, Store};

#[tokio::test(flavor = "multi_thread")]
async fn applies_once_then_is_a_no_op_and_catches_edits() {
    let dir = tempfile::tempdir().unwrap();
    let ch = LocalClickHouse::start(&LocalConfig::with_free_ports(dir.path()).unwrap())
        .await
        .unwrap();
    let mut url = ch.url().clone();
    url.database = "migrations_test".into();
    let store = Store::connect(&url);

    let first = apply(&store, MIGRATIONS).await.unwrap();
    assert_eq!(
        first.applied,
        MIGRATIONS.iter().map(|m| m.version).collect::<Vec<_>>()
    );
    let tables: Vec<String> = store
        .client()
        .query("SELECT name FROM system.tables WHERE database = 'migrations_test' ORDER BY name")
        .fetch_all()
        .await
        .unwrap();
    for t in [
        "invocations",
        "invocations_hourly",
        "invocations_hourly_mv",
        "logs",
        "metrics",
        "schema_migrations",
        "spans",
    ] {
        assert!(tables.iter().any(|n| n == t), "{t} missing from {tables:?}");
    }

    let second = apply(&store, MIGRATIONS).await.unwrap();
    assert!(second.applied.is_empty());
    assert_eq!(second.skipped.len(), MIGRATIONS.len());

    // An applied file edited afterwards is an error, not a silent divergence.
    let mut edited: Vec<Migration> = MIGRATIONS.to_vec();
    edited[0].sql = "CREATE TABLE IF NOT EXISTS invocations (x String) ENGINE = Log";
    match apply(&store, &edited).await {
        Err(Error::ChecksumMismatch { version: 1, .. }) => {}
        other => panic!("expected a checksum mismatch, got {other:?}"),
    }

    // A new migration appended later is applied alone.
    let mut extended: Vec<Migration> = MIGRATIONS.to_vec();
    extended.push(Migration {
        version: 9999,
        name: "9999_test.sql",
        sql: "CREATE TABLE IF NOT EXISTS extra (x String) ENGINE = Log",
    });
    assert_eq!(apply(&store, &extended).await.unwrap().applied, vec![9999]);

    // A statement the server rejects names the migration and statement.
    let broken = [Migration {
        version: 10_000,
        name: "10000_broken.sql",
        sql: "SELECT 1;\nCREATE TABLE nope (x Strin) ENGINE = Log",
    }];
    let mut with_broken = extended.clone();
    with_broken.extend(broken);
    let e = apply(&store, &with_broken).await.unwrap_err().to_string();
    assert!(
        e.contains("migration 10000 (10000_broken.sql) failed in statement 2"),
        "{e}"
    );
}
