//! `POST /v1/invocations`: generic invocation records as NDJSON, or CSV
//! with a header row (`text/csv`), both with the `invocations` columns.

use crate::codecs::{csv, ndjson};
use crate::pipeline::Batch;
use crate::server::{content_type, IngestContext};
use crate::ApiError;
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::Json;
use serde::Serialize;

/// The answer to an accepted request.
#[derive(Debug, Serialize)]
pub struct Accepted {
    /// Records stored.
    pub accepted: usize,
}

/// Decodes the whole body first (all-or-nothing), then submits it.
pub async fn invocations_create(
    ctx: IngestContext,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Accepted>, ApiError> {
    let mime = content_type(&headers).unwrap_or("application/x-ndjson");
    let is_csv = match mime {
        "application/x-ndjson"
        | "application/ndjson"
        | "application/jsonl"
        | "application/json" => false,
        "text/csv" => true,
        other => {
            return Err(ApiError::UnsupportedMediaType(format!(
                "{other}; send application/x-ndjson or text/csv"
            )))
        }
    };
    let text = std::str::from_utf8(&body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not UTF-8: {e}")))?;
    let now = chrono::Utc::now();
    let parsed = if is_csv {
        csv::parse_body(text, now)
    } else {
        ndjson::parse_body(text, now)
    };
    let mut rows = parsed.map_err(|errors| {
        let list: Vec<String> = errors
            .iter()
            .map(|(n, e)| format!("line {n}: {e}"))
            .collect();
        ApiError::BadRequest(format!(
            "nothing was stored; fix these lines and resend: {}",
            list.join("; ")
        ))
    })?;
    for (n, row) in rows.iter_mut().enumerate() {
        ctx.claim_tenant(&mut row.tenant, n + 1)?;
    }
    let accepted = rows.len();
    ctx.submit(
        "invocations",
        Batch {
            invocations: rows,
            ..Default::default()
        },
    )
    .await?;
    Ok(Json(Accepted { accepted }))
}
