//! `POST /v1/lambda/telemetry`: Telemetry API batches forwarded by a Lambda
//! extension.
//!
//! The events do not say which function they belong to, so the forwarding
//! extension names it in headers, from the environment variables Lambda sets
//! for extensions:
//!
//! | header | from | required |
//! |---|---|---|
//! | `X-Faasight-Function` | `AWS_LAMBDA_FUNCTION_NAME` | yes |
//! | `X-Faasight-Function-Version` | `AWS_LAMBDA_FUNCTION_VERSION` | no |
//! | `X-Faasight-Region` | `AWS_REGION` | no |
//! | `X-Faasight-Account` | the account id (e.g. from the function ARN) | no |
//! | `X-Faasight-Memory-Mb` | `AWS_LAMBDA_FUNCTION_MEMORY_SIZE` | no |
//! | `X-Faasight-Architecture` | `x86_64` or `arm64` (`uname -m`) | no |
//! | `X-Faasight-Runtime` | `AWS_EXECUTION_ENV` (`AWS_Lambda_python3.12`) | no |
//! | `X-Faasight-Instance` | `AWS_LAMBDA_LOG_STREAM_NAME`: one execution environment | recommended |
//!
//! Events of one environment are joined across requests (see
//! `transforms::lambda_env`), so an init reported in one batch still marks
//! the invocation that follows in the next.

use super::lambda::{header, LambdaAccepted, LambdaRows};
use crate::codecs::lambda_telemetry::parse_body;
use crate::server::IngestContext;
use crate::transforms::lambda_env::FunctionIdentity;
use crate::ApiError;
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::Json;

/// The function identity a forwarding extension sends.
pub fn identity(headers: &HeaderMap, tenant: &str) -> Result<FunctionIdentity, ApiError> {
    let function = header(headers, "x-faasight-function").ok_or_else(|| {
        ApiError::BadRequest(
            "the X-Faasight-Function header (AWS_LAMBDA_FUNCTION_NAME) is required".into(),
        )
    })?;
    let memory_mb = match header(headers, "x-faasight-memory-mb") {
        Some(v) => v.parse().map_err(|_| {
            ApiError::BadRequest(format!(
                "X-Faasight-Memory-Mb must be a whole number of MB, not {v:?}"
            ))
        })?,
        None => 0,
    };
    let arch = match header(headers, "x-faasight-architecture") {
        Some("x86_64" | "amd64") => "x86_64",
        Some("arm64" | "aarch64") => "arm64",
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "X-Faasight-Architecture must be x86_64 or arm64, not {other:?}"
            )))
        }
        None => "",
    };
    let runtime = header(headers, "x-faasight-runtime").unwrap_or("");
    let id = FunctionIdentity {
        tenant: tenant.to_string(),
        account: header(headers, "x-faasight-account").unwrap_or("").into(),
        region: header(headers, "x-faasight-region").unwrap_or("").into(),
        function: function.into(),
        version: header(headers, "x-faasight-function-version")
            .unwrap_or("")
            .into(),
        runtime: runtime
            .strip_prefix("AWS_Lambda_")
            .unwrap_or(runtime)
            .into(),
        arch: arch.into(),
        memory_mb,
        timeout_ms: 0,
        instance_id: header(headers, "x-faasight-instance").unwrap_or("").into(),
        source: "lambda-telemetry".into(),
    };
    id.check()
        .map_err(|e| ApiError::BadRequest(format!("the X-Faasight-* headers: {e}")))?;
    Ok(id)
}

/// Decodes a batch of events; events that cannot be decoded are listed in
/// the answer, the others are stored.
pub async fn telemetry_create(
    ctx: IngestContext,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<LambdaAccepted>, ApiError> {
    let id = identity(&headers, &ctx.tenant)?;
    let text = std::str::from_utf8(&body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not UTF-8: {e}")))?;
    let results =
        parse_body(text).map_err(|e| ApiError::BadRequest(format!("nothing was stored: {e}")))?;
    let now = chrono::Utc::now();
    let mut accepted = LambdaAccepted::default();
    let mut events = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(event) => events.push((event, now)),
            Err(e) => accepted.reject(e.to_string()),
        }
    }
    let mut rows = LambdaRows::default();
    rows.add_events(&ctx, &id, events, &mut accepted)?;
    rows.submit(&ctx, "lambda-telemetry").await?;
    Ok(Json(accepted))
}
