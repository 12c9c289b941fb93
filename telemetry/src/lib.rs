//! faasight's telemetry about itself: spans of its own work and metrics of
//! its servers, exported over OTLP to wherever the operator points it.
//!
//! The library crates (collector, store, analyzer, web) only *record*: they
//! open `tracing` spans and use the OpenTelemetry metrics API through the
//! helpers here. Nothing is exported unless the binary installs the SDK
//! (the `export` feature, see [`export`]); without it, spans are filtered
//! out before they are built and instruments are no-ops.
//!
//! Names follow the OpenTelemetry semantic conventions where one exists
//! (<https://opentelemetry.io/docs/specs/semconv/http/http-metrics/>,
//! <https://opentelemetry.io/docs/specs/semconv/database/database-spans/>);
//! faasight's own quantities are under `faasight.`.

pub mod counters;
pub mod db;
pub mod server;

#[cfg(feature = "export")]
pub mod export;

/// The `tracing` target of every span meant for export. The subscriber
/// forwards only spans of this target to OpenTelemetry, so the libraries'
/// other spans and events (logs) are not exported by accident.
pub const TARGET: &str = "faasight::otel";

/// The header every export of faasight's own telemetry carries, so that a
/// faasight collector receiving it records no span for the request nor for
/// the INSERT of its rows: storing self-telemetry never makes more of it,
/// even when two collectors export to each other.
pub const SELF_TELEMETRY_HEADER: &str = "x-faasight-self-telemetry";

/// The instrumentation scope of faasight's spans and metrics.
pub const SCOPE: &str = "faasight";

/// Opens a span meant for export: `export_span!(name, field = value, …)`.
///
/// The target is [`TARGET`] and the level INFO, so the operator's log
/// filter (`FAASIGHT_LOG`) does not decide what is exported.
#[macro_export]
macro_rules! export_span {
    ($name:literal $(, $($fields:tt)*)?) => {
        ::tracing::info_span!(target: "faasight::otel", $name $(, $($fields)*)?)
    };
}
