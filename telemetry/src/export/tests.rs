use super::*;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name: &str| map.get(name).cloned()
}

fn url(d: Option<Destination>) -> Option<String> {
    d.map(|d| d.url)
}

#[test]
fn a_base_endpoint_gets_the_signal_path_and_a_signal_endpoint_is_used_as_given() {
    // https://opentelemetry.io/docs/specs/otel/protocol/exporter/#endpoint-urls-for-otlphttp
    let env = env_of(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"),
        (
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            "http://other:9000/custom",
        ),
    ]);
    assert_eq!(
        url(destination("traces", None, &env).unwrap()).as_deref(),
        Some("http://collector:4318/v1/traces")
    );
    assert_eq!(
        url(destination("metrics", None, &env).unwrap()).as_deref(),
        Some("http://other:9000/custom")
    );
    // The flag beats both.
    assert_eq!(
        url(destination("metrics", Some("http://flag:1"), &env).unwrap()).as_deref(),
        Some("http://flag:1/v1/metrics")
    );
}

#[test]
fn nothing_configured_is_off_and_none_turns_a_signal_off() {
    assert_eq!(destination("traces", None, &env_of(&[])).unwrap(), None);
    let env = env_of(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
        ("OTEL_TRACES_EXPORTER", "none"),
    ]);
    assert_eq!(destination("traces", None, &env).unwrap(), None);
    assert!(destination("metrics", None, &env).unwrap().is_some());
    let off = install_with(&Options::default(), &env_of(&[])).unwrap();
    assert!(off.is_none());
    let disabled = env_of(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
        ("OTEL_SDK_DISABLED", "true"),
    ]);
    assert!(install_with(&Options::default(), &disabled)
        .unwrap()
        .is_none());
}

#[test]
fn what_cannot_work_is_refused_naming_the_variable() {
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ],
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ),
        (
            &[("OTEL_EXPORTER_OTLP_ENDPOINT", "https://saas.example:443")],
            "OTEL_EXPORTER_OTLP_ENDPOINT",
        ),
        (
            &[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "collector:4318")],
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        ),
        (
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
                ("OTEL_TRACES_EXPORTER", "zipkin"),
            ],
            "OTEL_TRACES_EXPORTER",
        ),
        (
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
                ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "thrift"),
            ],
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        ),
    ];
    for (pairs, variable) in cases {
        let err = destination("traces", None, &env_of(pairs)).unwrap_err();
        assert!(
            err.to_string().starts_with(&format!("{variable}: ")),
            "{err}"
        );
    }
    let err = export_timeout(&env_of(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "10s")])).unwrap_err();
    assert!(
        err.to_string().starts_with("OTEL_EXPORTER_OTLP_TIMEOUT: "),
        "{err}"
    );
}

#[test]
fn json_is_chosen_per_signal() {
    let env = env_of(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "http/json"),
    ]);
    assert_eq!(
        destination("traces", None, &env).unwrap().unwrap().protocol,
        Protocol::HttpBinary
    );
    assert_eq!(
        destination("metrics", None, &env)
            .unwrap()
            .unwrap()
            .protocol,
        Protocol::HttpJson
    );
}

#[test]
fn instance_ids_are_version_4_uuids_and_differ() {
    let (a, b) = (instance_id(), instance_id());
    assert_ne!(a, b);
    assert_eq!(a.len(), 36);
    assert_eq!(&a[14..15], "4");
    assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
}
