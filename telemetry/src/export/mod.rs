//! Installing the OpenTelemetry SDK: where faasight's own spans and
//! metrics go, configured as every OpenTelemetry SDK is.
//!
//! Off unless an endpoint is given: `--otel-endpoint`, or the standard
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (and its `_TRACES_`/`_METRICS_` forms).
//! The variables mean what the specification says
//! (<https://opentelemetry.io/docs/specs/otel/protocol/exporter/>,
//! <https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/>):
//! a base endpoint gets `/v1/traces` and `/v1/metrics` appended, a
//! per-signal one is used as it is; `OTEL_EXPORTER_OTLP_HEADERS`,
//! `OTEL_EXPORTER_OTLP_TIMEOUT`, `OTEL_SERVICE_NAME`,
//! `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SDK_DISABLED`, `OTEL_TRACES_EXPORTER`
//! / `OTEL_METRICS_EXPORTER` (`none`), `OTEL_BSP_*` and
//! `OTEL_METRIC_EXPORT_INTERVAL` apply.
//!
//! The transport is OTLP/HTTP (`http/protobuf`, the specification's
//! default, or `http/json`) over plain HTTP: to reach a TLS or gRPC-only
//! endpoint, go through a local OpenTelemetry Collector. Exports run on a
//! thread of their own (see `client` and `queue`), never on the runtime
//! that serves requests.

pub mod client;
pub mod queue;

use crate::counters::{Outcome, COUNTERS};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::KeyValue;
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider, Temporality};
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanExporter as _};
use opentelemetry_sdk::Resource;
use std::collections::HashMap;
use std::time::Duration;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// What the command line adds to the environment's configuration.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--otel-endpoint`: a base URL (`http://host:4318`) for both signals;
    /// beats the environment.
    pub endpoint: Option<String>,
    /// Headers sent with every export besides `OTEL_EXPORTER_OTLP_HEADERS`
    /// (`up --demo` sends its own ingest token this way).
    pub headers: Vec<(String, String)>,
    /// `service.name` when neither `OTEL_SERVICE_NAME` nor
    /// `OTEL_RESOURCE_ATTRIBUTES` names one.
    pub default_service_name: String,
}

/// A configuration that cannot work, named by its variable or flag.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A variable or flag holds a value faasight cannot use.
    #[error("{name}: {problem}")]
    Invalid {
        /// The variable or flag.
        name: String,
        /// Why, in a sentence.
        problem: String,
    },
    /// The SDK refused the exporter.
    #[error("cannot build the OTLP exporter: {0}")]
    Exporter(String),
    /// No thread for the exports.
    #[error("cannot start the telemetry thread: {0}")]
    Thread(std::io::Error),
}

fn invalid(name: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        name: name.to_owned(),
        problem: problem.into(),
    }
}

/// One signal's destination.
#[derive(Debug, Clone, PartialEq)]
struct Destination {
    url: String,
    protocol: Protocol,
}

/// Where `signal` (`traces`, `metrics`) goes, if anywhere. `env` reads a
/// variable (the process environment, or a map in tests).
fn destination(
    signal: &str,
    flag: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Destination>, ConfigError> {
    let upper = signal.to_ascii_uppercase();
    let exporter_var = format!("OTEL_{upper}_EXPORTER");
    match env(&exporter_var).as_deref().map(str::trim) {
        None | Some("") | Some("otlp") => {}
        Some("none") => return Ok(None),
        Some(other) => {
            return Err(invalid(
                &exporter_var,
                format!("{other:?} is not an exporter faasight has; use \"otlp\" or \"none\""),
            ))
        }
    }
    let signal_var = format!("OTEL_EXPORTER_OTLP_{upper}_ENDPOINT");
    let (name, url) = if let Some(base) = flag {
        ("--otel-endpoint".to_owned(), join(base, signal))
    } else if let Some(url) = env(&signal_var).filter(|v| !v.trim().is_empty()) {
        (signal_var, url.trim().to_owned())
    } else if let Some(base) = env("OTEL_EXPORTER_OTLP_ENDPOINT").filter(|v| !v.trim().is_empty()) {
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT".to_owned(),
            join(&base, signal),
        )
    } else {
        return Ok(None);
    };
    match url.parse::<http::Uri>() {
        Ok(uri) if uri.scheme_str() == Some("http") && uri.host().is_some() => {}
        Ok(uri) if uri.scheme_str() == Some("https") => {
            return Err(invalid(
                &name,
                format!("{url}: faasight exports over plain HTTP only (no TLS); send to a local OpenTelemetry Collector and let it forward over TLS"),
            ))
        }
        _ => {
            return Err(invalid(
                &name,
                format!("{url:?} is not an http:// URL with a host"),
            ))
        }
    }
    let protocol_var = format!("OTEL_EXPORTER_OTLP_{upper}_PROTOCOL");
    let (protocol_name, protocol) = match env(&protocol_var) {
        Some(p) if !p.trim().is_empty() => (protocol_var, p),
        _ => (
            "OTEL_EXPORTER_OTLP_PROTOCOL".to_owned(),
            env("OTEL_EXPORTER_OTLP_PROTOCOL").unwrap_or_default(),
        ),
    };
    let protocol = match protocol.trim() {
        "" | "http/protobuf" => Protocol::HttpBinary,
        "http/json" => Protocol::HttpJson,
        "grpc" => {
            return Err(invalid(
                &protocol_name,
                "faasight exports over OTLP/HTTP (http/protobuf or http/json), not gRPC; point the endpoint at an OTLP/HTTP port (4318)",
            ))
        }
        other => {
            return Err(invalid(
                &protocol_name,
                format!("unknown protocol {other:?}; use http/protobuf or http/json"),
            ))
        }
    };
    Ok(Some(Destination { url, protocol }))
}

/// A base endpoint with the signal's path (`/v1/traces`).
fn join(base: &str, signal: &str) -> String {
    format!("{}/v1/{signal}", base.trim().trim_end_matches('/'))
}

/// `OTEL_EXPORTER_OTLP_TIMEOUT` (milliseconds), else 10 s.
fn export_timeout(env: &dyn Fn(&str) -> Option<String>) -> Result<Duration, ConfigError> {
    match env("OTEL_EXPORTER_OTLP_TIMEOUT") {
        None => Ok(Duration::from_secs(10)),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(ms) if ms > 0 => Ok(Duration::from_millis(ms)),
            _ => Err(invalid(
                "OTEL_EXPORTER_OTLP_TIMEOUT",
                format!("{v:?} is not a positive number of milliseconds"),
            )),
        },
    }
}

fn temporality(env: &dyn Fn(&str) -> Option<String>) -> Result<Temporality, ConfigError> {
    let name = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE";
    match env(name).map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("cumulative") => Ok(Temporality::Cumulative),
        Some("delta") => Ok(Temporality::Delta),
        Some("lowmemory") => Ok(Temporality::LowMemory),
        Some(other) => Err(invalid(
            name,
            format!("{other:?}: use cumulative, delta or lowmemory"),
        )),
    }
}

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The resource: the SDK's detectors (`OTEL_SERVICE_NAME`,
/// `OTEL_RESOURCE_ATTRIBUTES`, the SDK's own attributes), `service.name`
/// defaulted to `default_service_name`, and the version, the host and a
/// per-process instance id.
fn resource(default_service_name: &str) -> Resource {
    let detected = Resource::builder().build();
    let named = detected
        .get(&opentelemetry::Key::new("service.name"))
        .is_some_and(|v| !v.as_str().starts_with("unknown_service"));
    let mut builder = Resource::builder();
    if !named {
        builder = builder.with_service_name(default_service_name.to_owned());
    }
    let mut extra = vec![
        KeyValue::new("service.version", env!("CARGO_PKG_VERSION")),
        KeyValue::new("service.instance.id", instance_id()),
        KeyValue::new("process.pid", i64::from(std::process::id())),
    ];
    if let Ok(host) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        extra.push(KeyValue::new("host.name", host.trim().to_owned()));
    }
    // The operator's attributes win over these defaults.
    let operator: Vec<opentelemetry::Key> = detected.iter().map(|(k, _)| k.clone()).collect();
    extra.retain(|kv| !operator.contains(&kv.key));
    builder.with_attributes(extra).build()
}

/// A random id for this process (`service.instance.id` is advised to be a
/// UUID; this is a version-4 one from the standard library's random keys).
fn instance_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let half = || {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        h.finish()
    };
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&half().to_le_bytes());
    b[8..].copy_from_slice(&half().to_le_bytes());
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The installed SDK. Keep it for the process's life and call
/// [`SelfTelemetry::shutdown`] at the end, which exports what is pending.
#[derive(Debug)]
pub struct SelfTelemetry {
    tracer_provider: Option<SdkTracerProvider>,
    meter_provider: Option<SdkMeterProvider>,
    runtime: Option<(
        tokio::sync::oneshot::Sender<()>,
        std::thread::JoinHandle<()>,
    )>,
    /// Where each signal goes, for the start-up line.
    pub description: String,
}

/// Whether the environment settles self-telemetry: an endpoint variable
/// is set, or `OTEL_SDK_DISABLED=true`. `up --demo` exports to itself
/// only when it does not.
pub fn configured_by_environment() -> bool {
    let env = process_env;
    sdk_disabled(&env)
        || [
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
        ]
        .iter()
        .any(|v| env(v).is_some_and(|v| !v.trim().is_empty()))
}

fn sdk_disabled(env: &dyn Fn(&str) -> Option<String>) -> bool {
    env("OTEL_SDK_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// Installs the SDK if an endpoint is configured; `Ok(None)` when
/// self-telemetry is off.
pub fn install(options: &Options) -> Result<Option<SelfTelemetry>, ConfigError> {
    install_with(options, &process_env)
}

fn install_with(
    options: &Options,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<SelfTelemetry>, ConfigError> {
    if sdk_disabled(env) {
        return Ok(None);
    }
    let flag = options.endpoint.as_deref();
    let traces = destination("traces", flag, env)?;
    let metrics = destination("metrics", flag, env)?;
    if traces.is_none() && metrics.is_none() {
        return Ok(None);
    }
    let timeout = export_timeout(env)?;
    let temporality = temporality(env)?;
    let headers: HashMap<String, String> = options.headers.iter().cloned().collect();

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (handle_tx, handle_rx) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("faasight-telemetry".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = handle_tx.send(Err(e));
                    return;
                }
            };
            let _ = handle_tx.send(Ok(runtime.handle().clone()));
            runtime.block_on(async {
                let _ = stopped.await;
            });
        })
        .map_err(ConfigError::Thread)?;
    let runtime = handle_rx
        .recv()
        .map_err(|_| ConfigError::Thread(std::io::Error::other("the thread ended")))?
        .map_err(ConfigError::Thread)?;
    let client = client::RuntimeHttpClient::new(runtime.clone(), timeout);
    let resource = resource(&options.default_service_name);
    let mut description = Vec::new();

    let tracer_provider = match &traces {
        None => None,
        Some(d) => {
            let mut exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_http_client(client.clone())
                .with_endpoint(d.url.clone())
                .with_protocol(d.protocol)
                .with_timeout(timeout)
                .with_headers(headers.clone())
                .build()
                .map_err(|e| ConfigError::Exporter(e.to_string()))?;
            exporter.set_resource(&resource);
            let processor = queue::QueueProcessor::start(
                exporter,
                queue::QueueConfig::from_env(),
                &runtime,
                &COUNTERS,
            );
            description.push(format!("traces to {}", d.url));
            Some(
                SdkTracerProvider::builder()
                    .with_resource(resource.clone())
                    .with_span_processor(processor)
                    .build(),
            )
        }
    };
    let meter_provider = match &metrics {
        None => None,
        Some(d) => {
            let exporter = opentelemetry_otlp::MetricExporter::builder()
                .with_http()
                .with_http_client(client)
                .with_endpoint(d.url.clone())
                .with_protocol(d.protocol)
                .with_timeout(timeout)
                .with_headers(headers)
                .with_temporality(temporality)
                .build()
                .map_err(|e| ConfigError::Exporter(e.to_string()))?;
            description.push(format!("metrics to {}", d.url));
            let provider = SdkMeterProvider::builder()
                .with_resource(resource)
                .with_reader(PeriodicReader::builder(exporter).build())
                .build();
            opentelemetry::global::set_meter_provider(provider.clone());
            register_span_counters();
            Some(provider)
        }
    };
    if let Some(tp) = &tracer_provider {
        opentelemetry::global::set_tracer_provider(tp.clone());
    }
    let _ = INSTALLED.set((tracer_provider.clone(), meter_provider.clone()));
    Ok(Some(SelfTelemetry {
        tracer_provider,
        meter_provider,
        runtime: Some((stop, thread)),
        description: description.join(", "),
    }))
}

/// The providers [`install`] made, for [`flush`].
static INSTALLED: std::sync::OnceLock<(Option<SdkTracerProvider>, Option<SdkMeterProvider>)> =
    std::sync::OnceLock::new();

/// Exports what is pending now, waiting for it (blocking: call it from a
/// blocking task). `up` calls it before its collector stops, since the
/// collector is where its own telemetry goes.
pub fn flush() {
    if let Some((tp, mp)) = INSTALLED.get() {
        if let Some(tp) = tp {
            let _ = tp.force_flush();
        }
        if let Some(mp) = mp {
            let _ = mp.force_flush();
        }
    }
}

/// `faasight.telemetry.spans`: the span queue's counts, by outcome.
fn register_span_counters() {
    let meter = opentelemetry::global::meter(crate::SCOPE);
    meter
        .u64_observable_counter("faasight.telemetry.spans")
        .with_unit("{span}")
        .with_description(
            "faasight's own spans by outcome: exported, dropped (queue full) or failed (export error).",
        )
        .with_callback(|observer| {
            for outcome in Outcome::ALL {
                observer.observe(
                    COUNTERS.get(outcome),
                    &[KeyValue::new("outcome", outcome.as_str())],
                );
            }
        })
        .build();
}

impl SelfTelemetry {
    /// The `tracing` layer that turns faasight's spans (target
    /// [`crate::TARGET`]) into OpenTelemetry spans, if traces are on;
    /// warnings logged inside them become their events.
    pub fn layer<S>(&self) -> Option<impl Layer<S>>
    where
        S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    {
        let tracer = self.tracer_provider.as_ref()?.tracer(crate::SCOPE);
        Some(
            tracing_opentelemetry::layer()
                .with_tracer(tracer)
                .with_location(false)
                .with_threads(false)
                .with_tracked_inactivity(false)
                .with_filter(
                    // faasight's spans for export, and the warnings and
                    // errors its crates log inside them (as span events).
                    Targets::new()
                        .with_target(crate::TARGET, tracing::Level::INFO)
                        .with_target("faasight", tracing::Level::WARN),
                ),
        )
    }

    /// Exports what is pending (spans queued, the last metric points) and
    /// stops the telemetry thread. Waits a few seconds at most for a slow
    /// endpoint.
    pub fn shutdown(mut self) {
        if let Some(tp) = self.tracer_provider.take() {
            if let Err(e) = tp.shutdown_with_timeout(Duration::from_secs(5)) {
                eprintln!("self-telemetry: spans not all exported at shutdown: {e}");
            }
        }
        if let Some(mp) = self.meter_provider.take() {
            if let Err(e) = mp.shutdown_with_timeout(Duration::from_secs(5)) {
                eprintln!("self-telemetry: metrics not exported at shutdown: {e}");
            }
        }
        let dropped = COUNTERS.get(Outcome::Dropped) + COUNTERS.get(Outcome::Failed);
        if dropped > 0 {
            eprintln!(
                "self-telemetry: {} spans exported, {} dropped (queue full), {} lost in failed exports",
                COUNTERS.get(Outcome::Exported),
                COUNTERS.get(Outcome::Dropped),
                COUNTERS.get(Outcome::Failed)
            );
        }
        if let Some((stop, thread)) = self.runtime.take() {
            let _ = stop.send(());
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests;
