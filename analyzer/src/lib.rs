//! faasight's analyses.
//!
//! Aggregation is pushed down to ClickHouse (`queries/*.sql`, each a file
//! that a test also runs on a current ClickHouse through chDB); what comes
//! back is shaped by pure functions with no I/O, tested on small inputs.
//! Results are plain structs, so the web UI and the CLI never see SQL rows.
//! Every result carries the SQL that produced it, so a number on a page can
//! be traced to its query.
#![deny(missing_docs)]

/// The frame library the models take their input in, for callers that
/// build frames themselves (`faasight bench anomalies`) without a second
/// copy of its version and features.
pub use polars;

pub mod anomalies;
pub mod bill_charges;
pub mod cold_start;
pub mod cost_report;
mod error;
pub mod explore;
pub mod forecast;
pub mod frame_input;
pub mod insights;
pub mod keep_alive;
pub mod materialize;
pub mod monthly_bill;
pub mod reconcile;
pub mod reports;
pub mod rightsizing;
pub mod summary;
pub mod time_range;
pub mod warnings;

pub use error::{Error, Result};
pub use summary::{
    functions_summary, invocations_over_time, FunctionSummary, SummaryTotals, TimeBucket,
};
pub use time_range::TimeRange;
