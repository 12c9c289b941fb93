//! Row types: one module per table, field names equal to column names.

pub mod cur;
pub mod inventory;
pub mod invocation;
pub mod log;
pub mod metric;
pub mod span;

/// Memory a list of strings holds: each string's bytes plus its own
/// header. The rows' `approx_bytes` and the collector's size estimates
/// count lists of attributes this way.
pub fn strings_bytes(v: &[String]) -> usize {
    v.iter()
        .map(|s| s.len() + std::mem::size_of::<String>())
        .sum()
}
