//! OTLP metrics from the real OpenTelemetry Python SDK (tests/otlp_metrics.py),
//! over OTLP/HTTP protobuf and OTLP/gRPC, stored in the `metrics` table of
//! ClickHouse 18.16: every point the script recorded, with its kind,
//! temporality, sums, counts, buckets, attributes, resource and tenant,
//! against values worked out by hand from what the script records.

use super::common::{gauge, metrics, post, stored, CollectorStack};
use faasight_store::MetricRow;
use std::process::Command;

fn export(transport: &str, endpoint: &str, token: &str) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/otlp_metrics.py");
    let out = Command::new(super::common::python())
        .args([script, transport, endpoint, token])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "the OpenTelemetry SDK metrics export over {transport} failed (pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http opentelemetry-exporter-otlp-proto-grpc):\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn now_nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

/// What a stored point must be: name, unit, kind, temporality, monotonic,
/// attributes, then the kind's figures.
struct Expect {
    name: &'static str,
    unit: &'static str,
    description: &'static str,
    kind: &'static str,
    temporality: i8,
    is_monotonic: u8,
    attributes: &'static [(&'static str, &'static str)],
    check: fn(&MetricRow),
}

fn check_point(row: &MetricRow, e: &Expect, what: &str) {
    assert_eq!(
        (
            row.metric_name.as_str(),
            row.metric_unit.as_str(),
            row.metric_description.as_str(),
            row.metric_type.as_str(),
            row.temporality,
            row.is_monotonic,
        ),
        (
            e.name,
            e.unit,
            e.description,
            e.kind,
            e.temporality,
            e.is_monotonic
        ),
        "{what}"
    );
    let attributes: Vec<(&str, &str)> = row
        .attribute_keys
        .iter()
        .zip(&row.attribute_values)
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(attributes, e.attributes, "{what} attributes");
    (e.check)(row);
}

#[tokio::test(flavor = "multi_thread")]
async fn python_sdk_metrics_over_http_and_grpc_are_stored_point_by_point() {
    let tokens_dir = tempfile::tempdir().unwrap();
    let tokens = tokens_dir.path().join("tokens");
    std::fs::write(&tokens, "tok-acme-0001 acme\ntok-glbx-0002 globex\n").unwrap();
    let CollectorStack { collector: c, ch } =
        CollectorStack::start_with_args(&["--tokens-file", tokens.to_str().unwrap()]).await;

    let before = now_nanos();
    let (http, grpc) = (c.http.clone(), c.grpc.clone());
    tokio::task::spawn_blocking(move || {
        export("http", &http, "tok-acme-0001");
        export("grpc", &grpc, "tok-glbx-0002");
    })
    .await
    .unwrap();
    let after = now_nanos();
    stored(&c.http).await;

    // Over HTTP every instrument is cumulative (2); over gRPC the script
    // asks for delta (1) for the counter and the histograms.
    for (transport, tenant, temporality) in [("http", "acme", 2i8), ("grpc", "globex", 1i8)] {
        let service = format!("metrics-{transport}");
        let rows: Vec<MetricRow> = ch
            .store()
            .client()
            .query(
                "SELECT ?fields FROM metrics WHERE service_name = ? \
                 ORDER BY metric_name, attribute_values",
            )
            .bind(service.as_str())
            .fetch_all()
            .await
            .unwrap();
        let expected = [
            Expect {
                name: "faasight.test.duration",
                unit: "ms",
                description: "Request duration",
                kind: "histogram",
                temporality,
                is_monotonic: 0,
                attributes: &[("route", "/a")],
                // 5, 50, 50, 500, 5000 in (−∞,10], (10,100], (100,1000], (1000,+∞).
                check: |r| {
                    assert_eq!((r.count, r.sum, r.min, r.max), (5, 5605.0, 5.0, 5000.0));
                    assert_eq!(r.bucket_counts, [1, 2, 1, 1]);
                    assert_eq!(r.explicit_bounds, [10.0, 100.0, 1000.0]);
                },
            },
            Expect {
                name: "faasight.test.queue",
                unit: "{item}",
                description: "Items queued",
                kind: "sum",
                // An up-down counter stays cumulative: the script asks
                // delta for counters and histograms only.
                temporality: 2,
                is_monotonic: 0,
                attributes: &[],
                check: |r| assert_eq!(r.value, 7.0),
            },
            Expect {
                name: "faasight.test.requests",
                unit: "{request}",
                description: "Requests handled",
                kind: "sum",
                temporality,
                is_monotonic: 1,
                attributes: &[("route", "/a")],
                check: |r| assert_eq!(r.value, 7.0),
            },
            Expect {
                name: "faasight.test.requests",
                unit: "{request}",
                description: "Requests handled",
                kind: "sum",
                temporality,
                is_monotonic: 1,
                attributes: &[("route", "/b")],
                check: |r| assert_eq!(r.value, 5.0),
            },
            Expect {
                name: "faasight.test.size",
                unit: "By",
                description: "Payload size",
                kind: "exponential_histogram",
                temporality,
                is_monotonic: 0,
                attributes: &[],
                // 1, 2 and 4 fit 160 buckets at scale 6 (64 per doubling):
                // bucket i holds (2^(i/64), 2^((i+1)/64)], so they fall in
                // buckets −1, 63 and 127: offset −1, positions 0, 64, 128.
                check: |r| {
                    assert_eq!((r.count, r.sum, r.min, r.max), (3, 7.0, 1.0, 4.0));
                    assert_eq!((r.exp_scale, r.exp_zero_count), (6, 0));
                    assert_eq!(r.exp_positive_offset, -1);
                    let nonzero: Vec<(usize, u64)> = r
                        .exp_positive_counts
                        .iter()
                        .copied()
                        .enumerate()
                        .filter(|(_, n)| *n > 0)
                        .collect();
                    // (The Python SDK sends whole arrays of 160 buckets,
                    // the rest zero.)
                    assert_eq!(nonzero, [(0, 1), (64, 1), (128, 1)]);
                    assert!(r.exp_negative_counts.iter().all(|n| *n == 0));
                },
            },
            Expect {
                name: "faasight.test.temperature",
                unit: "Cel",
                description: "Temperature",
                kind: "gauge",
                temporality: 0,
                is_monotonic: 0,
                attributes: &[("pool", "main")],
                check: |r| assert_eq!(r.value, 40.25, "the last value set"),
            },
        ];
        assert_eq!(rows.len(), expected.len(), "{transport}: {rows:#?}");
        for (row, e) in rows.iter().zip(&expected) {
            let what = format!("{transport} {}", e.name);
            check_point(row, e, &what);
            assert_eq!(row.tenant, tenant, "{what}: the token's tenant");
            assert_eq!(
                (row.scope_name.as_str(), row.scope_version.as_str()),
                ("faasight-test-meter", "0.1"),
                "{what}"
            );
            let resource: Vec<(&str, &str)> = row
                .resource_keys
                .iter()
                .zip(&row.resource_values)
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            for pair in [
                ("service.name", service.as_str()),
                ("faas.name", "checkout"),
                ("telemetry.sdk.language", "python"),
            ] {
                assert!(resource.contains(&pair), "{what}: {pair:?} in {resource:?}");
            }
            assert!(
                (before..=after).contains(&row.time_unix_nano),
                "{what}: time {} outside the export",
                row.time_unix_nano
            );
            assert!(row.start_time_unix_nano <= row.time_unix_nano, "{what}");
            assert_eq!(
                row.timestamp.timestamp() as u64,
                row.time_unix_nano / 1_000_000_000,
                "{what}"
            );
            assert!(row.batch_id.len() > 16 && row.batch_row > 0, "{what}");
        }
    }
    let prometheus = metrics(&c.http).await.unwrap();
    assert_eq!(
        gauge(
            &prometheus,
            "faasight_collector_received_records_total{receiver=\"otlp-metrics\"}"
        ),
        12
    );

    // OTLP/JSON: a histogram whose buckets do not match its bounds is
    // refused alone, named in the partial success; the other point is stored.
    let json = [
        ("content-type", "application/json"),
        ("authorization", "Bearer tok-acme-0001"),
    ];
    let body = r#"{"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"metrics-json"}}]},
        "scopeMetrics":[{"metrics":[{"name":"bad.histogram","histogram":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_DELTA","dataPoints":[
          {"timeUnixNano":"1769940000000000000","count":"3","bucketCounts":["1","2"],"explicitBounds":[1,2]},
          {"timeUnixNano":"1769940000000000000","count":"3","sum":4.5,"bucketCounts":["1","2"],"explicitBounds":[1]}]}}]}]}]}"#;
    let url = format!("{}/v1/metrics", c.http);
    let (status, answer) = post(url.as_str(), &json, body).await;
    assert_eq!(status, 200, "{answer}");
    let rejected = &answer["partialSuccess"]["rejectedDataPoints"];
    assert_eq!(
        rejected
            .as_i64()
            .or_else(|| rejected.as_str()?.parse().ok()),
        Some(1),
        "{answer}"
    );
    assert!(
        answer["partialSuccess"]["errorMessage"]
            .as_str()
            .unwrap()
            .contains(r#"metric "bad.histogram", data point 0: a histogram with 2 bucketCounts for 2 explicitBounds"#),
        "{answer}"
    );
    let (status, answer) = post(url.as_str(), &json, r#"{"resourceMetrics":5}"#).await;
    assert_eq!(status, 400, "{answer}");
    stored(&c.http).await;
    let kept: Vec<MetricRow> = ch
        .store()
        .client()
        .query("SELECT ?fields FROM metrics WHERE service_name = 'metrics-json'")
        .fetch_all()
        .await
        .unwrap();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let r = &kept[0];
    assert_eq!(
        (r.tenant.as_str(), r.count, r.sum, r.temporality),
        ("acme", 3, 4.5, 1)
    );
    assert_eq!(
        (r.bucket_counts.as_slice(), r.explicit_bounds.as_slice()),
        (&[1, 2][..], &[1.0][..])
    );
}

/// Metric points acknowledged while ClickHouse is down wait in the spool
/// (written as `"FSP4"` records, beside invocation rows of the same
/// batches) and are stored exactly once when it is back.
#[tokio::test(flavor = "multi_thread")]
async fn metrics_acknowledged_during_an_outage_are_stored_once() {
    let CollectorStack {
        collector: c,
        mut ch,
    } = CollectorStack::start().await;
    ch.stop().await;
    let json = [("content-type", "application/json")];
    for request in 0..4u64 {
        let points: Vec<String> = (0..25u64)
            .map(|i| {
                format!(
                    r#"{{"timeUnixNano":"{}","asInt":"{}","attributes":[{{"key":"i","value":{{"intValue":"{i}"}}}}]}}"#,
                    1_769_940_000_000_000_000u64 + i,
                    request * 100 + i
                )
            })
            .collect();
        let body = format!(
            r#"{{"resourceMetrics":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"outage"}}}}]}},
            "scopeMetrics":[{{"metrics":[{{"name":"outage.gauge","gauge":{{"dataPoints":[{}]}}}}]}}]}}]}}"#,
            points.join(",")
        );
        let (status, answer) = post(format!("{}/v1/metrics", c.http), &json, body).await;
        assert_eq!(status, 200, "{answer}");
        let record = format!(
            r#"{{"provider":"aws_lambda","function":"outage","request_id":"r{request}","start_time_ms":1769940000000,"duration_ms":1}}"#
        );
        let ndjson = [("content-type", "application/x-ndjson")];
        let (status, answer) = post(format!("{}/v1/invocations", c.http), &ndjson, record).await;
        assert_eq!(status, 200, "{answer}");
    }
    ch.restart().await;
    super::common::stored_within(&c.http, std::time::Duration::from_secs(120)).await;
    let count = |sql: &'static str| ch.count(sql);
    assert_eq!(
        count("SELECT count() FROM metrics WHERE service_name = 'outage'").await,
        100
    );
    assert_eq!(
        count("SELECT uniqExact(value) FROM metrics WHERE service_name = 'outage'").await,
        100
    );
    assert_eq!(
        count("SELECT toUInt64(sum(value)) FROM metrics WHERE service_name = 'outage'").await,
        // Σ over 4 requests of Σ (100 r + i), i < 25: 25·100·(0+1+2+3) + 4·300.
        16_200
    );
    assert_eq!(
        count("SELECT count() FROM invocations WHERE function = 'outage'").await,
        4
    );
}
