//! The collector's HTTP server: routes, limits and graceful shutdown.

use crate::receivers::invocations::invocations_create;
use crate::sink::ClickHouseSink;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{BoxError, Router};
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::decompression::RequestDecompressionLayer;

/// Limits of the ingest server.
#[derive(Debug, Clone)]
pub struct CollectorConfig {
    /// Largest accepted body, after decompression (guards against gzip bombs).
    pub max_body_bytes: usize,
    /// A request that takes longer is answered 408 and stores nothing more.
    pub request_timeout: Duration,
    /// Requests processed at once; more are refused with 503 at once instead
    /// of queueing without bound.
    pub max_concurrent_requests: usize,
}

impl Default for CollectorConfig {
    fn default() -> Self {
        CollectorConfig {
            max_body_bytes: 32 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            max_concurrent_requests: 64,
        }
    }
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct CollectorState {
    /// Where records go.
    pub sink: ClickHouseSink,
}

/// The collector's routes with their limits.
pub fn router(state: CollectorState, config: &CollectorConfig) -> Router {
    let ingest = Router::new()
        .route("/v1/invocations", post(invocations_create))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(RequestDecompressionLayer::new());
    Router::new()
        .merge(ingest)
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(overload_error))
                .load_shed()
                .concurrency_limit(config.max_concurrent_requests)
                .timeout(config.request_timeout),
        )
        .with_state(state)
}

async fn overload_error(err: BoxError) -> impl IntoResponse {
    if err.is::<tower::timeout::error::Elapsed>() {
        (
            StatusCode::REQUEST_TIMEOUT,
            [("retry-after", "1")],
            "request timed out\n",
        )
    } else if err.is::<tower::load_shed::error::Overloaded>() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "1")],
            "too many concurrent requests, retry later\n",
        )
    } else {
        tracing::error!(error = %err, "Unhandled middleware error.");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            [("retry-after", "1")],
            "internal error\n",
        )
    }
}

async fn readyz(State(state): State<CollectorState>) -> impl IntoResponse {
    match state.sink.store().ensure_database().await {
        Ok(()) => (StatusCode::OK, "ready\n".to_string()),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {e}\n")),
    }
}
