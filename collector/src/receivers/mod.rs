//! One module per ingest format: each decodes its wire format into rows and
//! hands them to the sink. Transport-level concerns (limits, timeouts,
//! routing) live in `crate::server`.

pub mod cloudwatch;
pub mod firehose;
pub mod invocations;
pub mod lambda;
pub mod lambda_telemetry;
pub mod otlp_grpc;
pub mod otlp_grpc_budget;
pub mod otlp_http;
