//! One HTTP or gRPC request handled by a faasight server: its span and its
//! `http.server.request.duration` (or `rpc.server.call.duration`) point.
//!
//! Attributes follow the HTTP semantic conventions
//! (<https://opentelemetry.io/docs/specs/semconv/http/http-spans/>): the span
//! is named `{method} {route}` with the route template, never the path,
//! so that `/api/v1/functions/{id}` stays one name however many functions
//! there are. The metric's attributes are a fixed, small set (method,
//! route, status, server) for the same reason.

use opentelemetry::metrics::Histogram;
use opentelemetry::KeyValue;
use std::sync::OnceLock;
use std::time::Instant;
use tracing::field::Empty;

/// Which server answered: the value of the `faasight.server` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// The collector's HTTP receivers.
    Collector,
    /// The collector's OTLP/gRPC receiver.
    CollectorGrpc,
    /// The web UI and its API.
    Web,
}

impl Server {
    fn as_str(self) -> &'static str {
        match self {
            Server::Collector => "collector",
            Server::CollectorGrpc => "collector-grpc",
            Server::Web => "web",
        }
    }
}

/// Bucket bounds (seconds) the HTTP semantic conventions advise for
/// `http.server.request.duration`.
const DURATION_BOUNDS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// The duration histograms, made on first use: after `main` installed (or
/// did not install) the SDK, so they are real instruments or no-ops.
fn histograms() -> &'static (Histogram<f64>, Histogram<f64>) {
    static H: OnceLock<(Histogram<f64>, Histogram<f64>)> = OnceLock::new();
    H.get_or_init(|| {
        let meter = opentelemetry::global::meter(crate::SCOPE);
        let http = meter
            .f64_histogram("http.server.request.duration")
            .with_unit("s")
            .with_description("Duration of HTTP server requests.")
            .with_boundaries(DURATION_BOUNDS.to_vec())
            .build();
        let rpc = meter
            .f64_histogram("rpc.server.call.duration")
            .with_unit("s")
            .with_description("Duration of RPCs received (OTLP/gRPC exports).")
            .with_boundaries(DURATION_BOUNDS.to_vec())
            .build();
        (http, rpc)
    })
}

/// A request in progress. Create it before the handler runs, run the
/// handler inside [`ServerRequest::span`], and [`finish`](Self::finish) it
/// with the answer.
#[derive(Debug)]
pub struct ServerRequest {
    span: tracing::Span,
    started: Instant,
    server: Server,
    method: String,
    route: String,
}

impl ServerRequest {
    /// An HTTP request to `route` (the route template). `traced` false
    /// gives no span (the duration is still measured): the collector turns
    /// it off for requests that carry faasight's own telemetry, so that
    /// storing a span never makes another one.
    pub fn http(server: Server, method: &str, route: &str, traced: bool) -> ServerRequest {
        let span = if traced {
            crate::export_span!(
                "request",
                otel.name = %format_args!("{method} {route}"),
                otel.kind = "server",
                otel.status_code = Empty,
                http.request.method = %method,
                http.route = %route,
                http.response.status_code = Empty,
                "error.type" = Empty,
                faasight.server = server.as_str(),
                faasight.tenant = Empty,
                faasight.rows = Empty,
                faasight.result = Empty,
            )
        } else {
            tracing::Span::none()
        };
        ServerRequest {
            span,
            started: Instant::now(),
            server,
            method: method.to_owned(),
            route: route.to_owned(),
        }
    }

    /// A gRPC call of `service`/`method` (OTLP export).
    pub fn grpc(service: &str, method: &str, traced: bool) -> ServerRequest {
        let span = if traced {
            crate::export_span!(
                "request",
                otel.name = %format_args!("{service}/{method}"),
                otel.kind = "server",
                otel.status_code = Empty,
                rpc.system = "grpc",
                rpc.service = %service,
                rpc.method = %method,
                rpc.grpc.status_code = Empty,
                "error.type" = Empty,
                faasight.server = Server::CollectorGrpc.as_str(),
                faasight.tenant = Empty,
                faasight.rows = Empty,
                faasight.result = Empty,
            )
        } else {
            tracing::Span::none()
        };
        ServerRequest {
            span,
            started: Instant::now(),
            server: Server::CollectorGrpc,
            method: method.to_owned(),
            route: service.to_owned(),
        }
    }

    /// The request's span, to run the handler in.
    pub fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// Ends an HTTP request answered with `status`: records it on the span
    /// and the duration in `http.server.request.duration`.
    pub fn finish_http(self, status: u16) {
        let secs = self.started.elapsed().as_secs_f64();
        self.span.record("http.response.status_code", status);
        if self.server != Server::Web {
            self.span
                .record("faasight.result", ingest_result(status < 300, status < 500));
        }
        // Server spans are errors for 5xx only; a 4xx is the client's
        // (https://opentelemetry.io/docs/specs/semconv/http/http-spans/#status).
        if status >= 500 {
            self.span.record("otel.status_code", "error");
            self.span.record("error.type", status.to_string());
        }
        let mut attributes = vec![
            KeyValue::new("http.request.method", self.method),
            KeyValue::new("http.route", self.route),
            KeyValue::new("http.response.status_code", i64::from(status)),
            KeyValue::new("faasight.server", self.server.as_str()),
        ];
        if status >= 500 {
            attributes.push(KeyValue::new("error.type", status.to_string()));
        }
        histograms().0.record(secs, &attributes);
    }

    /// Ends a gRPC call with its status code (0 OK).
    pub fn finish_grpc(self, code: i32) {
        let secs = self.started.elapsed().as_secs_f64();
        self.span.record("rpc.grpc.status_code", code);
        // UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE,
        // DATA_LOSS are the server's errors (semconv gRPC span status).
        let server_error = matches!(code, 2 | 4 | 12 | 13 | 14 | 15);
        // RESOURCE_EXHAUSTED (8) is the collector's "retry later".
        self.span.record(
            "faasight.result",
            ingest_result(code == 0, !server_error && code != 8),
        );
        if server_error {
            self.span.record("otel.status_code", "error");
        }
        histograms().1.record(
            secs,
            &[
                KeyValue::new("rpc.system", "grpc"),
                KeyValue::new("rpc.service", self.route),
                KeyValue::new("rpc.method", self.method),
                KeyValue::new("rpc.grpc.status_code", i64::from(code)),
            ],
        );
    }
}

/// Records on the current span (the request's, inside a handler) what the
/// handler learned: the tenant the token writes to.
pub fn record_tenant(tenant: &str) {
    tracing::Span::current().record("faasight.tenant", tenant);
}

/// Records the rows a request has stored so far.
pub fn record_rows(rows: u64) {
    tracing::Span::current().record("faasight.rows", rows);
}

/// An ingest request's outcome in a word: `stored`, `rejected` (the
/// client's fault: retrying the same request fails the same way) or
/// `failed` (the collector's: retry later).
fn ingest_result(ok: bool, client_error: bool) -> &'static str {
    if ok {
        "stored"
    } else if client_error {
        "rejected"
    } else {
        "failed"
    }
}
