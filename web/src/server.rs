//! The UI's server side: the axum router, shared state and the data behind
//! the pages' server functions.

use crate::app::{shell, App};
use crate::auth::users::UsersError;
use crate::auth::{authenticate, Auth, AuthorisedTenant, Principal};
use axum::Router;
use faasight_store::Store;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::future::Future;
use std::path::PathBuf;
use tower_http::services::ServeDir;

/// File name (without extension) of the browser bundle in `pkg/`: what
/// `wasm-bindgen --out-name` must be given.
pub const OUTPUT_NAME: &str = "faasight";

/// What the UI needs to run.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The database.
    pub store: Store,
    /// The users file (`faasight user add`): who may sign in, to which
    /// tenants.
    pub users_file: PathBuf,
    /// Directory of the dashboards-as-code files (`*.toml`).
    pub dashboards_dir: PathBuf,
    /// Directory holding `pkg/` (the wasm bundle and its JS glue).
    pub site_root: PathBuf,
    /// Names (`host` or `host:port`) requests may address besides the
    /// listening address itself (`127.0.0.1:PORT`, `localhost:PORT`);
    /// see [`allowed_hosts`].
    pub allowed_hosts: Vec<String>,
}

/// The `Host` values the UI answers: the listening address, `localhost`
/// with its port when it listens on loopback, and the configured names.
/// Anything else is refused, so a web page on another origin cannot reach
/// the UI through a name it controls that resolves to this machine (DNS
/// rebinding): the browser would send that name as `Host`.
pub fn allowed_hosts(listening: std::net::SocketAddr, extra: &[String]) -> Vec<String> {
    let port = listening.port();
    let mut hosts = vec![listening.to_string()];
    if listening.ip().is_loopback() {
        hosts.extend([
            format!("localhost:{port}"),
            format!("127.0.0.1:{port}"),
            format!("[::1]:{port}"),
        ]);
    }
    hosts.extend(extra.iter().map(|h| h.to_ascii_lowercase()));
    hosts
}

/// Refuses a request whose `Host` is not an allowed name (421 Misdirected
/// Request, with a sentence saying how to allow it).
async fn check_host(
    axum::extract::State(allowed): axum::extract::State<std::sync::Arc<Vec<String>>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let host = request
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()))
        .unwrap_or("")
        .to_ascii_lowercase();
    let port_less = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
    if allowed
        .iter()
        .any(|a| *a == host || (!a.contains(':') && a == port_less))
    {
        return next.run(request).await;
    }
    (
        axum::http::StatusCode::MISDIRECTED_REQUEST,
        format!(
            "this server does not answer for host {host:?}; start it with --allowed-host {host} to allow that name\n"
        ),
    )
        .into_response()
}

/// State available to server functions through Leptos context.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Directory of the dashboards-as-code files.
    pub dashboards_dir: PathBuf,
}

/// Most bytes a request body may have: the UI's forms and server functions
/// send a few hundred.
const MAX_REQUEST_BYTES: usize = 64 * 1024;
/// Longest a request may take, analyses included.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// The store and the tenant a server function may read: the tenant the
/// page asked for (`None`: the user's first), authorised against the
/// signed-in user.
pub(crate) async fn authorised(
    requested: Option<String>,
) -> Result<(Store, AuthorisedTenant), String> {
    let state = use_context::<AppState>().ok_or("the server state is missing")?;
    let axum::Extension(principal) = leptos_axum::extract::<axum::Extension<Principal>>()
        .await
        .map_err(|_| "not signed in".to_string())?;
    let tenant = principal
        .authorise(requested.as_deref())
        .map_err(|e| e.to_string())?;
    Ok((state.store, tenant))
}

/// The UI's routes: pages, server functions and the static bundle, behind
/// the sign-in.
pub fn router(cfg: WebConfig) -> Result<Router, UsersError> {
    let options = LeptosOptions::builder()
        .output_name(OUTPUT_NAME)
        .site_root(cfg.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .build();
    let auth = Auth::new(cfg.users_file.clone())?;
    let api = crate::api::routes(crate::api::ApiState {
        store: cfg.store.clone(),
    });
    let state = AppState {
        store: cfg.store,
        dashboards_dir: cfg.dashboards_dir.clone(),
    };
    let routes = generate_route_list(App);
    let allowed = std::sync::Arc::new(cfg.allowed_hosts.clone());
    Ok(Router::new()
        .leptos_routes_with_context(&options, routes, move || provide_context(state.clone()), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .nest_service("/pkg", ServeDir::new(cfg.site_root.join("pkg")))
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .with_state(options)
        .nest("/api/v1", api)
        .merge(crate::auth::login_routes(auth.clone()))
        .layer(axum::middleware::from_fn_with_state(auth, authenticate))
        // The wasm bundle, pages and JSON go out brotli- or gzip-compressed
        // to clients that accept it (the bundle shrinks about 4×).
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_REQUEST_BYTES,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::from_fn_with_state(allowed, check_host))
        .layer(axum::middleware::from_fn(observe_request)))
}

/// A span and an `http.server.request.duration` point per request: a
/// page's render, a server function, an API call, a file of the bundle.
/// Outermost, so refusals (host, sign-in, limits) are measured too.
async fn observe_request(
    matched: Option<axum::extract::MatchedPath>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use faasight_telemetry::server::{Server, ServerRequest};
    use tracing::Instrument;
    // The route template, never the path (ids would make every request
    // its own name); the bundle's files are one route.
    let route = match &matched {
        Some(m) => m.as_str().to_owned(),
        None if request.uri().path().starts_with("/pkg/") => "/pkg/*".to_owned(),
        None => "unmatched".to_owned(),
    };
    let observed = ServerRequest::http(Server::Web, request.method().as_str(), &route, true);
    let span = observed.span().clone();
    let response = next.run(request).instrument(span).await;
    observed.finish_http(response.status().as_u16());
    response
}

/// Serves the UI on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    cfg: WebConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let mut cfg = cfg;
    cfg.allowed_hosts = allowed_hosts(listener.local_addr()?, &cfg.allowed_hosts);
    let router = router(cfg).map_err(std::io::Error::other)?;
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

/// A server function's failure as the page shows it: the caller's
/// mistakes with their reason; faults of the server as a sentence with a
/// request id, the details going to the log only (as the API does).
pub(crate) fn analysis_error(e: faasight_analyzer::Error) -> leptos::prelude::ServerFnError {
    let crate::api::ApiError(_, message) = crate::api::ApiError::from(e);
    leptos::prelude::ServerFnError::new(message)
}

/// A page-side record of a query behind some numbers.
pub(crate) fn trace(
    feeds: &str,
    q: faasight_analyzer::reports::QueryTrace,
) -> crate::model::QueryTrace {
    crate::model::QueryTrace {
        feeds: feeds.to_string(),
        sql: q.sql.to_string(),
        params: q.params,
    }
}

/// The scope of a page's query, or the reason it has none, as a server
/// function error.
pub(crate) async fn page_scope(
    query: &str,
) -> Result<crate::scope::Scope, leptos::prelude::ServerFnError> {
    crate::scope::scope(query, chrono::Utc::now())
        .await
        .map_err(leptos::prelude::ServerFnError::new)
}
