//! The one place where faasight talks to ClickHouse.
//!
//! Every other crate goes through this one for three things: the row types
//! that mirror the schema (`rows`), a client that works against both the
//! ClickHouse 18.16 that Debian ships and current servers (`client`), and the
//! forward-only migrations runner that owns the schema (`migrations`). It also
//! runs a private ClickHouse server under a data directory (`local`), which is
//! what `faasight up` and the test suite use.
#![deny(missing_docs)]

mod client;
pub mod cluster;
pub mod dashboards;
mod error;
pub mod local;
pub mod migrations;
pub mod retention;
pub mod rows;

pub use client::{ClickHouseUrl, Store};
pub use error::{Error, Result};
pub use rows::cur::{CurLineItemRow, UsageKind};
pub use rows::inventory::FunctionConfigRow;
pub use rows::invocation::{InvocationRow, PicoUsd};
pub use rows::log::LogRow;
pub use rows::metric::MetricRow;
pub use rows::span::SpanRow;
