//! `faasight retention` and the collector's daily pass on ClickHouse 18.16:
//! whole partitions older than what is kept are dropped, nothing younger,
//! and the rollup keeps its own, longer age.

use super::common::{faasight, faasight_ok, wait_for, ClickHouse, Collector};
use chrono::{Duration, Utc};

/// Ages in days of the data the tests load: two beyond a 30-day keep, one
/// within it.
const AGES: [i64; 3] = [100, 40, 5];

/// Loads one invocation (through import, so the rollup gets it too), one
/// span and one log record at each age, at noon UTC.
async fn load(ch: &ClickHouse) {
    let today = Utc::now().date_naive();
    let days: Vec<_> = AGES
        .iter()
        .map(|age| today - Duration::days(*age))
        .collect();
    let lines: Vec<String> = days
        .iter()
        .map(|day| format!(
            r#"{{"provider":"aws_lambda","account":"1","region":"eu-west-1","function":"f","memory_mb":128,"request_id":"r{day}","start_time":"{day}T12:00:00Z","duration_ms":10}}"#
        ))
        .collect();
    // The import also creates the tables.
    ch.import_ndjson(&lines);
    for day in &days {
        for table in ["spans", "logs"] {
            ch.store()
                .client()
                .query(&format!(
                    "INSERT INTO {table} (tenant, timestamp) VALUES ('default', '{day} 12:00:00')"
                ))
                .execute()
                .await
                .unwrap();
        }
    }
}

/// Rows per table and age: (invocations, spans, logs, rollup invocations).
async fn ages(ch: &ClickHouse) -> Vec<(i64, u64, u64, u64, u64)> {
    let today = Utc::now().date_naive();
    let mut out = Vec::new();
    for age in AGES {
        let day = today - Duration::days(age);
        let count = |sql: String| async move { ch.count(&sql).await };
        out.push((
            age,
            count(format!("SELECT count() FROM invocations WHERE toDate(start_time) = '{day}'")).await,
            count(format!("SELECT count() FROM spans WHERE toDate(timestamp) = '{day}'")).await,
            count(format!("SELECT count() FROM logs WHERE toDate(timestamp) = '{day}'")).await,
            count(format!(
                "SELECT toUInt64(countMerge(invocations)) FROM invocations_hourly WHERE toDate(hour) = '{day}'"
            ))
            .await,
        ));
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn retention_drops_whole_old_partitions_and_keeps_the_rollup_longer() {
    let ch = ClickHouse::start().await;
    load(&ch).await;
    let all = vec![(100, 1, 1, 1, 1), (40, 1, 1, 1, 1), (5, 1, 1, 1, 1)];
    assert_eq!(ages(&ch).await, all);
    let url = ch.url();
    // `retention --keep 30d --keep-rollups 60d` plus `extra`.
    let keep_30_60 = |extra: &[&str]| {
        let mut args = vec!["retention", "--keep", "30d", "--keep-rollups", "60d"];
        args.extend_from_slice(extra);
        args.extend(["--clickhouse-url", &url]);
        faasight_ok(&args)
    };

    // Refused before anything is touched: a rollup kept shorter than the
    // raw data, and a keep that is not a number of days.
    let out = faasight(&[
        "retention",
        "--keep",
        "30d",
        "--keep-rollups",
        "10d",
        "--clickhouse-url",
        &url,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--keep-rollups 10d is shorter than --keep 30d"));
    let out = faasight(&["retention", "--keep", "0d", "--clickhouse-url", &url]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a number of days"));

    // A dry run lists the 100- and 40-day partitions of the three raw
    // tables (6) and, with the rollup kept 60 days, the month of the
    // 100-day row: it ended at most 70 days ago. It drops nothing.
    let said = keep_30_60(&["--dry-run"]);
    assert!(
        said.contains("would drop 19 partitions (19 rows)"),
        "{said}"
    );
    assert_eq!(ages(&ch).await, all);

    let said = keep_30_60(&[]);
    assert!(said.contains("dropped 19 partitions (19 rows)"), "{said}");
    assert!(said.contains("no TTL"), "{said}");
    // The 40-day row's rollup stays: its month ends less than 60 days ago.
    assert_eq!(
        ages(&ch).await,
        vec![(100, 0, 0, 0, 0), (40, 0, 0, 0, 1), (5, 1, 1, 1, 1)]
    );
    // The materialized tables (built by the import) go with the raw data:
    // of the 19 partitions, 12 were theirs (a day of `invocation_hours`,
    // `cold_start_days`, `function_hours`, `function_days`, `usage_days`
    // and `function_minutes` per old day).
    for (age, kept) in [(100, 0), (40, 0), (5, 1)] {
        let day = Utc::now().date_naive() - Duration::days(age);
        for (table, count) in [
            ("invocation_hours", "invocations"),
            ("cold_start_days", "invocations"),
            ("function_hours", "invocations"),
            ("function_days", "invocations"),
            ("usage_days", "requests"),
            ("function_minutes", "arraySum(counts)"),
        ] {
            let n = ch
                .count(&format!(
                    "SELECT toUInt64(sum({count})) FROM {table} WHERE day = '{day}'"
                ))
                .await;
            assert_eq!(n, kept, "{table} {age} days ago");
        }
    }
    // Again: nothing left to drop.
    let said = keep_30_60(&[]);
    assert!(said.contains("dropped 0 partitions"), "{said}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_collector_drops_old_partitions_when_it_starts() {
    let ch = ClickHouse::start().await;
    let dir = tempfile::tempdir().unwrap();
    load(&ch).await;
    let _collector = Collector::start(&ch.url(), dir.path(), &["--keep", "30d"]).await;
    // The pass runs at start and then daily: wait for it, bounded.
    let left = wait_for(
        "the collector's retention pass",
        std::time::Duration::from_secs(60),
        || async {
            let a = ages(&ch).await;
            let old_raw: u64 = a[..2].iter().map(|x| x.1 + x.2 + x.3).sum();
            (old_raw == 0 && a[0].4 == 0).then_some(a)
        },
    )
    .await;
    // Raw data older than 30 days is gone, the recent day is kept; the
    // rollup is kept as long as the raw data (no --keep-rollups): its
    // 100-day month is gone, the 40-day row's month may not be whole yet.
    assert_eq!((left[0].2, left[0].3, left[0].4), (0, 0, 0));
    assert_eq!(left[2], (5, 1, 1, 1, 1));
}
