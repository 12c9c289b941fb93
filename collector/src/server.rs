//! The collector's HTTP server: routes, limits, authentication, metrics.

use crate::auth::Auth;
use crate::pipeline::{Batch, Pipeline};
use crate::receivers::invocations::invocations_create;
use crate::telemetry::{Metrics, RejectReason};
use crate::transforms::lambda_env::Assembler;
use crate::ApiError;
use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{BoxError, Router};
use faasight_store::Store;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::decompression::RequestDecompressionLayer;

/// Limits of the ingest server.
#[derive(Debug, Clone)]
pub struct CollectorConfig {
    /// Largest accepted body, after decompression (guards against gzip bombs).
    pub max_body_bytes: usize,
    /// A request that takes longer is answered 408.
    pub request_timeout: Duration,
    /// Ingest requests processed at once, HTTP and gRPC together; more are
    /// refused with 503 (gRPC `UNAVAILABLE`) at once instead of queueing
    /// without bound.
    pub max_concurrent_requests: usize,
    /// Connections open at once, HTTP and gRPC together (see
    /// `connections`); more wait in the kernel's backlog.
    pub max_connections: usize,
}

impl CollectorConfig {
    /// The hard limit on a request: its deadline, plus ten minutes for
    /// rows the writer took at the last moment (a 32 MiB body can be a
    /// dozen batches of 100,000 rows, each allowed the insert timeout and
    /// a spool write). Requests answer "retry" at their deadline on their
    /// own while their rows still wait (see `Pipeline::submit`); this only
    /// ends what hangs, and a request cut by it may have been stored.
    pub fn hard_timeout(&self) -> Duration {
        self.request_timeout + Duration::from_secs(600)
    }
}

impl Default for CollectorConfig {
    fn default() -> Self {
        CollectorConfig {
            max_body_bytes: 32 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            max_concurrent_requests: 64,
            max_connections: 1024,
        }
    }
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct CollectorState {
    /// Where accepted rows go.
    pub pipeline: Pipeline,
    /// The database, for readiness checks.
    pub store: Store,
    /// Token → tenant.
    pub auth: Arc<Auth>,
    /// The collector's own metrics.
    pub metrics: Arc<Metrics>,
    /// Lambda execution environments seen, for joining their events.
    pub lambda_envs: Arc<Mutex<Assembler>>,
    /// Firehose deliveries stored recently, so a retry is not stored twice.
    pub firehose_deliveries: Arc<Mutex<crate::receivers::firehose::RecentDeliveries>>,
    /// Limits, also applied to payloads nested in bodies.
    pub config: CollectorConfig,
    /// One permit per ingest request in progress, over HTTP and gRPC.
    requests: Arc<tokio::sync::Semaphore>,
}

impl CollectorState {
    /// State over a running pipeline.
    pub fn new(
        pipeline: Pipeline,
        store: Store,
        auth: Auth,
        metrics: Arc<Metrics>,
        config: CollectorConfig,
    ) -> Self {
        CollectorState {
            pipeline,
            store,
            auth: Arc::new(auth),
            metrics,
            lambda_envs: Arc::new(Mutex::new(Assembler::new())),
            firehose_deliveries: Arc::default(),
            requests: Arc::new(tokio::sync::Semaphore::new(config.max_concurrent_requests)),
            config,
        }
    }
}

/// What an ingest handler gets: the tenant its token writes to, and the
/// means to submit rows.
pub struct IngestContext {
    /// The tenant of this request.
    pub tenant: String,
    auth_enabled: bool,
    state: CollectorState,
    /// After this, a submission not yet taken by the writer is withdrawn
    /// and the request answered 408 (nothing of it stored).
    deadline: tokio::time::Instant,
    /// Rows submitted so far (recorded on the request's span).
    rows: std::sync::atomic::AtomicU64,
    /// The request carries faasight's own telemetry (see `is_self_telemetry`).
    self_telemetry: bool,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl FromRequestParts<CollectorState> for IngestContext {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &CollectorState,
    ) -> Result<Self, Self::Rejection> {
        IngestContext::new(state, &parts.headers)
    }
}

impl IngestContext {
    /// Authenticates a request and takes one of the collector's request
    /// permits for as long as it lives.
    pub fn new(state: &CollectorState, headers: &HeaderMap) -> Result<Self, ApiError> {
        let tenant = state.auth.tenant(headers)?;
        faasight_telemetry::server::record_tenant(&tenant);
        let permit = state.requests.clone().try_acquire_owned().map_err(|_| {
            ApiError::Busy(format!(
                "more than {} ingest requests in progress; retry later",
                state.config.max_concurrent_requests
            ))
        })?;
        Ok(IngestContext {
            tenant,
            auth_enabled: state.auth.enabled(),
            state: state.clone(),
            deadline: tokio::time::Instant::now() + state.config.request_timeout,
            rows: Default::default(),
            self_telemetry: is_self_telemetry(headers),
            _permit: permit,
        })
    }

    /// The collector's state.
    pub fn state(&self) -> &CollectorState {
        &self.state
    }

    /// Sets a record's tenant to the request's. With authentication on, a
    /// record that names another tenant is refused: a token writes only
    /// its own tenant.
    pub fn claim_tenant(&self, tenant: &mut String, record: usize) -> Result<(), ApiError> {
        if !self.auth_enabled {
            if tenant.is_empty() {
                *tenant = self.tenant.clone();
            }
            return Ok(());
        }
        if !tenant.is_empty() && tenant != "default" && *tenant != self.tenant {
            return Err(ApiError::BadRequest(format!(
                "record {record} names tenant {tenant:?}, but this token writes to {:?}; nothing was stored",
                self.tenant
            )));
        }
        *tenant = self.tenant.clone();
        Ok(())
    }

    /// Submits rows and waits until they are durable.
    pub async fn submit(&self, receiver: &'static str, mut batch: Batch) -> Result<(), ApiError> {
        let rows = batch.rows();
        batch.self_telemetry = self.self_telemetry;
        self.state.pipeline.submit(batch, self.deadline).await?;
        self.state.metrics.received(receiver, rows);
        let total = self
            .rows
            .fetch_add(rows as u64, std::sync::atomic::Ordering::Relaxed)
            + rows as u64;
        faasight_telemetry::server::record_rows(total);
        Ok(())
    }
}

/// The media type of a request, without parameters.
pub fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
}

/// The collector's routes with their limits.
pub fn router(state: CollectorState) -> Router {
    let config = state.config.clone();
    let ingest = Router::new()
        .route("/v1/invocations", post(invocations_create))
        .route(
            "/v1/lambda/telemetry",
            post(crate::receivers::lambda_telemetry::telemetry_create),
        )
        .route(
            "/v1/cloudwatch",
            post(crate::receivers::cloudwatch::cloudwatch_create),
        )
        .route(
            "/v1/firehose",
            post(crate::receivers::firehose::firehose_create),
        )
        .route(
            "/v1/traces",
            post(crate::receivers::otlp_http::traces_create),
        )
        .route("/v1/logs", post(crate::receivers::otlp_http::logs_create))
        .route(
            "/v1/metrics",
            post(crate::receivers::otlp_http::metrics_create),
        )
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(RequestDecompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            count_rejections,
        ))
        .layer(axum::middleware::from_fn(observe_request));
    Router::new()
        .merge(ingest)
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(overload_error))
                .load_shed()
                .concurrency_limit(config.max_concurrent_requests * 2)
                .timeout(config.hard_timeout())
                .layer(CatchPanicLayer::custom(panic_response)),
        )
        .with_state(state)
}

/// A handler that panicked answers 500 with a generic sentence; the panic
/// is logged. Shared state is guarded so that a panic cannot poison it
/// (see `receivers::lambda`), and the server goes on serving.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    crate::ApiError::Internal(format!("a handler panicked: {detail}")).into_response()
}

/// A span and an `http.server.request.duration` point per ingest request
/// (outermost, so that it sees the answers of the limits too). A request
/// carrying faasight's own telemetry gets no span.
async fn observe_request(matched: Option<MatchedPath>, request: Request, next: Next) -> Response {
    use faasight_telemetry::server::{Server, ServerRequest};
    use tracing::Instrument;
    let route = matched.as_ref().map_or("unmatched", MatchedPath::as_str);
    let traced = !is_self_telemetry(request.headers());
    let observed = ServerRequest::http(Server::Collector, request.method().as_str(), route, traced);
    let span = observed.span().clone();
    let response = next.run(request).instrument(span).await;
    observed.finish_http(response.status().as_u16());
    response
}

/// Whether a request carries faasight's own telemetry.
pub fn is_self_telemetry(headers: &HeaderMap) -> bool {
    headers.contains_key(faasight_telemetry::SELF_TELEMETRY_HEADER)
}

async fn count_rejections(
    State(state): State<CollectorState>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    if let Some(reason) = RejectReason::from_status(response.status().as_u16(), false) {
        state.metrics.rejected(reason);
    }
    response
}

async fn overload_error(err: BoxError) -> Response {
    let (status, message) = if err.is::<tower::timeout::error::Elapsed>() {
        (StatusCode::REQUEST_TIMEOUT, "request timed out")
    } else if err.is::<tower::load_shed::error::Overloaded>() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "too many concurrent requests, retry later",
        )
    } else {
        tracing::error!(error = %err, "Unhandled middleware error.");
        (StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    };
    let body = serde_json::json!({ "error": message }).to_string();
    (
        status,
        [
            (header::RETRY_AFTER, "1"),
            (header::CONTENT_TYPE, "application/json"),
        ],
        body,
    )
        .into_response()
}

async fn readyz(State(state): State<CollectorState>) -> impl IntoResponse {
    // The reason (an address, ClickHouse's error) is logged, not answered:
    // this route needs no token.
    if state
        .metrics
        .spool_failed
        .load(std::sync::atomic::Ordering::Relaxed)
        != 0
    {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready (the spool refuses writes since an fsync failed; restart the collector)\n",
        );
    }
    match state.store.ensure_database().await {
        Ok(()) => (StatusCode::OK, "ready\n"),
        Err(e) => {
            tracing::warn!(error = %e, "Not ready.");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "not ready (ClickHouse does not answer; see the collector's log)\n",
            )
        }
    }
}

async fn metrics(State(state): State<CollectorState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}
