//! `GET /api/v1/insights` on traces sent with the real OpenTelemetry
//! Python SDK (`tests/insights_traces.py`): a caller waiting on a callee,
//! a function with a light and a heavy route, and a sequential loop give
//! exactly their three findings; an asynchronous call and a parallel loop
//! give none. Money from AWS's published price, computed here by hand.

use super::common::{faasight_ok, Stack};
use serde_json::Value;
use std::process::Command;

/// AWS Lambda duration price, x86, us-east-1: $0.0000166667 per GB-second
/// (<https://aws.amazon.com/lambda/pricing/>), in pico-USD.
const PICO_PER_GB_S: f64 = 16_666_700.0;
/// Days in a month, as the reports scale a window to a month.
const DAYS_PER_MONTH: f64 = 30.4375;

#[tokio::test(flavor = "multi_thread")]
async fn traces_from_the_python_sdk_give_exactly_the_expected_findings() {
    let Stack { ch, up, api, .. } = Stack::start().await;
    // 2026-11-02 10:00 UTC; the report covers 2026-11-02.
    let start_ms: i64 = 1_793_613_600_000;
    let dir = tempfile::tempdir().unwrap();
    let ndjson = dir.path().join("media.ndjson");
    let (collector, path) = (up.collector.clone(), ndjson.clone());
    let out = tokio::task::spawn_blocking(move || {
        Command::new(super::common::python())
            .args([
                concat!(env!("CARGO_MANIFEST_DIR"), "/tests/insights_traces.py"),
                &collector,
                &start_ms.to_string(),
                path.to_str().unwrap(),
            ])
            .output()
            .expect("python3 runs")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "the OpenTelemetry SDK export failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    faasight_ok(&[
        "import",
        "--format",
        "ndjson",
        ndjson.to_str().unwrap(),
        "--clickhouse-url",
        &ch.url(),
    ]);
    super::common::stored(&up.collector).await;

    let response = api
        .get(format!(
            "{}/api/v1/insights?days=1&to=2026-11-03T00:00:00Z",
            up.web
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    let findings = report["findings"].as_array().unwrap();
    let mut kinds: Vec<(&str, &str)> = findings
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap(),
                f["functions"][0].as_str().unwrap(),
            )
        })
        .collect();
    kinds.sort();
    let key = |f: &str| format!("aws_lambda/210987654321/us-east-1/{f}");
    assert_eq!(
        kinds,
        vec![
            ("doing_too_much", key("media").as_str()),
            ("function_waits_on_function", key("checkout").as_str()),
            ("sequential_fan_out", key("notifier").as_str()),
        ],
        "{report:#}"
    );
    let find = |kind: &str| findings.iter().find(|f| f["kind"] == kind).unwrap();

    // checkout waits 200 ms in each of 20 calls at 1,024 MB: 4 GB-s in a
    // one-day window.
    let waits = find("function_waits_on_function");
    assert_eq!(waits["functions"][1], key("payment").as_str());
    let expected = (4.0 * PICO_PER_GB_S * DAYS_PER_MONTH).round();
    let got = waits["monthly_usd"].as_i64().unwrap() as f64;
    assert!(
        (got - expected).abs() <= 1e-6 * expected,
        "{got} vs {expected}"
    );
    assert_eq!(waits["example_trace_ids"].as_array().unwrap().len(), 5);

    // media's 40 GETs used 200 MB of 2,048: they need 240 MB. Their 40 ×
    // 40 ms would cost (2,048 − 240) / 1,024 GB less each second.
    let heavy = find("doing_too_much");
    let expected = (1.6 * (2048.0 - 240.0) / 1024.0 * PICO_PER_GB_S * DAYS_PER_MONTH).round();
    let got = heavy["monthly_usd"].as_i64().unwrap() as f64;
    assert!(
        (got - expected).abs() <= 1e-6 * expected,
        "{got} vs {expected}"
    );
    assert!(
        heavy["advice"].as_str().unwrap().contains("240 MB"),
        "{heavy:#}"
    );

    // notifier: 12 requests of 5 × 100 ms in a row; in parallel 400 ms less.
    let fan_out = find("sequential_fan_out");
    assert_eq!(fan_out["monthly_usd"], 0);
    let gain = fan_out["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["label"] == "median latency gain in parallel")
        .unwrap();
    assert!(
        (gain["value"].as_f64().unwrap() - 400.0).abs() < 1e-6,
        "{gain}"
    );
    let traced = fan_out["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["label"] == "traced requests with the loop")
        .unwrap();
    assert_eq!(traced["value"], 12.0);

    // Example traces open in the trace view: each is stored.
    for f in findings {
        for t in f["example_trace_ids"].as_array().unwrap() {
            let n = ch
                .count(&format!(
                    "SELECT count() FROM spans WHERE trace_id = '{}'",
                    t.as_str().unwrap()
                ))
                .await;
            assert!(n > 0, "example trace {t} is not stored");
        }
    }
    assert_eq!(report["traced_invocations"], 20 * 4 + 12 * 2 + 80);

    // The account's concurrency, by hand: at 10:00:10.060 (the second
    // round) checkout, payment, orders, mailer, notifier, batcher and a
    // POST /render of media run at once; never more. All of it in the
    // 10:00 hour of the day.
    let peak = &report["account_peaks"][0];
    assert_eq!(peak["scope"], "aws_lambda/210987654321/us-east-1");
    assert_eq!(peak["concurrency"], 7);
    assert_eq!(peak["at"], "2026-11-02T10:00:10.060Z");
    let mut hourly = vec![0u64; 24];
    hourly[10] = 7;
    assert_eq!(
        report["account_series"][0]["peaks"],
        serde_json::json!(hourly)
    );

    // The CLI gives the same findings.
    let cli: Value = insights_of_2026_11_02(&ch, &[]);
    assert_eq!(cli["findings"], report["findings"]);
}

/// `faasight insights --format json` over 2026-11-02 on `ch`, with `extra`
/// flags.
fn insights_of_2026_11_02(ch: &super::common::ClickHouse, extra: &[&str]) -> Value {
    let url = ch.url();
    let mut args = vec![
        "insights",
        "--days",
        "1",
        "--to",
        "2026-11-03T00:00:00Z",
        "--format",
        "json",
        "--clickhouse-url",
        &url,
    ];
    args.extend_from_slice(extra);
    serde_json::from_str(&faasight_ok(&args)).unwrap()
}

/// xorshift64*: random intervals without a dependency, the same on every run.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrency_peaks_pushed_down_equal_a_brute_force_count() {
    let ch = super::common::ClickHouse::start().await;
    // 2026-11-02 10:00 UTC.
    let t0: i64 = 1_793_613_600_000;
    // A cold start's INIT (whole ms here) holds its environment before
    // the invocation starts: it counts towards the limit.
    let line = |account: &str, function: &str, id: String, start: i64, ms: u64, init: u64| {
        format!(
            r#"{{"provider":"aws_lambda","account":"{account}","region":"eu-west-1","function":"{function}","memory_mb":512,"arch":"arm64","request_id":"{id}","start_time_ms":{start},"duration_ms":{ms},"init_duration_ms":{init},"start_type":"{}"}}"#,
            if init > 0 { "cold" } else { "warm" }
        )
    };
    // Account 1: 3,000 random invocations within a minute, up to 20 s
    // each, a third of them cold with up to 3 s of INIT.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let random: Vec<(i64, u64, u64)> = (0..3_000)
        .map(|i| {
            let init = if i % 3 == 0 { 1 + rng.below(3_000) } else { 0 };
            (t0 + rng.below(60_000) as i64, 1 + rng.below(20_000), init)
        })
        .collect();
    // Account 2: a burst of 1,200 new environments, one every 5 ms, each
    // initialising 1 ms and running 30 s: all 1,200 run at once from
    // t0 + 5,994 ms, and all start within 6 s, above Lambda's 1,000 per
    // 10 s.
    let burst: Vec<(i64, u64, u64)> = (0..1_200).map(|i| (t0 + i * 5, 30_000, 1)).collect();
    // Account 3: three cold starts at the same millisecond, 500 ms after
    // 11:00, each after 2 s of INIT: all three hold an environment from
    // 10:59:58.500 — the peak is in the 10:00 hour although every
    // invocation starts in the 11:00 hour, whose first 1.5 s carry it on.
    let edge: Vec<(i64, u64, u64)> = vec![(t0 + 3_600_500, 1_000, 2_000); 3];
    let mut lines: Vec<String> = random
        .iter()
        .enumerate()
        .map(|(i, &(s, d, init))| line("111111111111", "random", format!("r{i}"), s, d, init))
        .collect();
    lines.extend(
        burst
            .iter()
            .enumerate()
            .map(|(i, &(s, d, init))| line("222222222222", "burst", format!("b{i}"), s, d, init)),
    );
    lines.extend(
        edge.iter()
            .enumerate()
            .map(|(i, &(s, d, init))| line("333333333333", "edge", format!("e{i}"), s, d, init)),
    );
    ch.import_ndjson(&lines);

    // Brute force: at every millisecond, the invocations (with their
    // INIT) that hold it. The peak, its first millisecond, and the most
    // in each hour of the day.
    let brute = |busy: &[(i64, u64, u64)]| -> (u64, i64, Vec<u64>) {
        let (from, to) = (
            busy.iter().map(|b| b.0 - b.2 as i64).min().unwrap(),
            busy.iter().map(|b| b.0 + b.1 as i64).max().unwrap(),
        );
        let day = t0 - 10 * 3_600_000;
        let (mut best, mut hourly) = ((0, 0), vec![0u64; 24]);
        for t in from..to {
            let n = busy
                .iter()
                .filter(|&&(s, d, init)| s - init as i64 <= t && t < s + d as i64)
                .count() as u64;
            if n > best.0 {
                best = (n, t);
            }
            let hour = ((t - day) / 3_600_000) as usize;
            hourly[hour] = hourly[hour].max(n);
        }
        (best.0, best.1, hourly)
    };
    let (random_peak, random_at, random_hourly) = brute(&random);
    let (burst_peak, burst_at, burst_hourly) = brute(&burst);
    assert_eq!((burst_peak, burst_at), (1_200, t0 + 5_994));
    let (edge_peak, edge_at, edge_hourly) = brute(&edge);
    assert_eq!((edge_peak, edge_at), (3, t0 + 3_598_500));
    assert_eq!((edge_hourly[10], edge_hourly[11]), (3, 3));

    let report: Value = insights_of_2026_11_02(&ch, &[]);
    let peaks = report["account_peaks"].as_array().unwrap();
    let at = |ms: i64| {
        chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    let scope = |p: &Value| p["scope"].as_str().unwrap().to_string();
    // Each account's peak, its first millisecond and its hour-by-hour
    // series, against the brute force.
    let series = report["account_series"].as_array().unwrap();
    for (account, peak, first, hourly) in [
        ("111111111111", random_peak, random_at, random_hourly),
        ("222222222222", burst_peak, burst_at, burst_hourly),
        ("333333333333", edge_peak, edge_at, edge_hourly),
    ] {
        let i = peaks
            .iter()
            .position(|p| scope(p).contains(account))
            .unwrap();
        assert_eq!(peaks[i]["concurrency"], peak, "{account}");
        assert_eq!(peaks[i]["at"], at(first).as_str(), "{account}");
        assert_eq!(series[i]["scope"], peaks[i]["scope"]);
        assert_eq!(series[i]["peaks"], serde_json::json!(hourly), "{account}");
    }

    // Findings: the burst's account at 120 % of its limit, the burst above
    // the scaling rate; the random account only if it reached 800.
    let mut kinds: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_string(),
                f["functions"][0].as_str().unwrap().to_string(),
            )
        })
        .collect();
    kinds.sort();
    let mut expected = vec![
        (
            "concurrency_limit".to_string(),
            "aws_lambda/222222222222/eu-west-1".to_string(),
        ),
        (
            "scaling_rate".to_string(),
            "aws_lambda/222222222222/eu-west-1/burst".to_string(),
        ),
    ];
    if random_peak >= 800 {
        expected.push((
            "concurrency_limit".to_string(),
            "aws_lambda/111111111111/eu-west-1".to_string(),
        ));
        expected.sort();
    }
    assert_eq!(kinds, expected);
    let scaling = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "scaling_rate")
        .unwrap();
    assert_eq!(scaling["evidence"][0]["value"], 1_200.0);

    // With the quota raised to 2,000, no account is near it.
    let raised: Value = insights_of_2026_11_02(&ch, &["--account-limit", "2000"]);
    assert!(raised["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["kind"] != "concurrency_limit"));
}

/// The default demo holds one case of each finding the demo can show (a
/// scaling-rate burst needs more than 1,000 cold starts in 10 s, which
/// the throttled surge never reaches), and nothing else.
#[tokio::test(flavor = "multi_thread")]
async fn the_default_demo_shows_each_kind_of_finding_once_per_case() {
    let ch = super::common::ClickHouse::start().await;
    let end = "2026-12-07T00:00:00Z";
    faasight_ok(&["demo-data", "--end", end, "--clickhouse-url", &ch.url()]);
    let report: Value = serde_json::from_str(&faasight_ok(&[
        "insights",
        "--days",
        "30",
        "--to",
        end,
        "--format",
        "json",
        "--clickhouse-url",
        &ch.url(),
    ]))
    .unwrap();
    let mut found: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let functions: Vec<&str> = f["functions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k.as_str().unwrap().rsplit('/').next().unwrap())
                .collect();
            format!("{} {}", f["kind"].as_str().unwrap(), functions.join(" → "))
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            "concurrency_limit us-east-1",
            "doing_too_much media-api",
            "function_waits_on_function api-checkout → inventory-reserve",
            "function_waits_on_function api-checkout → payment-authorize",
            "idle_provisioned_concurrency auth-authorizer",
            "sequential_fan_out order-notifier",
        ],
        "{report:#}"
    );
    let limit = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "concurrency_limit")
        .unwrap();
    assert_eq!(limit["functions"][0], "aws_lambda/498765432109/us-east-1");
}
