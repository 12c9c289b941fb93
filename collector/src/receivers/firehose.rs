//! `POST /v1/firehose`: the Amazon Data Firehose HTTP endpoint delivery
//! contract, for CloudWatch Logs subscriptions streamed through Firehose.
//!
//! Firehose authenticates with the `X-Amz-Firehose-Access-Key` header (an
//! ingest token here), sends `{"requestId","timestamp","records":[{"data"}]}`
//! with each record a base64 gzipped subscription payload, and expects
//! `{"requestId": <same>, "timestamp": <ms>}` back, with `errorMessage`
//! added on failure; it retries anything but a 200.
//! Source: <https://docs.aws.amazon.com/firehose/latest/dev/httpdeliveryrequestresponse.html>.

use super::cloudwatch::store_subscription;
use super::lambda::{header, LambdaAccepted};
use crate::codecs::cloudwatch::{decode_firehose, decode_firehose_record};
use crate::server::{CollectorState, IngestContext};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

fn answer(status: StatusCode, request_id: &str, error: Option<String>) -> Response {
    let mut body = serde_json::json!({ "requestId": request_id, "timestamp": chrono::Utc::now().timestamp_millis() });
    if let Some(e) = error {
        body["errorMessage"] = e.into();
    }
    (status, Json(body)).into_response()
}

/// Handles one delivery: every record is decoded before anything is
/// stored, so a failed delivery can be retried whole without duplicates.
pub async fn firehose_create(
    State(state): State<CollectorState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header_id = header(&headers, "x-amz-firehose-request-id")
        .unwrap_or("")
        .to_string();
    let ctx = match IngestContext::new(&state, &headers) {
        Ok(ctx) => ctx,
        Err(e) => return answer(e.status(), &header_id, Some(e.to_string())),
    };
    let request = match decode_firehose(&body) {
        Ok(r) => r,
        Err(e) => return answer(StatusCode::BAD_REQUEST, &header_id, Some(e.to_string())),
    };
    let limit = state.config.max_body_bytes;
    let mut payloads = Vec::with_capacity(request.records.len());
    for (n, record) in request.records.iter().enumerate() {
        match decode_firehose_record(record, limit) {
            Ok(p) => payloads.push(p),
            Err(e) => {
                return answer(
                    StatusCode::BAD_REQUEST,
                    &request.request_id,
                    Some(format!("record {n}: {e}")),
                )
            }
        }
    }
    let region = header(&headers, "x-faasight-region")
        .unwrap_or("")
        .to_string();
    let mut accepted = LambdaAccepted::default();
    for payload in payloads {
        if let Err(e) = store_subscription(&ctx, "firehose", payload, &region, &mut accepted).await
        {
            let status: StatusCode = e.status();
            return answer(status, &request.request_id, Some(e.to_string()));
        }
    }
    answer(StatusCode::OK, &request.request_id, None)
}
