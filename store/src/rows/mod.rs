//! Row types: one module per table, field names equal to column names.

pub mod invocation;
pub mod log;
pub mod span;
