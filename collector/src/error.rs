//! The collector's HTTP errors: client errors carry their message; server
//! errors are logged and answered with a generic sentence and a retry hint.

use crate::auth::AuthError;
use crate::pipeline::SubmitError;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// An ingest request that could not be accepted.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body could not be decoded; nothing of it was stored.
    #[error("{0}")]
    BadRequest(String),
    /// The body, or what it decompresses to, is over the size limit.
    #[error("{0}")]
    TooLarge(String),
    /// The content type is not one this endpoint reads.
    #[error("unsupported content type {0:?}")]
    UnsupportedMediaType(String),
    /// Missing or unknown token.
    #[error(transparent)]
    Unauthorized(#[from] AuthError),
    /// The queue is full: retry after a while.
    #[error("{0}")]
    Overloaded(String),
    /// Too many requests in progress: retry after a while.
    #[error("{0}")]
    Busy(String),
    /// The request ran out of time before its rows were taken for writing;
    /// nothing of it was stored.
    #[error("{0}")]
    Timeout(String),
    /// Neither ClickHouse nor the spool took the data; retry.
    #[error("storage is unavailable, retry later")]
    Unavailable(String),
    /// A fault of the collector itself (logged in full; the client gets a
    /// generic sentence).
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status of this refusal.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Overloaded(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            // Not 408: OTLP/HTTP clients retry 429, 502, 503 and 504 only
            // (https://opentelemetry.io/docs/specs/otlp/#retryable-response-codes),
            // and nothing of the request was stored.
            ApiError::Timeout(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> Self {
        match e {
            SubmitError::Overloaded(_) => ApiError::Overloaded(e.to_string()),
            SubmitError::TimedOut => ApiError::Timeout(e.to_string()),
            SubmitError::Failed(reason) => ApiError::Unavailable(reason),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            ApiError::Unavailable(reason) => tracing::error!(reason = %reason, "Ingest failed."),
            ApiError::Internal(reason) => tracing::error!(reason = %reason, "Ingest fault."),
            _ => {}
        }
        let body = serde_json::json!({ "error": self.to_string() }).to_string();
        let mut response =
            (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        if matches!(
            status,
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
        ) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("2"));
        }
        response
    }
}
