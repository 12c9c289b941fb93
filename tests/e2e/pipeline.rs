//! Demo workload → NDJSON → import → ClickHouse → analyzer, checked against
//! numbers computed here from the generated records, independently of the
//! SQL, the rollup and the pricing code.

use super::common::{faasight_ok, ClickHouse};
use faasight_analyzer::{functions_summary, TimeRange};
use std::collections::BTreeMap;

#[derive(Debug, Default, PartialEq)]
struct Expected {
    invocations: u64,
    cold_starts: u64,
    errors: u64,
    cost_pico: i128,
}

/// Parses "0.000000216667" into pico-dollars without the project's parser.
fn pico(text: &str) -> i128 {
    let (int, frac) = text.split_once('.').unwrap();
    let frac = format!("{frac:0<12}");
    int.parse::<i128>().unwrap() * 1_000_000_000_000 + frac[..12].parse::<i128>().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_workload_summary_matches_independent_computation() {
    let ch = ClickHouse::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.ndjson");
    let end = "2026-03-02T10:00:00Z";
    faasight_ok(&[
        "demo-data",
        "--seed",
        "11",
        "--days",
        "30",
        "--invocations",
        "30000",
        "--end",
        end,
        "--out",
        file.to_str().unwrap(),
    ]);
    faasight_ok(&[
        "import",
        "--format",
        "ndjson",
        file.to_str().unwrap(),
        "--clickhouse-url",
        &ch.url(),
    ]);

    // Independent expectations from the records themselves.
    let text = std::fs::read_to_string(&file).unwrap();
    let mut expected: BTreeMap<String, Expected> = BTreeMap::new();
    let mut aws_cost_by_formula = 0.0f64;
    let mut aws_cost_recorded = 0i128;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let s = |k: &str| v[k].as_str().unwrap().to_string();
        let e = expected.entry(s("function")).or_default();
        e.invocations += 1;
        e.cold_starts += matches!(s("start_type").as_str(), "cold" | "snapstart") as u64;
        e.errors += (s("status") != "success") as u64;
        let cost = pico(&s("cost_usd"));
        e.cost_pico += cost;
        if s("provider") == "aws_lambda" {
            // AWS's published formula: requests + GB-seconds × price.
            let gb_s = v["memory_mb"].as_f64().unwrap() / 1024.0
                * v["billed_duration_ms"].as_f64().unwrap()
                / 1000.0;
            let price = if s("arch") == "arm64" {
                0.0000133334
            } else {
                0.0000166667
            };
            aws_cost_by_formula += 0.0000002 + gb_s * price;
            aws_cost_recorded += cost;
        }
    }
    assert!(expected.len() >= 30);
    assert!(
        (aws_cost_by_formula - aws_cost_recorded as f64 / 1e12).abs() < 0.005,
        "AWS list cost {} by formula vs {} recorded",
        aws_cost_by_formula,
        aws_cost_recorded as f64 / 1e12
    );

    // What the analyzer reads back from the rollup.
    let range = TimeRange::new(
        "2026-01-31T10:00:00Z".parse().unwrap(),
        end.parse().unwrap(),
    )
    .unwrap();
    let summary = functions_summary(&ch.store(), "default", range)
        .await
        .unwrap();
    let got: BTreeMap<String, Expected> = summary
        .iter()
        .map(|f| {
            (
                f.function.clone(),
                Expected {
                    invocations: f.invocations,
                    cold_starts: f.cold_starts,
                    errors: f.errors,
                    cost_pico: f.cost_usd.0 as i128,
                },
            )
        })
        .collect();
    assert_eq!(got, expected);
    for f in &summary {
        let e = &expected[&f.function];
        assert!(
            (f.cold_start_pct - 100.0 * e.cold_starts as f64 / e.invocations as f64).abs() < 1e-9
        );
        assert!(f.p95_duration_ms > 0.0);
    }
    let total_db: i128 = summary.iter().map(|f| f.cost_usd.0 as i128).sum();
    let total_expected: i128 = expected.values().map(|e| e.cost_pico).sum();
    assert!(
        (total_db - total_expected).abs() < 5_000_000_000,
        "to the cent"
    );
    assert_eq!(total_db, total_expected, "and in fact exactly");

    // Loading the same workload straight from the generator gives the same
    // numbers as the NDJSON round trip.
    let direct = ch.url_for("direct");
    faasight_ok(&[
        "demo-data",
        "--seed",
        "11",
        "--days",
        "30",
        "--invocations",
        "30000",
        "--end",
        end,
        "--clickhouse-url",
        &direct,
    ]);
    let direct_store =
        faasight_store::Store::connect(&faasight_store::ClickHouseUrl::parse(&direct).unwrap());
    let direct_summary = functions_summary(&direct_store, "default", range)
        .await
        .unwrap();
    let strip = |s: &[faasight_analyzer::FunctionSummary]| -> Vec<(String, u64, u64, u64, i64)> {
        s.iter()
            .map(|f| {
                (
                    f.function.clone(),
                    f.invocations,
                    f.cold_starts,
                    f.errors,
                    f.cost_usd.0,
                )
            })
            .collect()
    };
    assert_eq!(strip(&direct_summary), strip(&summary));
}
