//! OTLP/gRPC on port 4317: `TraceService`, `LogsService` and
//! `MetricsService`, gzip accepted. Tokens are read from the
//! `authorization` (`Bearer …`) or `x-api-key` metadata; overload maps to
//! `RESOURCE_EXHAUSTED` and storage failures to `UNAVAILABLE`, which OTLP
//! clients retry (<https://opentelemetry.io/docs/specs/otlp/#failures>).
//! A request whose rows would take more memory than one request may
//! (`otlp::MAX_DECODED_BYTES`) is refused with `INVALID_ARGUMENT`, which no
//! client retries: the same message would fail the same way. (Not
//! `RESOURCE_EXHAUSTED`: that is the collector's "retry later" here, and
//! clients may retry it.)

use crate::codecs::otlp;
use crate::pipeline::{Batch, SubmitError};
use crate::server::{CollectorState, IngestContext};
use crate::ApiError;
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{
    LogsService, LogsServiceServer,
};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use std::future::Future;
use tonic::codec::CompressionEncoding;
use tonic::{Request, Response, Status};

/// The three OTLP services over the collector's state.
#[derive(Clone)]
pub struct OtlpGrpc {
    state: CollectorState,
}

fn context<T>(state: &CollectorState, request: &Request<T>) -> Result<IngestContext, Status> {
    let headers = request.metadata().clone().into_headers();
    IngestContext::new(state, &headers).map_err(status)
}

fn status(e: ApiError) -> Status {
    match e {
        ApiError::Overloaded(m) => Status::resource_exhausted(m),
        ApiError::Busy(m) => Status::unavailable(m),
        ApiError::Timeout(m) => Status::unavailable(m),
        // The reason (a ClickHouse error, a path) is logged, not sent.
        ApiError::Unavailable(reason) => {
            tracing::error!(reason = %reason, "Ingest failed.");
            Status::unavailable("storage is unavailable, retry later")
        }
        ApiError::Internal(reason) => {
            tracing::error!(reason = %reason, "Ingest fault.");
            Status::internal("internal error")
        }
        ApiError::Unauthorized(e) => Status::unauthenticated(e.to_string()),
        other => Status::invalid_argument(other.to_string()),
    }
}

/// A message refused by the codec (only for its size: tonic decoded it).
fn too_large(e: otlp::OtlpError) -> Status {
    Status::invalid_argument(e.to_string())
}

impl From<SubmitError> for Status {
    fn from(e: SubmitError) -> Status {
        status(e.into())
    }
}

impl OtlpGrpc {
    async fn traces(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let ctx = context(&self.state, &request)?;
        let decoded =
            otlp::try_traces_from_request(request.into_inner(), &ctx.tenant).map_err(too_large)?;
        let (batch, rejected, errors) = super::otlp_http::trace_batch(decoded);
        ctx.submit("otlp-traces", batch).await.map_err(status)?;
        let partial = (rejected > 0 || !errors.is_empty()).then(|| ExportTracePartialSuccess {
            rejected_spans: rejected as i64,
            error_message: super::otlp_http::summary(&errors),
        });
        Ok(Response::new(ExportTraceServiceResponse {
            partial_success: partial,
        }))
    }
}

impl OtlpGrpc {
    async fn logs(
        &self,
        request: Request<ExportLogsServiceRequest>,
    ) -> Result<Response<ExportLogsServiceResponse>, Status> {
        let ctx = context(&self.state, &request)?;
        let decoded =
            otlp::try_logs_from_request(request.into_inner(), &ctx.tenant).map_err(too_large)?;
        ctx.submit(
            "otlp-logs",
            Batch {
                logs: decoded.logs,
                ..Default::default()
            },
        )
        .await
        .map_err(status)?;
        let partial = (decoded.rejected_logs > 0).then(|| ExportLogsPartialSuccess {
            rejected_log_records: decoded.rejected_logs as i64,
            error_message: super::otlp_http::summary(&decoded.errors),
        });
        Ok(Response::new(ExportLogsServiceResponse {
            partial_success: partial,
        }))
    }
}

impl OtlpGrpc {
    async fn metrics(
        &self,
        request: Request<ExportMetricsServiceRequest>,
    ) -> Result<Response<ExportMetricsServiceResponse>, Status> {
        let ctx = context(&self.state, &request)?;
        let decoded =
            otlp::try_metrics_from_request(request.into_inner(), &ctx.tenant).map_err(too_large)?;
        let (batch, partial) = super::otlp_http::metric_batch(decoded);
        ctx.submit("otlp-metrics", batch).await.map_err(status)?;
        Ok(Response::new(ExportMetricsServiceResponse {
            partial_success: partial,
        }))
    }
}

#[tonic::async_trait]
impl TraceService for OtlpGrpc {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let traced = is_traced(&request);
        observed(
            "opentelemetry.proto.collector.trace.v1.TraceService",
            traced,
            self.traces(request),
        )
        .await
    }
}

#[tonic::async_trait]
impl LogsService for OtlpGrpc {
    async fn export(
        &self,
        request: Request<ExportLogsServiceRequest>,
    ) -> Result<Response<ExportLogsServiceResponse>, Status> {
        let traced = is_traced(&request);
        observed(
            "opentelemetry.proto.collector.logs.v1.LogsService",
            traced,
            self.logs(request),
        )
        .await
    }
}

#[tonic::async_trait]
impl MetricsService for OtlpGrpc {
    async fn export(
        &self,
        request: Request<ExportMetricsServiceRequest>,
    ) -> Result<Response<ExportMetricsServiceResponse>, Status> {
        let traced = is_traced(&request);
        observed(
            "opentelemetry.proto.collector.metrics.v1.MetricsService",
            traced,
            self.metrics(request),
        )
        .await
    }
}

/// Whether a call gets a span: not when it carries faasight's own telemetry.
fn is_traced<T>(request: &Request<T>) -> bool {
    !request
        .metadata()
        .contains_key(faasight_telemetry::SELF_TELEMETRY_HEADER)
}

/// Runs a call of `service` in its span and records its duration
/// (`rpc.server.call.duration`); `traced` false: no span.
async fn observed<R>(
    service: &str,
    traced: bool,
    call: impl Future<Output = Result<Response<R>, Status>>,
) -> Result<Response<R>, Status> {
    use faasight_telemetry::server::ServerRequest;
    use tracing::Instrument;
    let observed = ServerRequest::grpc(service, "Export", traced);
    let result = call.instrument(observed.span().clone()).await;
    observed.finish_grpc(match &result {
        Ok(_) => 0,
        Err(status) => status.code() as i32,
    });
    result
}

/// Serves OTLP/gRPC on `listener` until `shutdown` completes.
pub async fn serve(
    listener: crate::connections::LimitedListener,
    state: CollectorState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), tonic::transport::Error> {
    let limit = state.config.max_body_bytes;
    let svc = OtlpGrpc {
        state: state.clone(),
    };
    let concurrency = state.config.max_concurrent_requests;
    let timeout = state.config.hard_timeout();
    tonic::transport::Server::builder()
        .concurrency_limit_per_connection(concurrency)
        .timeout(timeout)
        // The memory budget, checked before tonic decodes a message.
        .layer(super::otlp_grpc_budget::BudgetLayer {
            max_message_bytes: limit,
        })
        .add_service(
            TraceServiceServer::new(svc.clone())
                .accept_compressed(CompressionEncoding::Gzip)
                .max_decoding_message_size(limit),
        )
        .add_service(
            LogsServiceServer::new(svc.clone())
                .accept_compressed(CompressionEncoding::Gzip)
                .max_decoding_message_size(limit),
        )
        .add_service(
            MetricsServiceServer::new(svc)
                .accept_compressed(CompressionEncoding::Gzip)
                .max_decoding_message_size(limit),
        )
        .serve_with_incoming_shutdown(listener.into_incoming(), shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_large_requests_are_not_retryable() {
        let e = otlp::OtlpError::RowsTooLarge {
            bytes: 200 << 20,
            limit: otlp::MAX_DECODED_BYTES,
        };
        let status = too_large(e);
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert!(
            status.message().contains("134217728 bytes (128 MiB"),
            "{}",
            status.message()
        );
    }
}
