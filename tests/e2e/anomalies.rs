//! Anomalies end to end on ClickHouse: sixteen days of one function's
//! invocations imported as NDJSON (through the hourly rollup), judged by
//! `faasight anomalies`. The traffic is the same every week — 12 calls an
//! hour on weekdays, 4 at the weekend — except for two injected incidents,
//! so every expected figure follows by hand from the model's formulas.

use super::common::{faasight_ok, ClickHouse};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn two_injected_incidents_are_found_and_nothing_else() {
    let ch = ClickHouse::start().await;
    // 2026-11-02 is a Monday; 16 days to 2026-11-18.
    let start = chrono::DateTime::parse_from_rfc3339("2026-11-02T00:00:00Z").unwrap();
    let mut lines = Vec::new();
    for hour in 0..16 * 24 {
        let t = start + chrono::Duration::hours(hour);
        let weekend = (hour / 24) % 7 >= 5;
        let (day, h) = (hour / 24, hour % 24);
        // Wednesday 2026-11-11 10:00: 4× traffic. Thursday 2026-11-12
        // 15:00: half of the usual 12 calls fail.
        let calls = match (day, h) {
            (9, 10) => 48,
            _ if weekend => 4,
            _ => 12,
        };
        for i in 0..calls {
            let status = if (day, h) == (10, 15) && i % 2 == 0 {
                "error"
            } else {
                "success"
            };
            let at = t + chrono::Duration::seconds(i64::from(i) * 60);
            lines.push(format!(
                r#"{{"provider":"aws_lambda","account":"111","region":"eu-west-1","function":"orders","arch":"arm64","runtime":"nodejs22.x","memory_mb":1024,"max_memory_used_mb":200,"request_id":"r-{hour}-{i}","start_time":"{}","duration_ms":1000,"status":"{status}"}}"#,
                at.to_rfc3339()
            ));
        }
    }
    ch.import_ndjson(&lines);
    let url = ch.url();

    let report: Value = serde_json::from_str(&faasight_ok(&[
        "anomalies",
        "--days",
        "16",
        "--to",
        "2026-11-18T00:00:00Z",
        "--format",
        "json",
        "--clickhouse-url",
        &url,
    ]))
    .unwrap();
    let incidents = report["incidents"].as_array().unwrap();
    let mut starts: Vec<&str> = incidents
        .iter()
        .map(|i| i["start_rfc3339"].as_str().unwrap())
        .collect();
    starts.sort();
    assert_eq!(
        starts,
        ["2026-11-11T10:00:00Z", "2026-11-12T15:00:00Z"],
        "{report:#}"
    );
    let incident = |start: &str| {
        incidents
            .iter()
            .find(|i| i["start_rfc3339"] == start)
            .unwrap()
    };
    let metric = |i: &Value, m: &str| {
        i["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["metric"] == m)
            .cloned()
    };

    // The spike: every earlier weekday 10:00 had 12 calls, so 12 were
    // expected and 36 are extra; the cost is those 36 calls' (1 GB arm64,
    // 1 s: $0.0000133334 + $0.0000002 a request, AWS's published arm64
    // price, the same for every call).
    let spike = incident("2026-11-11T10:00:00Z");
    assert_eq!(spike["hours"], 1);
    let calls = metric(spike, "invocations").expect("the spike is an invocations incident");
    assert_eq!(calls["excess"].as_f64().unwrap(), 36.0);
    let cost = metric(spike, "cost_usd").expect("and a cost incident");
    assert!(
        (cost["excess"].as_f64().unwrap() - 36.0 * 0.000_013_533_4).abs() < 1e-9,
        "{cost}"
    );
    assert!(metric(spike, "error_rate").is_none());

    // The errors: 6 of 12 against a usual rate of 20·P / (104 + 20), P =
    // 0.5 / (2532 + 1): the 2,532 calls before Thursday (8 weekdays × 288,
    // the spike's 36 extra, 2 weekend days × 96), 104 of them at 15:00,
    // none failed. Extra errors: 6 − 12 × that rate.
    let burst = incident("2026-11-12T15:00:00Z");
    let errors = metric(burst, "error_rate").expect("the burst is an error-rate incident");
    let usual = 20.0 * (0.5 / 2533.0) / 124.0;
    assert!(
        (errors["excess"].as_f64().unwrap() - (6.0 - 12.0 * usual)).abs() < 1e-9,
        "{errors}"
    );
    assert!(metric(burst, "invocations").is_none());

    // Nothing else, and the function is scored from its second Monday.
    assert_eq!(
        report["anomalies"].as_array().unwrap().len(),
        3,
        "{report:#}"
    );
    let key = &report["per_key"][0];
    assert_eq!(key["status"], "scored");
    assert_eq!(key["scored_from"], "2026-11-09T00:00:00Z");
    assert_eq!(key["incidents"], 2);
}
