//! faasight's ingest service.
//!
//! Data flows `receivers` → `normalize` → `pipeline`: each receiver decodes
//! one wire format (with the framing and formats in `codecs`), every record
//! goes through the single normalization step that fills billing fields and
//! checks enumerations, and the pipeline queues, batches and writes to
//! ClickHouse, spooling to disk when it cannot. The HTTP server in `server`
//! wires receivers to routes with authentication, body-size limits,
//! timeouts and a bound on concurrent requests; `telemetry` counts it all.
#![deny(missing_docs)]

pub mod auth;
pub mod codecs;
pub mod connections;
mod error;
pub mod normalize;
pub mod pipeline;
pub mod receivers;
pub mod server;
pub mod telemetry;
pub mod transforms;

pub use error::ApiError;
pub use server::{router, CollectorConfig, CollectorState};
