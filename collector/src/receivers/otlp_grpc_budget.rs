//! The memory budget of OTLP/gRPC requests, checked before tonic decodes
//! them.
//!
//! tonic decodes a message completely before the service sees it, so a
//! 32 MiB message of 16 million empty log records would take gigabytes
//! before the receiver could refuse it. This layer buffers the request's
//! body (bounded by the message size limit), reads its gRPC frames (a flag
//! byte, a 4-byte big-endian length, the message — gzip-compressed when the
//! flag says so), and runs the same structural estimate as OTLP/HTTP
//! (`codecs::otlp::check_protobuf_size`) on each message. Over budget, the
//! call is answered `INVALID_ARGUMENT` without reaching tonic's decoder.

use crate::codecs::gzip;
use crate::codecs::otlp::{self, Signal};
use axum::body::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tonic::body::Body;
use tower::{Layer, Service};

/// Adds [`Budget`] to a service.
#[derive(Debug, Clone, Copy)]
pub struct BudgetLayer {
    /// Largest message, compressed or not (tonic's decoding limit).
    pub max_message_bytes: usize,
}

impl<S> Layer<S> for BudgetLayer {
    type Service = Budget<S>;

    fn layer(&self, inner: S) -> Budget<S> {
        Budget {
            inner,
            max_message_bytes: self.max_message_bytes,
        }
    }
}

/// See the module documentation.
#[derive(Debug, Clone)]
pub struct Budget<S> {
    inner: S,
    max_message_bytes: usize,
}

/// The signal a gRPC path exports, if it is one of OTLP's.
fn signal_of(path: &str) -> Option<Signal> {
    match path {
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export" => Some(Signal::Traces),
        "/opentelemetry.proto.collector.logs.v1.LogsService/Export" => Some(Signal::Logs),
        "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export" => Some(Signal::Metrics),
        _ => None,
    }
}

/// Checks every gRPC frame of `body`; a frame that cannot be read is left
/// to tonic, which answers it as it always does.
fn check_frames(body: &[u8], signal: Signal, limit: usize) -> Result<(), tonic::Status> {
    let mut rest = body;
    while rest.len() >= 5 {
        let compressed = rest[0] == 1;
        let len = u32::from_be_bytes([rest[1], rest[2], rest[3], rest[4]]) as usize;
        let Some(message) = rest.get(5..5 + len) else {
            return Ok(());
        };
        let inflated;
        let message = if compressed {
            match gzip::decompress(message, limit) {
                Ok(m) => {
                    inflated = m;
                    &inflated[..]
                }
                Err(_) => return Ok(()),
            }
        } else {
            message
        };
        otlp::check_protobuf_size(message, signal)
            .map_err(|e| tonic::Status::invalid_argument(e.to_string()))?;
        rest = &rest[5 + len..];
    }
    Ok(())
}

impl<S> Service<http::Request<Body>> for Budget<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        // The service that was polled ready serves this call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let limit = self.max_message_bytes;
        let Some(signal) = signal_of(request.uri().path()) else {
            return Box::pin(inner.call(request));
        };
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            // A few messages of the largest size at most; tonic refuses
            // larger ones anyway.
            let bytes: Bytes = match Limited::new(body, limit.saturating_mul(2) + 5)
                .collect()
                .await
            {
                Ok(collected) => collected.to_bytes(),
                Err(_) => {
                    // Not RESOURCE_EXHAUSTED, which clients retry: the same
                    // body would fail the same way.
                    return Ok(tonic::Status::invalid_argument(format!(
                        "the request body is larger than {limit} bytes or broke off"
                    ))
                    .into_http());
                }
            };
            if let Err(status) = check_frames(&bytes, signal, limit) {
                return Ok(status.into_http());
            }
            let request = http::Request::from_parts(parts, Body::new(Full::new(bytes)));
            inner.call(request).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(message: &[u8]) -> Vec<u8> {
        let mut f = vec![0];
        f.extend_from_slice(&(message.len() as u32).to_be_bytes());
        f.extend_from_slice(message);
        f
    }

    #[test]
    fn an_amplifying_message_is_refused_in_its_frame_and_an_ordinary_one_passes() {
        // ExportLogsServiceRequest { resource_logs: [{ scope_logs: [{ log_records:
        // [empty × 4,000,000] }] }] }: each record is `12 00` (field 2, length 0).
        // The scope's content is the records; the resource holds the scope
        // (field 2), the request the resource (field 1).
        let scope = [0x12u8, 0x00].repeat(4_000_000);
        let mut resource = vec![];
        prost_len(&mut resource, 2, &scope);
        let mut request = vec![];
        prost_len(&mut request, 1, &resource);
        let e = check_frames(&frame(&request), Signal::Logs, 64 << 20).unwrap_err();
        assert_eq!(e.code(), tonic::Code::InvalidArgument);
        assert!(e.message().contains("MiB"), "{}", e.message());
        // Forty records are nothing.
        let scope = [0x12u8, 0x00].repeat(40);
        let (mut resource, mut request) = (vec![], vec![]);
        prost_len(&mut resource, 2, &scope);
        prost_len(&mut request, 1, &resource);
        assert!(check_frames(&frame(&request), Signal::Logs, 64 << 20).is_ok());
        assert_eq!(signal_of("/grpc.health.v1.Health/Check"), None);
    }

    /// Appends field `field` (wire type 2) holding `bytes`.
    fn prost_len(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
        let varint = |mut v: u64, out: &mut Vec<u8>| loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                break;
            }
            out.push(b | 0x80);
        };
        varint(u64::from(field << 3 | 2), out);
        varint(bytes.len() as u64, out);
        out.extend_from_slice(bytes);
    }
}
