//! The collector's HTTP errors: client errors carry their message; server
//! errors are logged and answered with a generic sentence and a retry hint.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// An ingest request that could not be accepted.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body could not be decoded; nothing of it was stored.
    #[error("{0}")]
    BadRequest(String),
    /// The content type is not one this endpoint reads.
    #[error("unsupported content type {0:?}; send application/x-ndjson")]
    UnsupportedMediaType(String),
    /// The store did not take the data; the client should retry.
    #[error("storage is unavailable, retry later")]
    Unavailable(#[source] faasight_store::Error),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unavailable(e) => {
                tracing::error!(error = %e, "Insert failed.");
                StatusCode::SERVICE_UNAVAILABLE
            }
        };
        let body = serde_json::json!({ "error": self.to_string() }).to_string();
        let mut response =
            (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        }
        response
    }
}
