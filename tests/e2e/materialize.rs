//! The materialized cold-start results on ClickHouse 18.16: causes told
//! across midnight (the look-back and the configuration that ran before),
//! late data that makes a day be built again without doubling anything,
//! passes of two processes at once, and rates from the hourly tables equal
//! to a brute-force count of the raw invocations.

use super::common::{faasight, faasight_ok, ClickHouse};
use faasight_analyzer::explore::{init_histogram, FunctionKey};
use faasight_analyzer::TimeRange;
use faasight_store::PicoUsd;
use serde_json::Value;
use std::collections::BTreeMap;

/// One NDJSON invocation of function `function` (AWS, us-east-1).
fn line(
    function: &str,
    version: &str,
    request: &str,
    at: &str,
    duration_ms: u32,
    start: &str,
) -> String {
    let init = if start == "cold" { 300 } else { 0 };
    format!(
        r#"{{"provider":"aws_lambda","account":"111","region":"us-east-1","function":"{function}","version":"{version}","memory_mb":512,"request_id":"{request}","start_time":"{at}","duration_ms":{duration_ms},"start_type":"{start}","init_duration_ms":{init}}}"#
    )
}

/// `faasight cold-starts --format json` over the window ending at `to`.
fn cold_starts(ch: &ClickHouse, days: &str, to: &str) -> Value {
    let url = ch.url();
    serde_json::from_str(&faasight_ok(&[
        "cold-starts",
        "--days",
        days,
        "--to",
        to,
        "--format",
        "json",
        "--clickhouse-url",
        &url,
    ]))
    .unwrap()
}

/// Request id → (cause, gap_ms) of the report's latest cold starts.
fn causes(report: &Value) -> BTreeMap<String, (String, Value)> {
    report["latest_cold_starts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["request_id"].as_str().unwrap().to_string(),
                (
                    c["cause"].as_str().unwrap().to_string(),
                    c["gap_ms"].clone(),
                ),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn causes_cross_midnight_and_late_data_rebuilds_its_days_exactly() {
    let ch = ClickHouse::start().await;
    // Each import runs a pass (`import` brings the tables up to date).
    ch.import_ndjson(&[
        // Day 1: the function's first call, then a 30-second call that
        // runs past midnight (until 00:00:20).
        line("api", "1", "r1", "2026-03-02T10:00:00Z", 100, "cold"),
        line("api", "1", "r2", "2026-03-02T23:59:50Z", 30_000, "warm"),
        // Day 2: a cold start while r2 (yesterday's) still runs:
        // scale-out, which only day 2's look-back shows. Three hours of
        // nothing later: idle.
        line("api", "1", "r3", "2026-03-03T00:00:05Z", 100, "cold"),
        line("api", "1", "r4", "2026-03-03T03:00:00Z", 100, "cold"),
        // Day 3: version 2, nothing of `api` for 31 hours: the version
        // that ran before (1, day 2) makes it a deploy.
        line("api", "2", "r5", "2026-03-04T10:00:00Z", 100, "cold"),
        // Day 4: version 2 again after 26 hours: idle, with no gap to
        // show (nothing within the look-back).
        line("api", "2", "r6", "2026-03-05T12:00:00Z", 100, "cold"),
        // Another function's very first call, on day 3: first-seen.
        line("solo", "1", "s1", "2026-03-04T05:00:00Z", 100, "cold"),
    ]);
    let report = cold_starts(&ch, "5", "2026-03-06T00:00:00Z");
    let got = causes(&report);
    let cause = |r: &str| got[r].0.as_str();
    assert_eq!(
        ["r1", "r3", "r4", "r5", "r6", "s1"].map(cause),
        [
            "first-seen",
            "scale-out",
            "idle",
            "deploy",
            "idle",
            "first-seen"
        ],
        "{got:?}"
    );
    // r4's gap: from the function's last end, r2's at 00:00:20.
    assert_eq!(got["r4"].1, Value::from(3 * 3_600_000 - 20_000));
    assert_eq!(got["r6"].1, Value::Null);
    let api = report["functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["function"] == "aws_lambda/111/us-east-1/api")
        .unwrap();
    assert_eq!(
        (api["invocations"].as_u64(), api["cold_starts"].as_u64()),
        (Some(6), Some(5))
    );
    assert_eq!(api["deploys"].as_u64(), Some(1));
    assert!(report["materialized_at"].is_string(), "{report}");

    // Late data for day 2: a call from 02:58 to 03:03 was still running
    // when r4 started. Day 2 is built again (and day 3, whose look-back it
    // is): r4 becomes scale-out, and no row is doubled.
    ch.import_ndjson(&[line(
        "api",
        "1",
        "late",
        "2026-03-03T02:58:00Z",
        300_000,
        "warm",
    )]);
    let got = causes(&cold_starts(&ch, "5", "2026-03-06T00:00:00Z"));
    assert_eq!(got["r4"].0, "scale-out", "{got:?}");
    assert_eq!(got["r4"].1, Value::from(0));
    let classified = "SELECT count() FROM invocations WHERE start_type IN ('cold', 'suppressed', 'snapstart', 'provisioned')";
    assert_eq!(ch.count(classified).await, 6);
    assert_eq!(ch.count("SELECT count() FROM cold_starts").await, 6);
    assert_eq!(
        ch.count("SELECT toUInt64(sum(invocations)) FROM invocation_hours")
            .await,
        8
    );

    // Nothing changed since: a pass builds nothing.
    let url = ch.url();
    let out = faasight(&["materialize", "--clickhouse-url", &url]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && said.contains("every day is up to date"),
        "{said}"
    );

    // Two processes at once after the records of every build are lost:
    // one waits for the other's lock; the tables end as they were.
    ch.store()
        .execute("TRUNCATE TABLE materialized_days")
        .await
        .unwrap();
    let spawn = || {
        std::process::Command::new(super::common::bin())
            .args(["materialize", "--clickhouse-url", &url])
            .output()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(spawn);
        let b = s.spawn(spawn);
        (a.join().unwrap().unwrap(), b.join().unwrap().unwrap())
    });
    assert!(a.status.success() && b.status.success(), "{a:?} {b:?}");
    let built: Vec<String> = [&a, &b]
        .iter()
        .map(|o| String::from_utf8_lossy(&o.stderr).to_string())
        .collect();
    assert!(
        built.iter().any(|s| s.contains("built 4 days")),
        "one of them builds the four days: {built:?}"
    );
    assert_eq!(ch.count("SELECT count() FROM cold_starts").await, 6);
    assert_eq!(
        ch.count("SELECT toUInt64(sum(invocations)) FROM invocation_hours")
            .await,
        8
    );
    assert_eq!(
        ch.count("SELECT count() FROM system.tables WHERE name = 'materialize_lock'")
            .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rates_from_materialized_hours_equal_a_count_of_the_raw_invocations() {
    let ch = ClickHouse::start().await;
    let url = ch.url();
    faasight_ok(&[
        "demo-data",
        "--seed",
        "11",
        "--days",
        "10",
        "--invocations",
        "20000",
        "--end",
        "2026-02-01T00:00:00Z",
        "--clickhouse-url",
        &url,
    ]);
    // Edges mid-hour at both ends: a report widens its window to whole
    // hours, 10:00 three days back to 11:00.
    let (from, to) = ("2026-01-26 10:00:00", "2026-01-29T10:17:33Z");
    let report = cold_starts(&ch, "3", to);
    // (key, invocations, cold starts, cost, exact INIT p90)
    let raw: Vec<(String, u64, u64, String, f64)> = ch
        .store()
        .client()
        .query(
            "SELECT concat(provider, '/', account, '/', region, '/', function) AS key, \
             toUInt64(count()) AS invocations, \
             toUInt64(countIf(start_type IN ('cold', 'snapstart'))) AS cold_starts, \
             toString(sum(cost_usd)) AS cost, \
             toFloat64(quantileExactIf(0.9)(init_duration_ms + restore_duration_ms, start_type IN ('cold', 'snapstart'))) \
             FROM invocations WHERE start_time >= toDateTime(?) AND start_time < toDateTime(?) \
             GROUP BY key ORDER BY key",
        )
        .bind(from)
        .bind("2026-01-29 11:00:00")
        .fetch_all()
        .await
        .unwrap();
    assert!(raw.len() > 20, "the demo's functions: {}", raw.len());
    let rows = report["rates"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), raw.len(), "{report}");
    for (row, (key, invocations, cold, cost, init_p90)) in rows.iter().zip(&raw) {
        assert_eq!(row["key"].as_str().unwrap(), key);
        assert_eq!(row["invocations"].as_u64().unwrap(), *invocations, "{key}");
        assert_eq!(row["cold_starts"].as_u64().unwrap(), *cold, "{key}");
        let cost = PicoUsd::parse_decimal(cost).unwrap().0;
        assert_eq!(row["cost"].as_i64().unwrap(), cost, "{key}");
        // INIT quantiles come from 0.5 %-wide buckets: within 0.25 %.
        if *cold > 0 && *init_p90 > 0.0 {
            let got = row["init_ms_p90"].as_f64().unwrap();
            assert!(
                (got / init_p90 - 1.0).abs() <= 0.0026,
                "{key}: {got} vs exact {init_p90}"
            );
        }
    }
    // Right-sizing and the warnings read function_days: per function,
    // memory size and architecture, counts equal the raw ones and the p99
    // duration of the merged histogram lies within 0.25 % of the exact one
    // (buckets k ≥ 1 span 0.001 ms × 1.005^(k−1) to × 1.005^k; the rank is
    // ClickHouse's quantileExact rule, ⌊0.99 n⌋).
    let exact: Vec<(String, u64, f64)> = ch
        .store()
        .client()
        .query(
            "SELECT concat(function, '/', toString(memory_mb), '/', arch) AS key, toUInt64(count()), \
             quantileExact(0.99)(duration_ms) FROM invocations GROUP BY key ORDER BY key",
        )
        .fetch_all()
        .await
        .unwrap();
    // (key, invocations, buckets, counts), the arrays as text.
    let merged: Vec<(String, u64, String, String)> = ch
        .store()
        .client()
        .query(
            "SELECT key, toUInt64(sum(invocations)), toString(tupleElement(sumMap(duration_buckets, duration_counts), 1)), \
             toString(tupleElement(sumMap(duration_buckets, duration_counts), 2)) FROM \
             (SELECT concat(function, '/', toString(memory_mb), '/', arch) AS key, invocations, \
             duration_buckets, duration_counts FROM function_days) GROUP BY key ORDER BY key",
        )
        .fetch_all()
        .await
        .unwrap();
    assert_eq!(exact.len(), merged.len());
    for ((key, n, p99), (key2, n2, buckets, counts)) in exact.iter().zip(&merged) {
        assert_eq!((key, n), (key2, n2));
        let buckets: Vec<u16> = serde_json::from_str(buckets).unwrap();
        let counts: Vec<u64> = serde_json::from_str(counts).unwrap();
        let rank = ((0.99 * *n as f64).floor() as u64).min(n - 1);
        let mut seen = 0;
        let bucket = buckets
            .iter()
            .zip(&counts)
            .find(|(_, c)| {
                seen += **c;
                seen > rank
            })
            .map(|(b, _)| *b)
            .unwrap();
        let value = 0.001 * 1.005f64.powf(f64::from(bucket) - 0.5);
        assert!(
            (value / p99 - 1.0).abs() <= 0.0026,
            "{key}: {value} vs exact {p99}"
        );
    }
    // The per-function invocations of the causes agree.
    for f in report["functions"].as_array().unwrap() {
        let (_, invocations, _, _, _) = raw
            .iter()
            .find(|r| r.0 == f["function"].as_str().unwrap())
            .unwrap();
        assert_eq!(f["invocations"].as_u64().unwrap(), *invocations);
    }
    // A function page's INIT histogram: per bin of 20 buckets (edges
    // 0.001 ms × 1.005^(20 j)), the count of the raw cold starts whose
    // INIT + restore lies in it, counted here value by value.
    let window = TimeRange::new(
        "2026-01-26T10:00:00Z".parse().unwrap(),
        "2026-01-29T11:00:00Z".parse().unwrap(),
    )
    .unwrap();
    let waits: Vec<(String, String, String, String, f64)> = ch
        .store()
        .client()
        .query(
            "SELECT provider, account, region, function, init_duration_ms + restore_duration_ms \
             FROM invocations WHERE start_type IN ('cold', 'snapstart') \
             AND init_duration_ms + restore_duration_ms > 0 \
             AND start_time >= toDateTime(?) AND start_time < toDateTime(?)",
        )
        .bind(from)
        .bind("2026-01-29 11:00:00")
        .fetch_all()
        .await
        .unwrap();
    let mut by_function: BTreeMap<FunctionKey, BTreeMap<u32, u64>> = BTreeMap::new();
    for (provider, account, region, function, ms) in waits {
        let edge = |j: u32| 0.001 * 1.005f64.powi(20 * j as i32);
        let bin = (0..).find(|&j| ms < edge(j + 1)).unwrap();
        assert!(edge(bin) <= ms);
        let key = FunctionKey {
            provider,
            account,
            region,
            function,
        };
        *by_function.entry(key).or_default().entry(bin).or_default() += 1;
    }
    assert!(by_function.len() > 10, "{}", by_function.len());
    for (key, expected) in &by_function {
        let (bins, _) = init_histogram(&ch.store(), "default", key, window)
            .await
            .unwrap();
        let got: BTreeMap<u32, u64> = bins
            .iter()
            .map(|b| {
                let j = ((b.from_ms / 0.001).ln() / 1.005f64.ln() / 20.0).round() as u32;
                assert!((b.to_ms / b.from_ms - 1.005f64.powi(20)).abs() < 1e-9);
                (j, b.cold_starts)
            })
            .collect();
        assert_eq!(&got, expected, "{key:?}");
    }
}
