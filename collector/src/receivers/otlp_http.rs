//! OTLP/HTTP: `POST /v1/traces`, `/v1/logs`, `/v1/metrics`, protobuf
//! (`application/x-protobuf`) or JSON (`application/json`), gzip allowed.
//!
//! Answers follow the OTLP specification
//! (<https://opentelemetry.io/docs/specs/otlp/#otlphttp>): 200 with an
//! `Export…ServiceResponse` in the request's encoding, whose
//! `partial_success` counts the items refused (e.g. spans without a valid
//! trace id) and says why; 400 with a `google.rpc.Status` when the body
//! cannot be decoded; 413 with a `google.rpc.Status` when decoding it would
//! take more memory than one request may (`otlp::MAX_DECODED_BYTES`): OTLP
//! clients do not retry 413, and the same body would fail the same way; 415
//! for other content types; 429/503 with `Retry-After` when the collector
//! cannot take more.

use crate::codecs::otlp::{self, Encoding};
use crate::pipeline::Batch;
use crate::server::{content_type, IngestContext};
use crate::ApiError;
use axum::body::Bytes;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsPartialSuccess, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};
use prost::Message;

/// `google.rpc.Status`, the body of OTLP error responses.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

fn encoding(headers: &HeaderMap) -> Result<Encoding, ApiError> {
    let ct = content_type(headers).unwrap_or("");
    Encoding::from_content_type(ct).ok_or_else(|| {
        ApiError::UnsupportedMediaType(format!(
            "{ct}; OTLP/HTTP takes application/x-protobuf or application/json"
        ))
    })
}

fn reply<M: Message + serde::Serialize>(
    encoding: Encoding,
    status: StatusCode,
    message: &M,
) -> Response {
    match encoding {
        Encoding::Protobuf => (
            status,
            [(header::CONTENT_TYPE, "application/x-protobuf")],
            message.encode_to_vec(),
        )
            .into_response(),
        Encoding::Json => (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_string(message).unwrap_or_else(|_| "{}".into()),
        )
            .into_response(),
    }
}

/// The answer to a body that was not decoded: 413 when it would take too
/// much memory, 400 otherwise, with a `google.rpc.Status` in the request's
/// encoding.
fn decode_error(encoding: Encoding, e: otlp::OtlpError) -> Response {
    let http = if e.is_too_large() {
        StatusCode::PAYLOAD_TOO_LARGE
    } else {
        StatusCode::BAD_REQUEST
    };
    // gRPC code 3 = INVALID_ARGUMENT, as the gRPC receiver answers both.
    let status = RpcStatus {
        code: 3,
        message: e.to_string(),
    };
    match encoding {
        Encoding::Protobuf => (
            http,
            [(header::CONTENT_TYPE, "application/x-protobuf")],
            status.encode_to_vec(),
        )
            .into_response(),
        Encoding::Json => (
            http,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::json!({"code": status.code, "message": status.message}).to_string(),
        )
            .into_response(),
    }
}

/// The `error_message` of a partial success: the first five reasons.
pub(crate) fn summary(errors: &[String]) -> String {
    let mut s = errors
        .iter()
        .take(5)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if errors.len() > 5 {
        s.push_str(&format!("; and {} more", errors.len() - 5));
    }
    s
}

/// The rows of decoded traces, with their invocations normalized, and what
/// was refused (span count, reasons): shared by OTLP/HTTP and OTLP/gRPC.
pub(crate) fn trace_batch(decoded: otlp::DecodedTraces) -> (Batch, u64, Vec<String>) {
    let now = chrono::Utc::now();
    let mut errors = decoded.errors;
    let mut invocations = decoded.invocations;
    invocations.retain_mut(|row| match crate::normalize::normalize(row, now) {
        Ok(()) => true,
        Err(e) => {
            errors.push(format!("invocation {}: {e}", row.request_id));
            false
        }
    });
    let batch = Batch {
        invocations,
        spans: decoded.spans,
        ..Default::default()
    };
    (batch, decoded.rejected_spans, errors)
}

/// `POST /v1/traces`: stores the spans, and invocation records derived
/// from FaaS server spans.
pub async fn traces_create(
    ctx: IngestContext,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let enc = encoding(&headers)?;
    let decoded = match otlp::decode_traces(&body, enc, &ctx.tenant) {
        Ok(d) => d,
        Err(e) => return Ok(decode_error(enc, e)),
    };
    let (batch, rejected, all_errors) = trace_batch(decoded);
    ctx.submit("otlp-traces", batch).await?;
    let partial = (rejected > 0 || !all_errors.is_empty()).then(|| ExportTracePartialSuccess {
        rejected_spans: rejected as i64,
        error_message: summary(&all_errors),
    });
    Ok(reply(
        enc,
        StatusCode::OK,
        &ExportTraceServiceResponse {
            partial_success: partial,
        },
    ))
}

/// `POST /v1/logs`: stores the log records.
pub async fn logs_create(
    ctx: IngestContext,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let enc = encoding(&headers)?;
    let decoded = match otlp::decode_logs(&body, enc, &ctx.tenant) {
        Ok(d) => d,
        Err(e) => return Ok(decode_error(enc, e)),
    };
    let (rejected, errors) = (decoded.rejected_logs, decoded.errors);
    ctx.submit(
        "otlp-logs",
        Batch {
            logs: decoded.logs,
            ..Default::default()
        },
    )
    .await?;
    let partial = (rejected > 0).then(|| ExportLogsPartialSuccess {
        rejected_log_records: rejected as i64,
        error_message: summary(&errors),
    });
    Ok(reply(
        enc,
        StatusCode::OK,
        &ExportLogsServiceResponse {
            partial_success: partial,
        },
    ))
}

/// The rows of decoded metrics, and the partial success to answer when
/// data points were refused: shared by OTLP/HTTP and OTLP/gRPC.
pub(crate) fn metric_batch(
    decoded: otlp::DecodedMetrics,
) -> (Batch, Option<ExportMetricsPartialSuccess>) {
    let partial = (decoded.rejected_points > 0).then(|| ExportMetricsPartialSuccess {
        rejected_data_points: decoded.rejected_points as i64,
        error_message: summary(&decoded.errors),
    });
    let batch = Batch {
        metrics: decoded.metrics,
        ..Default::default()
    };
    (batch, partial)
}

/// `POST /v1/metrics`: stores the data points, one row each.
pub async fn metrics_create(
    ctx: IngestContext,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let enc = encoding(&headers)?;
    let decoded = match otlp::decode_metrics(&body, enc, &ctx.tenant) {
        Ok(d) => d,
        Err(e) => return Ok(decode_error(enc, e)),
    };
    let (batch, partial) = metric_batch(decoded);
    ctx.submit("otlp-metrics", batch).await?;
    Ok(reply(
        enc,
        StatusCode::OK,
        &ExportMetricsServiceResponse {
            partial_success: partial,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn answer(response: Response) -> (StatusCode, String) {
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn too_large_bodies_answer_413_and_others_400() {
        // 300,000 empty JSON objects: more than 128 MiB once decoded.
        let body = format!("[{}]", vec!["{}"; 300_000].join(","));
        let e = otlp::decode_logs(body.as_bytes(), Encoding::Json, "t").unwrap_err();
        let (status, text) = answer(decode_error(Encoding::Json, e)).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["code"], 3);
        assert!(
            v["message"].as_str().unwrap().contains("134217728 bytes"),
            "{text}"
        );

        let e = otlp::decode_logs(b"\xff", Encoding::Protobuf, "t").unwrap_err();
        let response = decode_error(Encoding::Protobuf, e);
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/x-protobuf"
        );
    }
}
