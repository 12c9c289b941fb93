//! Tests of metric decoding: hand-built requests of every point kind, in
//! protobuf and in OTLP/JSON, against rows written out by hand.

use super::*;
use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::metrics::v1::exponential_histogram_data_point::Buckets;
use opentelemetry_proto::tonic::metrics::v1::{
    exemplar, metric, number_data_point, ExponentialHistogram, Gauge, Histogram, Sum, Summary,
};

/// 2026-01-01T01:13:20Z.
const T: u64 = 1_767_230_000_000_000_000;
const START: u64 = 1_767_229_000_000_000_000;

fn kv(key: &str, v: AnyVal) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(v) }),
        ..Default::default()
    }
}

fn s(v: &str) -> AnyVal {
    AnyVal::StringValue(v.into())
}

fn metric(name: &str, unit: &str, data: metric::Data) -> Metric {
    Metric {
        name: name.into(),
        description: format!("{name} described"),
        unit: unit.into(),
        data: Some(data),
        ..Default::default()
    }
}

fn request(metrics: Vec<Metric>) -> ExportMetricsServiceRequest {
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: vec![
                    kv("service.name", s("checkout")),
                    kv("cloud.region", s("eu-west-1")),
                    kv("faas.max_memory", AnyVal::IntValue(536_870_912)),
                ],
                ..Default::default()
            }),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(InstrumentationScope {
                    name: "meter".into(),
                    version: "1.2".into(),
                    ..Default::default()
                }),
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

/// One metric of each kind: a gauge of two points (int and double), a
/// delta monotonic sum with an exemplar, a cumulative histogram, a delta
/// exponential histogram and a summary.
fn every_kind() -> ExportMetricsServiceRequest {
    let number = |value, attributes| NumberDataPoint {
        attributes,
        start_time_unix_nano: START,
        time_unix_nano: T,
        value: Some(value),
        ..Default::default()
    };
    request(vec![
        metric(
            "memory.used",
            "By",
            metric::Data::Gauge(Gauge {
                data_points: vec![
                    number(
                        number_data_point::Value::AsInt(1024),
                        vec![kv("state", s("used")), kv("pool", AnyVal::IntValue(3))],
                    ),
                    number(number_data_point::Value::AsDouble(0.5), vec![]),
                ],
            }),
        ),
        metric(
            "requests",
            "{request}",
            metric::Data::Sum(Sum {
                data_points: vec![NumberDataPoint {
                    exemplars: vec![Exemplar {
                        time_unix_nano: T - 5,
                        value: Some(exemplar::Value::AsDouble(3.5)),
                        trace_id: (1..=16).collect(),
                        span_id: (1..=8).collect(),
                        ..Default::default()
                    }],
                    flags: 1,
                    ..number(number_data_point::Value::AsInt(7), vec![])
                }],
                aggregation_temporality: AggregationTemporality::Delta as i32,
                is_monotonic: true,
            }),
        ),
        metric(
            "duration",
            "ms",
            metric::Data::Histogram(Histogram {
                data_points: vec![HistogramDataPoint {
                    attributes: vec![kv("http.route", s("/pay"))],
                    start_time_unix_nano: START,
                    time_unix_nano: T,
                    count: 4,
                    sum: Some(12.5),
                    bucket_counts: vec![1, 2, 1],
                    explicit_bounds: vec![1.0, 5.0],
                    min: Some(0.5),
                    max: Some(7.0),
                    exemplars: vec![Exemplar {
                        time_unix_nano: T - 7,
                        value: Some(exemplar::Value::AsInt(6)),
                        // Of the wrong length: kept, without the id.
                        trace_id: vec![1; 3],
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                aggregation_temporality: AggregationTemporality::Cumulative as i32,
            }),
        ),
        metric(
            "latency",
            "s",
            metric::Data::ExponentialHistogram(ExponentialHistogram {
                data_points: vec![ExponentialHistogramDataPoint {
                    start_time_unix_nano: START,
                    time_unix_nano: T,
                    count: 8,
                    sum: Some(3.0),
                    scale: 2,
                    zero_count: 1,
                    positive: Some(Buckets {
                        offset: -1,
                        bucket_counts: vec![1, 2],
                    }),
                    negative: Some(Buckets {
                        offset: 3,
                        bucket_counts: vec![4],
                    }),
                    ..Default::default()
                }],
                aggregation_temporality: AggregationTemporality::Delta as i32,
            }),
        ),
        metric(
            "gc.pause",
            "ms",
            metric::Data::Summary(Summary {
                data_points: vec![SummaryDataPoint {
                    start_time_unix_nano: START,
                    time_unix_nano: T,
                    count: 3,
                    sum: 6.0,
                    quantile_values: vec![
                        ValueAtQuantile {
                            quantile: 0.5,
                            value: 2.0,
                        },
                        ValueAtQuantile {
                            quantile: 0.99,
                            value: 3.0,
                        },
                    ],
                    ..Default::default()
                }],
            }),
        ),
    ])
}

/// What every row of [`every_kind`] shares.
fn row(name: &str, unit: &str, kind: &str) -> MetricRow {
    MetricRow {
        tenant: "acme".into(),
        timestamp: DateTime::from_timestamp(1_767_230_000, 0).unwrap(),
        time_unix_nano: T,
        start_time_unix_nano: START,
        service_name: "checkout".into(),
        metric_name: name.into(),
        metric_description: format!("{name} described"),
        metric_unit: unit.into(),
        metric_type: kind.into(),
        resource_keys: vec![
            "service.name".into(),
            "cloud.region".into(),
            "faas.max_memory".into(),
        ],
        resource_values: vec!["checkout".into(), "eu-west-1".into(), "536870912".into()],
        scope_name: "meter".into(),
        scope_version: "1.2".into(),
        value: f64::NAN,
        min: f64::NAN,
        max: f64::NAN,
        ..Default::default()
    }
}

/// The rows of [`every_kind`], written out by hand.
fn every_kind_rows() -> Vec<MetricRow> {
    vec![
        MetricRow {
            value: 1024.0,
            attribute_keys: vec!["state".into(), "pool".into()],
            attribute_values: vec!["used".into(), "3".into()],
            ..row("memory.used", "By", "gauge")
        },
        MetricRow {
            value: 0.5,
            ..row("memory.used", "By", "gauge")
        },
        MetricRow {
            value: 7.0,
            temporality: 1,
            is_monotonic: 1,
            flags: 1,
            exemplar_time_unix_nano: vec![T - 5],
            exemplar_values: vec![3.5],
            exemplar_trace_ids: vec!["0102030405060708090a0b0c0d0e0f10".into()],
            exemplar_span_ids: vec!["0102030405060708".into()],
            ..row("requests", "{request}", "sum")
        },
        MetricRow {
            temporality: 2,
            attribute_keys: vec!["http.route".into()],
            attribute_values: vec!["/pay".into()],
            count: 4,
            sum: 12.5,
            min: 0.5,
            max: 7.0,
            bucket_counts: vec![1, 2, 1],
            explicit_bounds: vec![1.0, 5.0],
            exemplar_time_unix_nano: vec![T - 7],
            exemplar_values: vec![6.0],
            exemplar_trace_ids: vec![String::new()],
            exemplar_span_ids: vec![String::new()],
            ..row("duration", "ms", "histogram")
        },
        MetricRow {
            temporality: 1,
            count: 8,
            sum: 3.0,
            exp_scale: 2,
            exp_zero_count: 1,
            exp_positive_offset: -1,
            exp_positive_counts: vec![1, 2],
            exp_negative_offset: 3,
            exp_negative_counts: vec![4],
            ..row("latency", "s", "exponential_histogram")
        },
        MetricRow {
            count: 3,
            sum: 6.0,
            quantiles: vec![0.5, 0.99],
            quantile_values: vec![2.0, 3.0],
            ..row("gc.pause", "ms", "summary")
        },
    ]
}

/// Rows compared with NaN equal to NaN (their `Debug` forms).
fn assert_rows(got: &[MetricRow], expected: &[MetricRow]) {
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for (g, e) in got.iter().zip(expected) {
        assert_eq!(format!("{g:#?}"), format!("{e:#?}"));
    }
}

#[test]
fn every_point_kind_becomes_a_row() {
    let body = every_kind().encode_to_vec();
    let d = decode_metrics(&body, Encoding::Protobuf, "acme").unwrap();
    assert_eq!(
        (d.rejected_points, d.errors.len()),
        (0, 0),
        "{:?}",
        d.errors
    );
    assert_rows(&d.metrics, &every_kind_rows());
    // The gRPC receiver's path: the same rows from the decoded message.
    let d = try_metrics_from_request(every_kind(), "acme").unwrap();
    assert_rows(&d.metrics, &every_kind_rows());
}

#[test]
fn json_metrics_decode_like_protobuf() {
    // `every_kind` in OTLP/JSON as exporters write it: 64-bit integers as
    // strings, enum names, hex ids; a few doubles as strings.
    let json = format!(
        r#"{{"resourceMetrics":[{{
        "resource":{{"attributes":[
            {{"key":"service.name","value":{{"stringValue":"checkout"}}}},
            {{"key":"cloud.region","value":{{"stringValue":"eu-west-1"}}}},
            {{"key":"faas.max_memory","value":{{"intValue":"536870912"}}}}]}},
        "scopeMetrics":[{{"scope":{{"name":"meter","version":"1.2"}},"metrics":[
          {{"name":"memory.used","description":"memory.used described","unit":"By","gauge":{{"dataPoints":[
            {{"attributes":[{{"key":"state","value":{{"stringValue":"used"}}}},{{"key":"pool","value":{{"intValue":3}}}}],
             "startTimeUnixNano":"{START}","timeUnixNano":"{T}","asInt":"1024"}},
            {{"startTimeUnixNano":"{START}","timeUnixNano":{T},"asDouble":"0.5"}}]}}}},
          {{"name":"requests","description":"requests described","unit":"{{request}}","sum":{{
            "aggregationTemporality":"AGGREGATION_TEMPORALITY_DELTA","isMonotonic":true,"dataPoints":[
            {{"startTimeUnixNano":"{START}","timeUnixNano":"{T}","asInt":7,"flags":1,"exemplars":[
              {{"timeUnixNano":"{}","asDouble":3.5,"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708"}}]}}]}}}},
          {{"name":"duration","description":"duration described","unit":"ms","histogram":{{
            "aggregationTemporality":2,"dataPoints":[
            {{"attributes":[{{"key":"http.route","value":{{"stringValue":"/pay"}}}}],
             "startTimeUnixNano":"{START}","timeUnixNano":"{T}","count":"4","sum":12.5,
             "bucketCounts":["1",2,"1"],"explicitBounds":[1,"5"],"min":"0.5","max":7,
             "exemplars":[{{"timeUnixNano":"{}","asInt":"6","traceId":"not hex"}}]}}]}}}},
          {{"name":"latency","description":"latency described","unit":"s","exponentialHistogram":{{
            "aggregationTemporality":"AGGREGATION_TEMPORALITY_DELTA","dataPoints":[
            {{"startTimeUnixNano":"{START}","timeUnixNano":"{T}","count":"8","sum":3,"scale":"2",
             "zeroCount":"1","positive":{{"offset":-1,"bucketCounts":["1","2"]}},
             "negative":{{"offset":"3","bucketCounts":[4]}},"min":"NaN","max":null}}]}}}},
          {{"name":"gc.pause","description":"gc.pause described","unit":"ms","summary":{{"dataPoints":[
            {{"startTimeUnixNano":"{START}","timeUnixNano":"{T}","count":3,"sum":6,
             "quantileValues":[{{"quantile":0.5,"value":2}},{{"quantile":0.99,"value":3.0}}]}}]}}}}
        ]}}]}}]}}"#,
        T - 5,
        T - 7
    );
    let d = decode_metrics(json.as_bytes(), Encoding::Json, "acme").unwrap();
    assert_eq!(
        (d.rejected_points, d.errors.len()),
        (0, 0),
        "{:?}",
        d.errors
    );
    assert_rows(&d.metrics, &every_kind_rows());
}

#[test]
fn json_doubles_that_json_cannot_hold_are_left_out() {
    let json = format!(
        r#"{{"resourceMetrics":[{{"scopeMetrics":[{{"metrics":[
          {{"name":"g","gauge":{{"dataPoints":[
            {{"timeUnixNano":"{T}","asDouble":"NaN"}},
            {{"timeUnixNano":"{T}","asDouble":"-Infinity"}},
            {{"timeUnixNano":"{T}","asDouble":"-2.25e1"}}]}}}},
          {{"name":"h","histogram":{{"dataPoints":[
            {{"timeUnixNano":"{T}","count":"1","sum":"Infinity","min":"-Infinity","max":"1e3",
              "bucketCounts":[0,1],"explicitBounds":[10]}},
            {{"timeUnixNano":"{T}","count":"1","bucketCounts":[0,1,0],"explicitBounds":[10,"Infinity"]}}]}}}}
        ]}}]}}]}}"#
    );
    let d = decode_metrics(json.as_bytes(), Encoding::Json, "t").unwrap();
    let values: Vec<String> = d.metrics.iter().map(|r| r.value.to_string()).collect();
    assert_eq!(values, ["NaN", "NaN", "-22.5", "NaN"]);
    let h = &d.metrics[3];
    assert_eq!(
        (h.sum, h.min.is_nan(), h.max, h.count),
        (0.0, true, 1000.0, 1)
    );
    assert_eq!(
        (h.bucket_counts.clone(), h.explicit_bounds.clone()),
        (vec![0, 1], vec![10.0])
    );
    // The second histogram lost its infinite bound, so its buckets no
    // longer match: refused, with the reason.
    assert_eq!(d.rejected_points, 1);
    assert_eq!(
        d.errors,
        [
            r#"metric "h", data point 1: a histogram with 3 bucketCounts for 1 explicitBounds (there must be one more bucket than bounds, or neither)"#
        ]
    );
}

#[test]
fn invalid_points_are_refused_one_by_one_and_named() {
    let point = |time: u64| NumberDataPoint {
        time_unix_nano: time,
        value: Some(number_data_point::Value::AsDouble(1.0)),
        ..Default::default()
    };
    let histogram = |buckets: Vec<u64>, bounds: Vec<f64>| HistogramDataPoint {
        time_unix_nano: T,
        count: buckets.iter().sum(),
        bucket_counts: buckets,
        explicit_bounds: bounds,
        ..Default::default()
    };
    let req = request(vec![
        metric(
            "ok.then.bad",
            "",
            metric::Data::Gauge(Gauge {
                data_points: vec![point(T), point(0), point(u64::MAX)],
            }),
        ),
        metric(
            "",
            "",
            metric::Data::Sum(Sum {
                data_points: vec![point(T), point(T)],
                ..Default::default()
            }),
        ),
        Metric {
            name: "no data".into(),
            ..Default::default()
        },
        metric(
            "h",
            "",
            metric::Data::Histogram(Histogram {
                data_points: vec![
                    histogram(vec![1, 2, 3], vec![1.0]),
                    histogram(vec![1, 2, 3], vec![5.0, 5.0]),
                    histogram(vec![1, 1], vec![f64::NAN]),
                    histogram(vec![], vec![]),
                    histogram(vec![1, 0, 2], vec![0.0, 2.5]),
                    histogram(vec![], vec![1.0]),
                ],
                aggregation_temporality: 7,
            }),
        ),
    ]);
    let d = try_metrics_from_request(req, "t").unwrap();
    let stored: Vec<(&str, f64, u64, i8)> = d
        .metrics
        .iter()
        .map(|r| (r.metric_name.as_str(), r.value, r.count, r.temporality))
        .collect();
    // Histograms have no `value` (NaN): compared by their counts.
    assert_eq!(stored[0], ("ok.then.bad", 1.0, 0, 0));
    assert_eq!(
        stored[1..]
            .iter()
            .map(|r| (r.0, r.2, r.3))
            .collect::<Vec<_>>(),
        [("h", 0, 0), ("h", 3, 0)],
        "an unknown temporality is stored as unspecified"
    );
    assert_eq!(d.rejected_points, 2 + 2 + 4);
    assert_eq!(
        d.errors,
        [
            r#"metric "ok.then.bad", data point 1: timeUnixNano is missing"#,
            r#"metric "ok.then.bad", data point 2: timeUnixNano 18446744073709551615 is past 2106-02-07, the last time stored"#,
            "a sum metric without a name: its 2 data points are refused",
            r#"metric "h", data point 0: a histogram with 3 bucketCounts for 1 explicitBounds (there must be one more bucket than bounds, or neither)"#,
            r#"metric "h", data point 1: a histogram whose explicitBounds do not increase (5 then 5)"#,
            r#"metric "h", data point 2: a histogram with NaN among its explicitBounds"#,
            r#"metric "h", data point 5: a histogram with 0 bucketCounts for 1 explicitBounds (there must be one more bucket than bounds, or neither)"#,
        ]
    );
}

#[test]
fn metric_rows_are_bounded_by_the_request_budget() {
    // A 1 MiB resource attribute copied into 200 points: 200 MiB of rows,
    // refused before they are built.
    let mut req = request(vec![metric(
        "g",
        "",
        metric::Data::Gauge(Gauge {
            data_points: vec![
                NumberDataPoint {
                    time_unix_nano: T,
                    ..Default::default()
                };
                200
            ],
        }),
    )]);
    let resource = req.resource_metrics[0].resource.as_mut().unwrap();
    resource.attributes.push(kv("big", s(&"x".repeat(1 << 20))));
    let e = try_metrics_from_request(req.clone(), "t").unwrap_err();
    assert!(matches!(e, OtlpError::RowsTooLarge { .. }), "{e}");
    assert!(e.is_too_large());
    // The same through the body: refused, as 413.
    let e = decode_metrics(&req.encode_to_vec(), Encoding::Protobuf, "t").unwrap_err();
    assert!(e.is_too_large(), "{e}");
    // 100 of them fit.
    let points = &mut req.resource_metrics[0].scope_metrics[0].metrics[0];
    if let Some(metric::Data::Gauge(g)) = &mut points.data {
        g.data_points.truncate(100);
    }
    assert_eq!(
        try_metrics_from_request(req, "t").unwrap().metrics.len(),
        100
    );
}
