//! Demo workload → NDJSON → import → ClickHouse → analyzer, checked against
//! numbers computed here from the generated records, independently of the
//! SQL, the rollup and the pricing code.

use super::common::{faasight_ok, store_at, ClickHouse};
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
    // The same workload twice: to a file here, straight to ClickHouse below.
    let demo_data = |to: &[&str]| {
        let mut args = vec![
            "demo-data",
            "--seed",
            "11",
            "--days",
            "30",
            "--invocations",
            "30000",
            "--end",
            end,
        ];
        args.extend_from_slice(to);
        faasight_ok(&args)
    };
    demo_data(&["--out", file.to_str().unwrap()]);
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
    let mut priced_by_formula = 0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let s = |k: &str| v[k].as_str().unwrap().to_string();
        let e = expected.entry(s("function")).or_default();
        e.invocations += 1;
        e.cold_starts += matches!(s("start_type").as_str(), "cold" | "snapstart") as u64;
        e.errors += (s("status") != "success") as u64;
        let cost = pico(&s("cost_usd"));
        e.cost_pico += cost;
        // AWS's published formula, row by row, where it is the whole price:
        // Lambda in US East (N. Virginia) without a SnapStart restore.
        // https://aws.amazon.com/lambda/pricing/: $0.20 per 1M requests;
        // $0.0000166667 per GB-s on x86_64, $0.0000133334 on arm64 (first
        // tier). In pico-dollars: 200,000 per request, and memory_mb/1024 ×
        // billed_ms/1000 × 16,666,700 (or 13,333,400), rounded half up once.
        if s("provider") == "aws_lambda"
            && s("region") == "us-east-1"
            && v["restore_duration_ms"].as_f64().unwrap() == 0.0
        {
            let per_gb_s: i128 = if s("arch") == "arm64" {
                13_333_400
            } else {
                16_666_700
            };
            let memory = v["memory_mb"].as_i64().unwrap() as i128;
            let billed = v["billed_duration_ms"].as_i64().unwrap() as i128;
            let numerator = per_gb_s * memory * billed;
            let denominator = 1024 * 1000;
            let duration = (2 * numerator + denominator) / (2 * denominator);
            assert_eq!(cost, duration + 200_000, "{line}");
            priced_by_formula += 1;
        }
    }
    assert!(expected.len() >= 30);
    assert!(
        priced_by_formula > 1_000,
        "{priced_by_formula} rows priced by formula"
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
    demo_data(&["--clickhouse-url", &direct]);
    let direct_store = store_at(&direct);
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
