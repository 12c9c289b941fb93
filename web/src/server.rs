//! The UI's server side: the axum router, shared state and the data behind
//! the pages' server functions.

use crate::app::{shell, App};
use crate::auth::users::UsersError;
use crate::auth::{authenticate, Auth, AuthorisedTenant, Principal};
use crate::model::{
    range_hours, ColdStartLine, ColdStarts, FunctionLine, Overview, QueryTrace, RecommendationLine,
    Recommendations,
};
use axum::Router;
use faasight_analyzer::summary::{FUNCTIONS_SUMMARY_SQL, INVOCATIONS_OVER_TIME_SQL};
use faasight_analyzer::{functions_summary, invocations_over_time, SummaryTotals, TimeRange};
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
    let state = AppState { store: cfg.store };
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
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_REQUEST_BYTES,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::from_fn_with_state(allowed, check_host)))
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

/// Data of the overview page for a range value.
pub(crate) async fn overview(
    range_value: &str,
    tenant: Option<String>,
) -> Result<Overview, String> {
    let (store, tenant) = authorised(tenant).await?;
    let hours =
        range_hours(range_value).ok_or_else(|| format!("unknown time range {range_value:?}"))?;
    let range = TimeRange::last_hours(hours, chrono::Utc::now());
    let (summary, buckets) = tokio::try_join!(
        functions_summary(&store, tenant.as_str(), range),
        invocations_over_time(&store, tenant.as_str(), range),
    )
    .map_err(|e| {
        tracing::error!(error = %e, "Overview query failed.");
        e.to_string()
    })?;
    let totals = SummaryTotals::of(&summary);
    let bucket = range.bucket_seconds();
    let chart_svg = crate::chart::invocations_chart(&buckets, bucket)?;
    let (tenant, from, to) = (
        format!("{:?}", tenant.as_str()),
        range.from.timestamp().to_string(),
        range.to.timestamp().to_string(),
    );
    Ok(Overview {
        range: range_value.to_string(),
        from: range.from.format("%Y-%m-%d %H:%M").to_string(),
        to: range.to.format("%Y-%m-%d %H:%M").to_string(),
        functions: summary
            .into_iter()
            .map(|f| FunctionLine {
                provider: f.provider,
                function: f.function,
                region: f.region,
                invocations: f.invocations,
                error_pct: f.error_pct,
                cold_start_pct: f.cold_start_pct,
                p95_duration_ms: f.p95_duration_ms,
                cost_pico_usd: f.cost_usd.0,
            })
            .collect(),
        total_invocations: totals.invocations,
        total_cold_starts: totals.cold_starts,
        total_errors: totals.errors,
        total_cost_pico_usd: totals.cost_usd.0,
        chart_svg,
        queries: vec![
            QueryTrace {
                feeds: "Totals and the functions table".into(),
                sql: FUNCTIONS_SUMMARY_SQL.into(),
                params: vec![tenant.clone(), from.clone(), to.clone()],
            },
            QueryTrace {
                feeds: "The chart".into(),
                sql: INVOCATIONS_OVER_TIME_SQL.into(),
                params: vec![bucket.to_string(), bucket.to_string(), tenant, from, to],
            },
        ],
    })
}

/// Data of the recommendations page for a strategy, over the last 30 days.
pub(crate) async fn recommendations(
    strategy: &str,
    tenant: Option<String>,
) -> Result<Recommendations, String> {
    use faasight_analyzer::reports::recommend::recommendations_report;
    use faasight_analyzer::rightsizing::RightsizingOptions;
    let (store, tenant) = authorised(tenant).await?;
    let options = RightsizingOptions {
        strategy: strategy.parse().map_err(|e| format!("{e}"))?,
        ..Default::default()
    };
    let range = TimeRange::last_hours(30 * 24, chrono::Utc::now());
    let report = recommendations_report(&store, tenant.as_str(), range, options)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "Recommendations query failed.");
            e.to_string()
        })?;
    let text = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let lines: Vec<RecommendationLine> = report
        .recommendations
        .iter()
        .map(|r| RecommendationLine {
            provider: r.provider.clone(),
            function: r.function.clone(),
            region: r.region.clone(),
            status: text(serde_json::to_value(r.status).unwrap_or_default()),
            current_mb: r.current_memory_mb,
            recommended_mb: r.recommended_memory_mb,
            monthly_now_pico: r.monthly_cost_now.map(|p| p.0),
            monthly_after_pico: r.monthly_cost_after.map(|p| p.0),
            savings_pico: r.monthly_savings.map(|p| p.0),
            risk: r
                .risk
                .map(|k| text(serde_json::to_value(k).unwrap_or_default()))
                .unwrap_or_default(),
            reason: r.reason.clone(),
        })
        .collect();
    Ok(Recommendations {
        total_savings_pico: lines
            .iter()
            .filter(|l| l.status == "recommend")
            .filter_map(|l| l.savings_pico)
            .filter(|&s| s > 0)
            .sum(),
        strategy: report.strategy,
        window_days: report.window_days,
        lines,
        queries: report
            .queries
            .into_iter()
            .map(|q| QueryTrace {
                feeds: "Every column of the table".into(),
                sql: q.sql.to_string(),
                params: q.params,
            })
            .collect(),
    })
}

/// Data of the cold-starts page: the last 7 days by function.
pub(crate) async fn cold_starts(tenant: Option<String>) -> Result<ColdStarts, String> {
    use faasight_analyzer::cold_start::Cause;
    use faasight_analyzer::reports::cold_starts::{cold_starts_report, RatesBy};
    let (store, tenant) = authorised(tenant).await?;
    let range = TimeRange::last_hours(7 * 24, chrono::Utc::now());
    let report = cold_starts_report(&store, tenant.as_str(), range, RatesBy::FUNCTION)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "Cold-start query failed.");
            e.to_string()
        })?;
    let by_function: std::collections::HashMap<&str, _> = report
        .functions
        .iter()
        .map(|f| (f.function.as_str(), f))
        .collect();
    let lines = report
        .rates
        .rows
        .iter()
        .map(|r| {
            let f = by_function.get(r.key.as_str());
            ColdStartLine {
                function: r.key.clone(),
                invocations: r.invocations,
                cold_starts: r.cold_starts,
                cold_start_pct: r.cold_start_pct,
                init_cost_share_pct: r.init_cost_share_pct,
                by_cause: Cause::ALL
                    .iter()
                    .map(|&c| f.map_or(0, |f| f.by_cause.get(c)))
                    .collect(),
                keep_alive_minutes: f.map_or(0.0, |f| f.keep_alive.keep_alive_ms as f64 / 60_000.0),
            }
        })
        .collect();
    Ok(ColdStarts {
        causes: Cause::ALL.iter().map(|c| c.to_string()).collect(),
        rules: report
            .cause_rules
            .iter()
            .map(|r| r.rule.to_string())
            .collect(),
        lines,
        init_eras: report
            .init_billing_eras
            .rows
            .iter()
            .map(|r| (r.key.clone(), r.init_cost_share_pct))
            .collect(),
        queries: report
            .queries
            .into_iter()
            .map(|q| QueryTrace {
                feeds: "The table".into(),
                sql: q.sql.to_string(),
                params: q.params,
            })
            .collect(),
    })
}
