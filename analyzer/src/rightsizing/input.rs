//! Reading the input frame into checked rows, one per function and size.
//! Every value is checked once here (negative, non-finite, fractional
//! counts, empty keys), so the rules work on plain numbers and a bad row is
//! reported with its row number rather than as a strange recommendation.

use super::RightsizingError;
use crate::frame_input;
use polars::prelude::{DataFrame, DataType};

/// One row of the frame, checked.
#[derive(Debug, Clone)]
pub(super) struct SizeRow {
    pub(super) provider: String,
    pub(super) account: String,
    pub(super) region: String,
    pub(super) function: String,
    pub(super) runtime: String,
    pub(super) arch: String,
    pub(super) memory_mb: u32,
    pub(super) timeout_ms: Option<f64>,
    pub(super) invocations: u64,
    pub(super) duration_p50_ms: Option<f64>,
    pub(super) duration_p90_ms: Option<f64>,
    pub(super) duration_p99_ms: Option<f64>,
    pub(super) duration_p999_ms: Option<f64>,
    pub(super) duration_mean_ms: Option<f64>,
    pub(super) max_memory_p99_mb: Option<f64>,
    pub(super) max_memory_max_mb: Option<f64>,
    pub(super) timeouts: u64,
    pub(super) oom_errors: u64,
    pub(super) billed_duration_mean_ms: Option<f64>,
    pub(super) is_current: bool,
}

/// A column of nulls only (SQL NULLs of an all-NULL column come without
/// a type): read as missing values of any type.
fn all_null(frame: &DataFrame, name: &str) -> bool {
    frame
        .column(name)
        .is_ok_and(|c| matches!(c.dtype(), DataType::Null))
}

fn strings(frame: &DataFrame, name: &str) -> Result<Vec<Option<String>>, RightsizingError> {
    if all_null(frame, name) {
        return Ok(vec![None; frame.height()]);
    }
    let values = frame_input::strings(frame, name)?;
    Ok(values.iter().map(|v| v.map(str::to_string)).collect())
}

fn numbers(frame: &DataFrame, name: &str) -> Result<Vec<Option<f64>>, RightsizingError> {
    if all_null(frame, name) {
        return Ok(vec![None; frame.height()]);
    }
    Ok(frame_input::floats(frame, name)?.iter().collect())
}

fn booleans(frame: &DataFrame, name: &str) -> Result<Vec<Option<bool>>, RightsizingError> {
    Ok(frame_input::booleans(frame, name)?.iter().collect())
}

fn bad_row(row: usize, message: String) -> RightsizingError {
    RightsizingError::BadRow { row, message }
}

/// A measurement: NaN means not reported; negative or infinite is an error.
fn measurement(
    value: Option<f64>,
    row: usize,
    name: &str,
) -> Result<Option<f64>, RightsizingError> {
    match value {
        None => Ok(None),
        Some(v) if v.is_nan() => Ok(None),
        Some(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
        Some(v) => Err(bad_row(
            row,
            format!("`{name}` is {v}, expected a non-negative number"),
        )),
    }
}

/// A count: a whole non-negative number.
fn count(value: Option<f64>, row: usize, name: &str) -> Result<Option<u64>, RightsizingError> {
    match measurement(value, row, name)? {
        None => Ok(None),
        Some(v) if v.fract() == 0.0 => Ok(Some(v as u64)),
        Some(v) => Err(bad_row(
            row,
            format!("`{name}` is {v}, expected a whole number"),
        )),
    }
}

pub(super) fn read_rows(frame: &DataFrame) -> Result<Vec<SizeRow>, RightsizingError> {
    let provider = strings(frame, "provider")?;
    let account = strings(frame, "account")?;
    let region = strings(frame, "region")?;
    let function = strings(frame, "function")?;
    let runtime = strings(frame, "runtime")?;
    let arch = strings(frame, "arch")?;
    let memory_mb = numbers(frame, "memory_mb")?;
    let timeout_ms = numbers(frame, "timeout_ms")?;
    let invocations = numbers(frame, "invocations")?;
    let p50 = numbers(frame, "duration_p50_ms")?;
    let p90 = numbers(frame, "duration_p90_ms")?;
    let p99 = numbers(frame, "duration_p99_ms")?;
    let p999 = numbers(frame, "duration_p999_ms")?;
    let mean = numbers(frame, "duration_mean_ms")?;
    let mem_p99 = numbers(frame, "max_memory_p99_mb")?;
    let mem_max = numbers(frame, "max_memory_max_mb")?;
    let timeouts = numbers(frame, "timeouts")?;
    let oom_errors = numbers(frame, "oom_errors")?;
    let billed_mean = numbers(frame, "billed_duration_mean_ms")?;
    let is_current = booleans(frame, "is_current")?;

    let mut rows = Vec::with_capacity(frame.height());
    for i in 0..frame.height() {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let provider = text(&provider[i]);
        if provider.is_empty() {
            return Err(bad_row(i, "`provider` is empty".into()));
        }
        let function = text(&function[i]);
        if function.is_empty() {
            return Err(bad_row(i, "`function` is empty".into()));
        }
        let memory = count(memory_mb[i], i, "memory_mb")?
            .filter(|&m| m > 0 && m <= u32::MAX as u64)
            .ok_or_else(|| bad_row(i, "`memory_mb` must be a positive whole number".into()))?;
        let invocations = count(invocations[i], i, "invocations")?
            .ok_or_else(|| bad_row(i, "`invocations` is null".into()))?;
        let is_current = is_current[i].ok_or_else(|| bad_row(i, "`is_current` is null".into()))?;
        rows.push(SizeRow {
            provider,
            account: text(&account[i]),
            region: text(&region[i]),
            function,
            runtime: text(&runtime[i]),
            arch: text(&arch[i]),
            memory_mb: memory as u32,
            timeout_ms: measurement(timeout_ms[i], i, "timeout_ms")?.filter(|&t| t > 0.0),
            invocations,
            duration_p50_ms: measurement(p50[i], i, "duration_p50_ms")?,
            duration_p90_ms: measurement(p90[i], i, "duration_p90_ms")?,
            duration_p99_ms: measurement(p99[i], i, "duration_p99_ms")?,
            duration_p999_ms: measurement(p999[i], i, "duration_p999_ms")?,
            duration_mean_ms: measurement(mean[i], i, "duration_mean_ms")?,
            // Zero memory used means the source did not report it.
            max_memory_p99_mb: measurement(mem_p99[i], i, "max_memory_p99_mb")?
                .filter(|&m| m > 0.0),
            max_memory_max_mb: measurement(mem_max[i], i, "max_memory_max_mb")?
                .filter(|&m| m > 0.0),
            timeouts: count(timeouts[i], i, "timeouts")?.unwrap_or(0),
            oom_errors: count(oom_errors[i], i, "oom_errors")?.unwrap_or(0),
            billed_duration_mean_ms: measurement(billed_mean[i], i, "billed_duration_mean_ms")?,
            is_current,
        });
    }
    Ok(rows)
}
