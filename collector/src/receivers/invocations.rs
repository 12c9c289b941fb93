//! `POST /v1/invocations`: generic invocation records as NDJSON.

use crate::codecs::ndjson;
use crate::{ApiError, CollectorState};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::Json;
use serde::Serialize;

/// The answer to an accepted request.
#[derive(Debug, Serialize)]
pub struct Accepted {
    /// Records stored.
    pub accepted: usize,
}

/// Decodes the whole body first (all-or-nothing), then writes it.
pub async fn invocations_create(
    State(state): State<CollectorState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Accepted>, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/x-ndjson");
    let mime = content_type.split(';').next().unwrap_or("").trim();
    if !matches!(
        mime,
        "application/x-ndjson" | "application/ndjson" | "application/jsonl" | "application/json"
    ) {
        return Err(ApiError::UnsupportedMediaType(content_type.to_string()));
    }
    let text = std::str::from_utf8(&body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not UTF-8: {e}")))?;
    let rows = ndjson::parse_body(text, chrono::Utc::now()).map_err(|errors| {
        let list: Vec<String> = errors
            .iter()
            .map(|(n, e)| format!("line {n}: {e}"))
            .collect();
        ApiError::BadRequest(format!(
            "nothing was stored; fix these lines and resend: {}",
            list.join("; ")
        ))
    })?;
    state
        .sink
        .write_invocations(&rows)
        .await
        .map_err(ApiError::Unavailable)?;
    Ok(Json(Accepted {
        accepted: rows.len(),
    }))
}
