//! Wire formats, decoded into the store's row types and encoded back.

pub mod aws_cur;
pub mod aws_inventory;
pub mod azure_2019;
pub mod cloudwatch;
pub mod csv;
pub mod gzip;
mod json_scan;
pub mod lambda;
pub mod lambda_log;
pub mod lambda_telemetry;
pub mod ndjson;
pub mod otlp;
