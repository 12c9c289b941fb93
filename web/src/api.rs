//! The JSON HTTP API: `GET /api/v1/{analysis}` with the analysis' options
//! as query parameters (the fields of
//! [`faasight_analyzer::reports::ReportRequest`]), answering the same JSON
//! as `faasight {analysis} --format json`. Both go through
//! `faasight_analyzer::reports::run`. Every route needs a signed-in user or
//! a read token ([`crate::auth`]); `tenant` is authorised against that user
//! (403 otherwise) before any query is built.

use crate::auth::{Forbidden, Principal};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use faasight_analyzer::reports::{run, Report, ReportKind, ReportRequest};
use faasight_store::Store;

/// What the API handlers share.
#[derive(Debug, Clone)]
pub struct ApiState {
    /// The database.
    pub store: Store,
}

/// An API error: a status and a sentence, sent as `{"error": "..."}`.
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

impl From<faasight_analyzer::Error> for ApiError {
    /// The caller's mistakes come back as 400 with the reason. Faults of
    /// the server (ClickHouse's error text, a model's failure) are logged
    /// with a request id, and the caller gets a sentence and that id:
    /// server internals (table names, versions, paths) do not leave the
    /// process.
    fn from(e: faasight_analyzer::Error) -> Self {
        use faasight_analyzer::Error;
        let (status, what) = match &e {
            Error::Invalid(_) => return ApiError(StatusCode::BAD_REQUEST, e.to_string()),
            Error::Query { .. } => (
                StatusCode::BAD_GATEWAY,
                "ClickHouse could not answer the analysis' query",
            ),
            _ => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the analysis failed on the server",
            ),
        };
        let request_id = new_request_id();
        tracing::error!(request_id = %request_id, error = %e, "API analysis failed.");
        ApiError(
            status,
            format!("{what}; the server's log has the details under request id {request_id}"),
        )
    }
}

/// A fresh id to find a failed request in the log by.
fn new_request_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    format!("{:016x}", h.finish())
}

/// The API's routes, to be nested under `/api/v1`.
pub fn routes(state: ApiState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/report", get(cost_report))
        .route("/reconciliation", get(reconciliation))
        .route("/{analysis}", get(report))
        .with_state(state)
}

async fn index() -> Json<serde_json::Value> {
    let names: Vec<&str> = ReportKind::ALL.iter().map(|k| k.name()).collect();
    Json(serde_json::json!({ "analyses": names }))
}

impl From<Forbidden> for ApiError {
    fn from(e: Forbidden) -> Self {
        ApiError(StatusCode::FORBIDDEN, e.to_string())
    }
}

/// `GET /api/v1/{analysis}` (JSON), or `/api/v1/rightsizing.csv` (the
/// same advice as CSV, for spreadsheets).
async fn report(
    State(state): State<ApiState>,
    Extension(principal): Extension<Principal>,
    Path(analysis): Path<String>,
    query: Result<Query<ReportRequest>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (name, csv) = match analysis.strip_suffix(".csv") {
        Some(name) => (name, true),
        None => (analysis.as_str(), false),
    };
    let kind: ReportKind = name
        .parse()
        .map_err(|e: faasight_analyzer::Error| ApiError(StatusCode::NOT_FOUND, e.to_string()))?;
    if csv && kind != ReportKind::Rightsizing {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("CSV is available for rightsizing; {name} answers JSON"),
        ));
    }
    let Query(request) = query.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let tenant = principal.authorise(request.tenant.as_deref())?;
    let report = run(
        &state.store,
        kind,
        &request,
        tenant.as_str(),
        chrono::Utc::now(),
    )
    .await?;
    match report {
        Report::Rightsizing(r) if csv => Ok((
            [
                (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    "attachment; filename=\"rightsizing.csv\"",
                ),
            ],
            r.to_csv(),
        )
            .into_response()),
        report => Ok(Json(report).into_response()),
    }
}

/// What `GET /api/v1/report` takes.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CostReportQuery {
    /// `YYYY-MM`.
    month: String,
    /// `json` (default), `csv` or `pdf`.
    format: Option<String>,
    /// The tenant (default: the user's first).
    tenant: Option<String>,
}

/// The monthly cost report as JSON (the document), CSV (its bill lines)
/// or PDF — all rendered from one [`faasight_report::CostReport`], so
/// their totals agree.
async fn cost_report(
    State(state): State<ApiState>,
    Extension(principal): Extension<Principal>,
    query: Result<Query<CostReportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
    let Query(q) = query.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let format = q.format.as_deref().unwrap_or("json");
    if !["json", "csv", "pdf"].contains(&format) {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            format!("format {format:?} is not one of json, csv, pdf"),
        ));
    }
    let tenant = principal.authorise(q.tenant.as_deref())?;
    let report = faasight_analyzer::cost_report::cost_report(
        &state.store,
        tenant.as_str(),
        &q.month,
        chrono::Utc::now(),
    )
    .await?;
    let file = format!("faasight-cost-{}-{}.{format}", report.tenant, report.month).replace(
        |c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)),
        "_",
    );
    let disposition = format!("attachment; filename=\"{file}\"");
    Ok(match format {
        "csv" => (
            [
                (CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (CONTENT_DISPOSITION, disposition),
            ],
            faasight_report::csv::to_csv(&report),
        )
            .into_response(),
        "pdf" => {
            let bytes = tokio::task::spawn_blocking(move || faasight_report::pdf::to_pdf(&report))
                .await
                .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("rendering the PDF stopped: {e}")))?
                .map_err(|e| {
                    let id = new_request_id();
                    tracing::error!(request_id = %id, error = %e, "PDF rendering failed.");
                    ApiError(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("the PDF could not be rendered; the server's log has the details under request id {id}"),
                    )
                })?;
            (
                [
                    (CONTENT_TYPE, "application/pdf".to_string()),
                    (CONTENT_DISPOSITION, disposition),
                ],
                bytes,
            )
                .into_response()
        }
        _ => Json(report).into_response(),
    })
}

/// What `GET /api/v1/reconciliation` takes.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ReconciliationQuery {
    /// `YYYY-MM`.
    month: String,
    /// The tenant (default: the user's first).
    tenant: Option<String>,
}

/// The month's AWS Lambda invoice (imported Cost and Usage Report lines)
/// against telemetry, per account, region and usage type, as JSON
/// ([`faasight_analyzer::reconcile::Reconciliation`]).
async fn reconciliation(
    State(state): State<ApiState>,
    Extension(principal): Extension<Principal>,
    query: Result<Query<ReconciliationQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let tenant = principal.authorise(q.tenant.as_deref())?;
    let r = faasight_analyzer::reconcile::reconciliation(&state.store, tenant.as_str(), &q.month)
        .await?;
    Ok(Json(r).into_response())
}
