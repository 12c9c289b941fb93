//! faasight's ingest service.
//!
//! Data flows `receivers` → `normalize` → `sink`: each receiver decodes one
//! wire format (with the framing and formats in `codecs`), every record goes
//! through the single normalization step that fills billing fields and
//! checks enumerations, and the sink writes batches to ClickHouse. The HTTP
//! server in `server` wires receivers to routes with body-size limits,
//! timeouts and a bound on concurrent requests.
#![deny(missing_docs)]

pub mod codecs;
mod error;
pub mod normalize;
pub mod receivers;
pub mod server;
pub mod sink;

pub use error::ApiError;
pub use server::{router, CollectorConfig, CollectorState};
