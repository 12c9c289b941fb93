//! faasight's own telemetry: a collector exporting its spans and metrics
//! over OTLP/HTTP to another collector, which stores them like any
//! client's; and two collectors exporting to each other, where storing
//! self-telemetry makes none.

use super::common::{free_port, post, stored, terminate, wait_for, ClickHouse, Collector};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

/// A stored span: its name, kind, service, attributes and resource.
#[derive(Debug, Clone)]
struct Span {
    name: String,
    kind: i8,
    service: String,
    trace_id: String,
    parent: String,
    attributes: HashMap<String, String>,
    resource: HashMap<String, String>,
}

async fn spans(ch: &ClickHouse, database: &str, tenant: &str) -> Vec<Span> {
    let sql = format!(
        "SELECT ?fields FROM {database}.spans WHERE tenant = '{tenant}' \
         ORDER BY start_time_unix_nano"
    );
    let rows: Vec<faasight_store::SpanRow> =
        ch.store().client().query(&sql).fetch_all().await.unwrap();
    rows.into_iter()
        .map(|r| Span {
            name: r.name,
            kind: r.kind,
            service: r.service_name,
            trace_id: r.trace_id,
            parent: r.parent_span_id,
            attributes: r
                .attribute_keys
                .into_iter()
                .zip(r.attribute_values)
                .collect(),
            resource: r.resource_keys.into_iter().zip(r.resource_values).collect(),
        })
        .collect()
}

/// The last stored point of `metric` whose attributes include `with`:
/// (type, unit, value, count, sum).
async fn last_point(
    ch: &ClickHouse,
    database: &str,
    tenant: &str,
    metric: &str,
    with: &[(&str, &str)],
) -> Option<(String, String, f64, u64, f64)> {
    let mut filter = String::new();
    for (k, v) in with {
        filter.push_str(&format!(
            " AND has(arrayMap((k, v) -> concat(k, '=', v), attribute_keys, attribute_values), '{k}={v}')"
        ));
    }
    let sql = format!(
        "SELECT metric_type, metric_unit, value, count, sum FROM {database}.metrics \
         WHERE tenant = '{tenant}' AND metric_name = '{metric}'{filter} \
         ORDER BY time_unix_nano DESC LIMIT 1"
    );
    let rows: Vec<(String, String, f64, u64, f64)> =
        ch.store().client().query(&sql).fetch_all().await.unwrap();
    if rows.is_empty() {
        // What there is instead, for the failure message.
        let all: Vec<(String, String)> = ch
            .store()
            .client()
            .query(&format!(
                "SELECT metric_name, arrayStringConcat(arrayMap((k, v) -> concat(k, '=', v), \
                 attribute_keys, attribute_values), ',') FROM {database}.metrics \
                 WHERE metric_name = '{metric}'"
            ))
            .fetch_all()
            .await
            .unwrap();
        eprintln!("no point of {metric} with {with:?}; there are {all:?}");
    }
    rows.into_iter().next()
}

fn tokens_file(dir: &Path, line: &str) -> String {
    let path = dir.join("tokens");
    std::fs::write(&path, format!("{line}\n")).unwrap();
    path.to_str().unwrap().to_string()
}

const INVOCATIONS: &str = r#"{"provider":"aws_lambda","function":"self-test","memory_mb":256,"request_id":"r1","start_time":"2026-02-01T00:00:01.250Z","duration_ms":40.5,"start_type":"warm"}
{"provider":"aws_lambda","function":"self-test","memory_mb":256,"request_id":"r2","start_time":"2026-02-01T00:00:02.250Z","duration_ms":41.5,"start_type":"warm"}
{"provider":"aws_lambda","function":"self-test","memory_mb":256,"request_id":"r3","start_time":"2026-02-01T00:00:03.250Z","duration_ms":42.5,"start_type":"cold"}"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_collector_exports_its_ingest_spans_and_request_durations_to_a_second_one() {
    let ch = ClickHouse::start().await;
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // B, the observer: stores what A says about itself under its token.
    let observer = Collector::start(
        &ch.url_for("observer"),
        dir_b.path(),
        &[
            "--tokens-file",
            &tokens_file(dir_b.path(), "observer-token-0001 faasight-ops"),
        ],
    )
    .await;
    // A, observed through the standard variables only.
    let mut a = Collector::start_with_env(
        &ch.url(),
        dir_a.path(),
        &[
            "--tokens-file",
            &tokens_file(dir_a.path(), "acme-token-00001 acme"),
        ],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", observer.http.as_str()),
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                "authorization=Bearer%20observer-token-0001",
            ),
            ("OTEL_SERVICE_NAME", "collector-a"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "deployment.environment.name=e2e",
            ),
        ],
    )
    .await;
    let url = format!("{}/v1/invocations", a.http);
    let ndjson = ("content-type", "application/x-ndjson");
    let token = ("authorization", "Bearer acme-token-00001");
    let (status, _) = post(&url, &[ndjson, token], INVOCATIONS).await;
    assert_eq!(status, 200);
    let (status, _) = post(&url, &[ndjson, token], "{\"bogus\":1}").await;
    assert_eq!(status, 400);
    let (status, _) = post(&url, &[ndjson], INVOCATIONS).await;
    assert_eq!(status, 401);
    stored(&a.http).await;
    // A graceful stop exports what is pending before the process ends.
    terminate(a.child.id());
    let exit = a.child.wait().unwrap();
    assert!(exit.success(), "{exit}");
    stored(&observer.http).await;

    let got = spans(&ch, "observer", "faasight-ops").await;
    let named = |name: &str| -> Vec<&Span> { got.iter().filter(|s| s.name == name).collect() };
    let requests = named("POST /v1/invocations");
    assert_eq!(requests.len(), 3, "{got:#?}");
    let by_status = |status: &str| -> &Span {
        requests
            .iter()
            .find(|s| {
                s.attributes
                    .get("http.response.status_code")
                    .map(String::as_str)
                    == Some(status)
            })
            .unwrap_or_else(|| panic!("no span answered {status}: {requests:#?}"))
    };
    let ok = by_status("200");
    assert_eq!(ok.kind, 2, "a server span");
    assert_eq!(ok.service, "collector-a");
    assert_eq!(ok.parent, "", "a root span");
    for (key, value) in [
        ("http.request.method", "POST"),
        ("http.route", "/v1/invocations"),
        ("faasight.server", "collector"),
        ("faasight.tenant", "acme"),
        ("faasight.rows", "3"),
        ("faasight.result", "stored"),
    ] {
        assert_eq!(
            ok.attributes.get(key).map(String::as_str),
            Some(value),
            "{key}: {ok:#?}"
        );
    }
    assert_eq!(
        ok.resource
            .get("deployment.environment.name")
            .map(String::as_str),
        Some("e2e")
    );
    assert_eq!(
        ok.resource.get("service.version").map(String::as_str),
        Some(env!("CARGO_PKG_VERSION"))
    );
    let bad = by_status("400");
    assert_eq!(
        bad.attributes.get("faasight.result").map(String::as_str),
        Some("rejected")
    );
    assert_eq!(
        bad.attributes.get("faasight.tenant").map(String::as_str),
        Some("acme")
    );
    assert!(
        !bad.attributes.contains_key("faasight.rows"),
        "nothing stored: {bad:#?}"
    );
    let unauthorised = by_status("401");
    assert!(
        !unauthorised.attributes.contains_key("faasight.tenant"),
        "{unauthorised:#?}"
    );
    // The rows' INSERT, a client span of its own trace (it runs after the
    // request was answered, for every request that piled up meanwhile).
    let inserts = named("INSERT invocations");
    assert_eq!(inserts.len(), 1, "{got:#?}");
    assert_eq!(inserts[0].kind, 3, "a client span");
    assert_eq!(
        inserts[0]
            .attributes
            .get("db.system.name")
            .map(String::as_str),
        Some("clickhouse")
    );
    assert_eq!(
        inserts[0]
            .attributes
            .get("faasight.rows")
            .map(String::as_str),
        Some("3")
    );
    assert_ne!(inserts[0].trace_id, ok.trace_id);

    // http.server.request.duration: one request per (route, status).
    for status in ["200", "400", "401"] {
        let (kind, unit, _, count, sum) = last_point(
            &ch,
            "observer",
            "faasight-ops",
            "http.server.request.duration",
            &[
                ("http.route", "/v1/invocations"),
                ("http.response.status_code", status),
            ],
        )
        .await
        .unwrap_or_else(|| panic!("no request duration for status {status}"));
        assert_eq!(
            (kind.as_str(), unit.as_str(), count),
            ("histogram", "s", 1),
            "{status}"
        );
        assert!(sum > 0.0 && sum < 30.0, "{sum}");
    }
    // The counters of /metrics, under their OpenTelemetry names.
    let (kind, _, value, _, _) = last_point(
        &ch,
        "observer",
        "faasight-ops",
        "faasight.collector.received_records",
        &[("receiver", "invocations")],
    )
    .await
    .expect("received records");
    assert_eq!((kind.as_str(), value), ("sum", 3.0));
    let (_, _, value, _, _) = last_point(
        &ch,
        "observer",
        "faasight-ops",
        "faasight.collector.inserted_rows",
        &[("table", "invocations")],
    )
    .await
    .expect("inserted rows");
    assert_eq!(value, 3.0);
    // The one INSERT also in db.client.operation.duration.
    let (kind, unit, _, count, _) = last_point(
        &ch,
        "observer",
        "faasight-ops",
        "db.client.operation.duration",
        &[("db.operation.name", "INSERT")],
    )
    .await
    .expect("insert durations");
    assert_eq!((kind.as_str(), unit.as_str()), ("histogram", "s"));
    assert!(count >= 1, "{count}");
    let (_, _, dropped, _, _) = last_point(
        &ch,
        "observer",
        "faasight-ops",
        "faasight.telemetry.spans",
        &[("outcome", "dropped")],
    )
    .await
    .expect("span outcomes");
    assert_eq!(dropped, 0.0);
    drop(observer);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_collectors_exporting_to_each_other_make_no_spans_from_storing_each_others() {
    let ch = ClickHouse::start().await;
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (port_a, port_b) = (free_port(), free_port());
    let (url_a, url_b) = (
        format!("http://127.0.0.1:{port_a}"),
        format!("http://127.0.0.1:{port_b}"),
    );
    // Short intervals, so that many exports cross in a few seconds.
    let env = |to: &str| {
        [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", to.to_string()),
            ("OTEL_BSP_SCHEDULE_DELAY", "100".to_string()),
            ("OTEL_METRIC_EXPORT_INTERVAL", "300".to_string()),
        ]
    };
    let (env_a, env_b) = (env(&url_b), env(&url_a));
    fn pairs<'a>(e: &'a [(&'static str, String); 3]) -> [(&'static str, &'a str); 3] {
        e.each_ref().map(|(k, v)| (*k, v.as_str()))
    }
    let a = Collector::start_on(&ch.url_for("a"), dir_a.path(), &[], &pairs(&env_a), port_a).await;
    let b = Collector::start_on(&ch.url_for("b"), dir_b.path(), &[], &pairs(&env_b), port_b).await;
    let (status, _) = post(
        format!("{}/v1/invocations", a.http),
        &[("content-type", "application/x-ndjson")],
        INVOCATIONS,
    )
    .await;
    assert_eq!(status, 200);
    // Each side stores the other's metrics every 300 ms. Wait until each
    // has stored at least six exports of the other's: had storing them
    // made a span, it would have been exported back long before.
    for db in ["a", "b"] {
        wait_for(
            "six metric exports stored",
            Duration::from_secs(60),
            || async {
                let n = ch
                    .count(&format!(
                        "SELECT uniqExact(time_unix_nano) FROM {db}.metrics \
                         WHERE metric_name = 'faasight.collector.received_records'"
                    ))
                    .await;
                (n >= 6).then_some(())
            },
        )
        .await;
    }
    wait_for("A's request span at B", Duration::from_secs(30), || async {
        let n = ch
            .count("SELECT count() FROM b.spans WHERE name = 'POST /v1/invocations'")
            .await;
        (n > 0).then_some(())
    })
    .await;
    stored(&a.http).await;
    stored(&b.http).await;
    // B holds exactly the spans of the one request A served, and A none:
    // B served no request but A's exports, and storing them made nothing.
    let at_b: Vec<String> = spans(&ch, "b", "default")
        .await
        .into_iter()
        .map(|s| s.name)
        .collect();
    let mut names = at_b.clone();
    names.sort();
    names.dedup();
    assert_eq!(
        names,
        ["INSERT invocations", "POST /v1/invocations"],
        "{at_b:?}"
    );
    assert_eq!(
        at_b.iter().filter(|n| *n == "POST /v1/invocations").count(),
        1
    );
    let at_a = spans(&ch, "a", "default").await;
    assert!(at_a.is_empty(), "{at_a:#?}");
}
