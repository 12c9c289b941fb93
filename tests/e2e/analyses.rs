//! The analyses on the demo workload in a real ClickHouse: each checked
//! against figures queried here directly from the `invocations` table, and
//! the CLI's JSON compared with the HTTP API's for every analysis.

use super::common::{faasight, faasight_ok, get_json, ClickHouse, Stack};
use serde_json::Value;

const END: &str = "2026-03-02T10:00:00Z";

/// A private ClickHouse with 30 days of the demo workload ending at [`END`].
async fn demo() -> ClickHouse {
    let ch = ClickHouse::start().await;
    faasight_ok(&[
        "demo-data",
        "--seed",
        "5",
        "--days",
        "30",
        "--invocations",
        "40000",
        "--end",
        END,
        "--clickhouse-url",
        &ch.url(),
    ]);
    ch
}

fn cli_json(command: &str, extra: &[&str], ch: &ClickHouse) -> Value {
    let url = ch.url();
    let mut args = vec![
        command,
        "--days",
        "30",
        "--to",
        END,
        "--format",
        "json",
        "--clickhouse-url",
        &url,
    ];
    args.extend_from_slice(extra);
    serde_json::from_str(&faasight_ok(&args)).unwrap()
}

/// The path of the first place two JSON documents differ, with both values.
/// Integers (counts, pico-dollars) must be equal exactly; floats equal up
/// to 1e-9 relative.
pub(super) fn first_difference(a: &Value, b: &Value, path: String) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                first_difference(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    format!("{path}.{k}"),
                )
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, format!("{path}[{i}]"))),
        // Two runs of one query may sum floats in another order (ClickHouse
        // aggregates parts in parallel): equal up to the last bits.
        (Value::Number(x), Value::Number(y))
            if x.is_i64() || x.is_u64() || y.is_i64() || y.is_u64() =>
        {
            (x != y).then(|| format!("{path}: {x} vs {y} (integers differ)"))
        }
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            let close = (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0);
            (!close).then(|| format!("{path}: {x} vs {y}"))
        }
        _ if a == b => None,
        _ => Some(format!("{path}: {a} vs {b}")),
    }
}

fn pico(v: &Value) -> i64 {
    v.as_i64()
        .unwrap_or_else(|| panic!("not pico-dollars: {v}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn analyses_on_the_demo_workload_match_the_table() {
    let ch = demo().await;

    // Bill: Σ list prices over the months = Σ cost_usd of the table.
    let bill = cli_json("bill", &[], &ch);
    let table_cost: u64 = ch
        .count("SELECT toUInt64(sum(cost_usd) * 1000000000000) FROM invocations")
        .await;
    let list_total: i64 = bill["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| pico(&m["list_total"]))
        .sum();
    assert_eq!(list_total, table_cost as i64, "Σ list prices, exactly");
    for m in bill["months"].as_array().unwrap() {
        for line in m["lines"].as_array().unwrap() {
            let provider = line["usage"]["provider"].as_str().unwrap();
            let (billed, list) = (pico(&line["billed"]), pico(&line["usage"]["list_cost"]));
            match provider {
                // Far below the first tier's 6 B GB-s and without the free
                // tier: the list price, up to the per-invocation rounding
                // (the month is rounded once, each invocation was too).
                "aws_lambda" => {
                    let requests = line["usage"]["requests"].as_i64().unwrap();
                    assert!((billed - list).abs() <= requests, "{line}");
                }
                // The $5 monthly minimum.
                "cloudflare_workers" => assert!(billed >= 5_000_000_000_000, "{line}"),
                // Free grants only lower the bill.
                _ => assert!(billed <= list, "{line}"),
            }
        }
    }

    // Recommendations: one per function, and no advice below what was used.
    let rec = cli_json("rightsizing", &[], &ch);
    let functions = ch
        .count("SELECT uniqExact(provider, account, region, function) FROM invocations")
        .await;
    let recs = rec["recommendations"].as_array().unwrap();
    assert_eq!(recs.len() as u64, functions);
    let mut advised = 0;
    let mut fitted = 0;
    for r in recs {
        if r["status"] == "recommend" {
            advised += 1;
            let size = r["recommended_memory_mb"].as_f64().unwrap();
            assert!(size >= r["safety_floor_mb"].as_f64().unwrap(), "{r}");
            if let Some(max) = r["evidence"]["max_memory_max_mb"].as_f64() {
                assert!(size >= max, "recommended below the observed maximum: {r}");
            }
        }
        if r["evidence"]["sizes_observed"].as_array().unwrap().len() >= 2 {
            fitted += 1;
        }
    }
    assert!(advised > 0, "no function got advice");
    // The demo changes two functions' memory mid-period.
    assert!(fitted >= 2, "functions seen at several sizes: {fitted}");

    // Cold starts: totals equal the table's, every cold start has a cause,
    // and the demo's idle, scale-out and deploy cold starts are told apart.
    let cs = cli_json("cold-starts", &[], &ch);
    let cold = ch
        .count("SELECT count() FROM invocations WHERE start_type IN ('cold', 'snapstart')")
        .await;
    assert_eq!(cs["rates"]["totals"]["cold_starts"].as_u64().unwrap(), cold);
    let classified = ch.count("SELECT count() FROM invocations WHERE start_type IN ('cold', 'suppressed', 'snapstart', 'provisioned')",
    )
    .await;
    let mut by_cause = std::collections::BTreeMap::<String, u64>::new();
    for f in cs["functions"].as_array().unwrap() {
        for (cause, n) in f["by_cause"].as_object().unwrap() {
            *by_cause.entry(cause.clone()).or_default() += n.as_u64().unwrap();
        }
    }
    assert_eq!(by_cause.values().sum::<u64>(), classified, "{by_cause:?}");
    for cause in ["idle", "scale_out", "deploy"] {
        assert!(
            by_cause.get(cause).copied().unwrap_or(0) > 0,
            "no {cause} cold starts: {by_cause:?}"
        );
    }
    // Forecast: 30 days of history give a model, an interval around the
    // mean and a backtest; ten days are refused with the reason.
    let fc = cli_json("forecast", &["--by", "total", "--horizon", "14d"], &ch);
    let total = &fc["cost_usd"][0]["forecast"];
    assert_eq!(total["points"].as_array().unwrap().len(), 14, "{fc}");
    for p in total["points"].as_array().unwrap() {
        let (lo, mean, hi) = (
            p["lower"].as_f64().unwrap(),
            p["mean"].as_f64().unwrap(),
            p["upper"].as_f64().unwrap(),
        );
        assert!(0.0 <= lo && lo <= mean && mean <= hi, "{p}");
    }
    assert!(total["backtest"]["mape_pct"].as_f64().is_some(), "{total}");
    // The forecast fits on all history up to a year: only a window ending
    // 10 days after the data starts has too little of it.
    let short = faasight(&[
        "forecast",
        "--days",
        "10",
        "--to",
        "2026-02-10T10:00:00Z",
        "--clickhouse-url",
        &ch.url(),
    ]);
    assert_eq!(short.status.code(), Some(2));
    let said = String::from_utf8_lossy(&short.stderr);
    assert!(said.contains("at least 14 days"), "{said}");

    // Warnings: an out-of-memory warning for exactly the functions whose
    // invocations ran out of memory; cold-start warnings above 1 % only.
    let warnings = cli_json("warnings", &[], &ch);
    let oom_functions = ch.count("SELECT uniqExact(provider, account, region, function) FROM invocations WHERE position(error_type, 'OutOfMemory') > 0",
    )
    .await;
    let list = warnings["warnings"].as_array().unwrap();
    let oom_warnings = list.iter().filter(|w| w["kind"] == "out_of_memory").count() as u64;
    assert_eq!(oom_warnings, oom_functions);
    for w in list.iter().filter(|w| w["kind"] == "cold_starts") {
        assert!(w["value"].as_f64().unwrap() > 1.0, "{w}");
    }
    assert!(
        list.iter().any(|w| w["kind"] == "cold_starts"),
        "{warnings}"
    );

    // Anomalies: scores at or above the threshold, counted per function.
    let anomalies = cli_json("anomalies", &["--threshold", "3"], &ch);
    let found = anomalies["anomalies"].as_array().unwrap();
    assert!(
        !found.is_empty(),
        "the demo's bursts score ≥ 3: {anomalies}"
    );
    for a in found {
        assert!(a["score"].as_f64().unwrap().abs() >= 3.0, "{a}");
    }
    let per_key: u64 = anomalies["per_key"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["anomalies"].as_u64().unwrap())
        .sum();
    assert_eq!(per_key, found.len() as u64);

    // Every query behind a report is named with its parameters.
    for report in [&bill, &rec, &cs, &fc, &warnings, &anomalies] {
        assert!(!report["queries"].as_array().unwrap().is_empty());
    }

    // Cold starts by other dimensions: one row per value the table holds,
    // each with the table's own counts.
    for (by, column) in [
        ("runtime", "runtime"),
        ("region", "region"),
        ("memory", "toString(memory_mb)"),
        ("version", "concat(function, '@', version)"),
    ] {
        let report = cli_json("cold-starts", &["--by", by], &ch);
        let rows = report["rates"]["rows"].as_array().unwrap();
        let sql = format!(
            "SELECT toString({column}) AS k, count(), countIf(start_type IN ('cold', 'snapstart')) \
             FROM invocations GROUP BY k ORDER BY k"
        );
        let table: Vec<(String, u64, u64)> =
            ch.store().client().query(&sql).fetch_all().await.unwrap();
        let mut got: Vec<(String, u64, u64)> = rows
            .iter()
            .map(|r| {
                (
                    r["key"].as_str().unwrap().to_string(),
                    r["invocations"].as_u64().unwrap(),
                    r["cold_starts"].as_u64().unwrap(),
                )
            })
            .collect();
        got.sort();
        assert_eq!(got, table, "by {by}");
    }

    // Forecast by provider: one series per provider in the window.
    let fc = cli_json("forecast", &["--by", "provider", "--horizon", "7d"], &ch);
    let mut keys: Vec<String> = fc["invocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap().to_string())
        .collect();
    keys.sort();
    let providers: Vec<String> = ch
        .store()
        .client()
        .query("SELECT DISTINCT provider FROM invocations ORDER BY provider")
        .fetch_all()
        .await
        .unwrap();
    assert_eq!(keys, providers);
    assert!(
        fc["invocations"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["forecast"]["points"].as_array().map(Vec::len) == Some(7)),
        "{fc}"
    );

    // The CSV renderer: a header and one parseable row per recommendation.
    let csv = faasight_ok(&[
        "recommend",
        "--days",
        "30",
        "--to",
        END,
        "--format",
        "csv",
        "--clickhouse-url",
        &ch.url(),
    ]);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert!(
        header.contains(&"function") && header.contains(&"recommended_memory_mb"),
        "{header:?}"
    );
    assert_eq!(lines.count() as u64, functions, "{csv}");
    // The table renderer names every provider of the bill.
    let table = faasight_ok(&[
        "bill",
        "--days",
        "30",
        "--to",
        END,
        "--format",
        "table",
        "--clickhouse-url",
        &ch.url(),
    ]);
    for p in &providers {
        assert!(table.contains(p.as_str()), "{p} missing from\n{table}");
    }
}

/// Asserts that `faasight <command> <flags>` prints the JSON that
/// `GET /api/v1/<analysis>?<params>` answers, over the same 30 days.
async fn cli_and_api_agree(
    client: &reqwest::Client,
    web: &str,
    ch: &ClickHouse,
    analysis: &str,
    flags: &[&str],
    params: &[(&str, &str)],
) {
    let command = analysis;
    let case = if params.is_empty() {
        analysis.to_string()
    } else {
        format!("{analysis} {params:?}")
    };
    let from_cli = cli_json(command, flags, ch);
    let response = client
        .get(format!("{web}/api/v1/{analysis}"))
        .query(&[("days", "30"), ("to", END)])
        .query(params)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{case}");
    let from_api: Value = response.json().await.unwrap();
    if let Some(path) = first_difference(&from_cli, &from_api, String::new()) {
        panic!("CLI and API disagree on {case} at {path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_json_and_http_api_agree_on_every_analysis() {
    let Stack {
        ch,
        up,
        api: client,
        ..
    } = Stack::over(demo().await, &[], &[]).await;
    let index = get_json(&client, format!("{}/api/v1", up.web)).await;
    let analyses: Vec<String> = index["analyses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        analyses,
        [
            "bill",
            "rightsizing",
            "cold-starts",
            "forecast",
            "anomalies",
            "warnings",
            "insights"
        ],
        "{index}"
    );
    for analysis in &analyses {
        cli_and_api_agree(&client, &up.web, &ch, analysis, &[], &[]).await;
    }

    // And with options other than the defaults: each CLI flag and its
    // API parameter must mean the same.
    /// An analysis, its CLI flags, and the same as API parameters.
    type Case<'a> = (&'a str, &'a [&'a str], &'a [(&'a str, &'a str)]);
    let non_default: [Case; 9] = [
        ("bill", &["--aws-free-tier"], &[("aws_free_tier", "true")]),
        (
            "rightsizing",
            &[
                "--strategy",
                "balanced",
                "--balanced-weight",
                "0.3",
                "--headroom-pct",
                "35",
            ],
            &[
                ("strategy", "balanced"),
                ("balanced_weight", "0.3"),
                ("headroom_pct", "35"),
            ],
        ),
        ("cold-starts", &["--by", "runtime"], &[("by", "runtime")]),
        ("cold-starts", &["--by", "memory"], &[("by", "memory")]),
        ("cold-starts", &["--by", "day"], &[("by", "day")]),
        (
            "forecast",
            &["--by", "provider", "--horizon", "7d", "--level", "90"],
            &[
                ("by", "provider"),
                ("horizon_days", "7"),
                ("level_pct", "90"),
            ],
        ),
        ("anomalies", &["--threshold", "3"], &[("threshold", "3")]),
        (
            "warnings",
            &["--thresholds", "cold_start_pct=2,memory_pct=90"],
            &[("thresholds", "cold_start_pct=2,memory_pct=90")],
        ),
        (
            "insights",
            &["--account-limit", "250"],
            &[("account_limit", "250")],
        ),
    ];
    for (analysis, flags, params) in non_default {
        cli_and_api_agree(&client, &up.web, &ch, analysis, flags, params).await;
    }

    // Bad requests get a 4xx and a sentence.
    let bad = client
        .get(format!("{}/api/v1/rightsizing?strategy=cheapest", up.web))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("cheapest"),
        "{body}"
    );
    let get = |path: &str| client.get(format!("{}{path}", up.web)).send();
    let unknown_field = get("/api/v1/bill?colour=red").await.unwrap();
    assert_eq!(unknown_field.status(), 400);
    let missing = get("/api/v1/horoscope").await.unwrap();
    assert_eq!(missing.status(), 404);
    // The CLI refuses the same bad option with exit code 2.
    let out = faasight(&[
        "recommend",
        "--strategy",
        "cheapest",
        "--clickhouse-url",
        &ch.url(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    up.stop().await;
}
