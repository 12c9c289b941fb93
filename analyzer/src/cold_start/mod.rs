//! Why each cold start happened, cold-start rates by dimension, and the
//! share of cost INIT takes before and after AWS began billing it.
//!
//! # Causes
//!
//! Every invocation whose start type is `cold`, `suppressed` (an init
//! re-run in the invoke phase: the caller waited), `snapstart` or
//! `provisioned` gets exactly one cause; the first rule that matches wins:
//!
//! 1. **provisioned** — start type `provisioned`: a provisioned-concurrency
//!    environment was initialised (ahead of demand, or to replace a recycled
//!    one).
//! 2. **snapstart** — start type `snapstart`: the environment was restored
//!    from a SnapStart snapshot.
//! 3. **deploy** — the invocation runs a configuration (version, memory)
//!    that was (re)deployed: the function ran another configuration before
//!    it and this one had not run for more than the keep-alive (or never).
//!    Environments belong to one configuration, so none of the new one's
//!    can be warm. Cold starts count as deploy until the new configuration's
//!    first warm invocation, and at most for one keep-alive after its first
//!    invocation — after that, a warm instance would have existed had
//!    traffic kept one.
//! 4. **scale-out** — when the cold start began, another invocation of the
//!    same function and configuration was in progress. A platform routes a
//!    request to an idle warm environment when it has one and starts a new
//!    environment only when all are busy
//!    (<https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html>),
//!    so the cold start itself shows that no idle warm instance was left;
//!    the busy one shows that the function was warm but its instances were
//!    all serving.
//! 5. **idle** — nothing was in progress and the function's last invocation
//!    (any instance, any configuration) had ended longer ago than its
//!    keep-alive: no instance could still be warm.
//! 6. **first-seen** — the first invocation of the function in the data:
//!    nothing before it, so its cause cannot be told.
//! 7. **unknown** — none of the above: the function ran within its
//!    keep-alive and nothing was busy, yet the platform started a new
//!    environment: one kept for less time than usual (keep-alives vary
//!    between environments), recycled by the platform (Lambda replaces
//!    environments after a few hours of life), or torn down after a crash or
//!    a timeout.
//!
//! `proactive` starts (Lambda initialised the environment well before the
//! request; nobody waited), `warm` and `unknown` start types are not
//! classified, but every invocation counts for busy and idle time.
//!
//! An invocation occupies its environment from `start_time_ms` for
//! `duration_ms`, plus `init_duration_ms` when the start type is `cold` or
//! `suppressed` (the request waits for the init). Sources that stamp the
//! start after the init shift the interval by one init duration at most.
//! `concurrent_busy` counts invocations in progress; on platforms with one
//! request per environment (Lambda) that is busy environments.
//!
//! # Keep-alive
//!
//! How long a platform keeps an idle environment is not documented and
//! varies (measurements: AWS Lambda about 10 minutes, Azure Functions 20
//! minutes — <https://mikhail.io/2019/08/aws-lambda-cold-starts-after-10-minutes/>;
//! Cloud Run functions keep idle instances "for an unspecified amount of
//! time" — <https://cloud.google.com/functions/1stgendocs/configuring/min-instances>).
//! So it is
//! estimated per function from its idle periods: each time an invocation
//! starts with nothing of the function in progress and the same
//! configuration as the one before, the gap since the last end either ended
//! warm (an instance had survived it) or cold. The estimate is the gap that
//! splits these periods best — fewest cold starts at or below it plus warm
//! starts above it, the longer gap on a tie. With a fixed keep-alive that is
//! the longest gap after which a warm start was still seen; with one that
//! varies (AWS) it lands where cold becomes likelier than warm, and the
//! periods on the wrong side are reported as unexplained. A split below
//! [`ColdStartOptions::min_informative_gap_ms`] says nothing (every platform
//! keeps instances longer), so the provider's default applies, as it does
//! when no split beats none; the estimate never exceeds
//! [`ColdStartOptions::max_keep_alive_ms`]. The longest idle time one
//! `instance_id` survived is reported next to it.
//!
//! # Rates and INIT cost
//!
//! [`rates`] turns rows aggregated by ClickHouse (one per value of a
//! [`Dimension`]) into cold-start and INIT-cost percentages;
//! [`init_billing_change`] compares the INIT share of cost before and after
//! 2025-08-01, when AWS began billing INIT for on-demand ZIP functions on
//! managed runtimes
//! (<https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/>).
//!
//! Pure functions over polars frames; no I/O.

// The analyses live in private submodules; this file holds the error type,
// the column access and invocation rows they share, and the entry point of
// the cause analysis.
// - causes: the rule and the types of its result;
// - keep_alive: the per-function keep-alive estimate the rule relies on;
// - rates: cold-start and INIT-cost percentages by dimension;
// - init_billing: INIT's share of cost before and after 2025-08-01.
mod causes;
mod init_billing;
mod keep_alive;
mod rates;
#[cfg(test)]
mod tests;

pub use causes::{Cause, CauseCounts, ColdStartCause, FunctionColdStarts};
pub use init_billing::{
    era_init_share, init_billing_change, init_billing_from, EraInitShare, EraUsage,
    InitBillingChange,
};
pub use keep_alive::{provider_keep_alive_ms, ColdStartOptions, KeepAliveBasis, KeepAliveEstimate};
pub use rates::{rates, Dimension, RateRow, RateTable, RateTotals};

use crate::frame_input::{self, FrameError};
use causes::classify_function;
use polars::prelude::{DataFrame, DataType};
use serde::Serialize;
use std::collections::HashSet;

/// Input that the cold-start analyses cannot use.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ColdStartError {
    /// A column is absent or has the wrong type.
    #[error(transparent)]
    Input(#[from] FrameError),
    /// A value is null, out of range, negative or not finite.
    #[error("column `{column}` has no usable value in row {row}: {problem}")]
    BadValue {
        /// The column.
        column: &'static str,
        /// Row number, from 0.
        row: usize,
        /// What is wrong.
        problem: &'static str,
    },
    /// The invocations are not in the documented order.
    #[error(
        "row {row}: invocations must be sorted by (function, start_time_ms) \
         with each function's rows together; `{function}` is out of order"
    )]
    NotSorted {
        /// Row number, from 0.
        row: usize,
        /// The function whose row is out of place.
        function: String,
    },
    /// A start type outside faasight's vocabulary.
    #[error(
        "row {row}: start_type {value:?} is not one of cold, provisioned, \
         snapstart, proactive, suppressed, warm, unknown"
    )]
    UnknownStartType {
        /// Row number, from 0.
        row: usize,
        /// The value.
        value: String,
    },
    /// Aggregated values that contradict each other.
    #[error("row {row} (key {key:?}): {problem}")]
    Inconsistent {
        /// Row number, from 0.
        row: usize,
        /// The row's key.
        key: String,
        /// What contradicts what.
        problem: String,
    },
    /// Options that cannot be used.
    #[error("invalid options: {0}")]
    Options(String),
    /// Usage figures that contradict each other.
    #[error("invalid usage: {0}")]
    Usage(String),
    /// polars could not convert a column.
    #[error("the frame could not be read: {0}")]
    Frame(#[from] polars::error::PolarsError),
}

type Result<T> = std::result::Result<T, ColdStartError>;

// Column access, shared by the analyses.

fn present<T>(value: Option<Option<T>>, column: &'static str, row: usize) -> Result<T> {
    value.flatten().ok_or(ColdStartError::BadValue {
        column,
        row,
        problem: "null or out of range",
    })
}

fn non_negative_ms(value: f64, column: &'static str, row: usize) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(ColdStartError::BadValue {
            column,
            row,
            problem: "must be a finite number ≥ 0",
        })
    }
}

fn pct(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        100.0 * part / whole
    } else {
        0.0
    }
}

fn key_strings(frame: &DataFrame) -> Result<Vec<String>> {
    let c = frame_input::column(frame, "key")?;
    if c.dtype().is_string() {
        Ok(c.str()?
            .iter()
            .map(|k| k.unwrap_or_default().to_string())
            .collect())
    } else if c.dtype().is_integer() {
        Ok(c.cast(&DataType::Int64)?
            .i64()?
            .iter()
            .map(|k| k.map(|v| v.to_string()).unwrap_or_default())
            .collect())
    } else {
        Err(FrameError::ColumnType {
            column: "key".to_string(),
            expected: "a String or integer column",
            found: c.dtype().to_string(),
        }
        .into())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StartType {
    Cold,
    Suppressed,
    SnapStart,
    Provisioned,
    Proactive,
    Warm,
    Unknown,
}

impl StartType {
    fn parse(s: &str) -> Option<StartType> {
        Some(match s {
            "cold" => StartType::Cold,
            "suppressed" => StartType::Suppressed,
            "snapstart" => StartType::SnapStart,
            "provisioned" => StartType::Provisioned,
            "proactive" => StartType::Proactive,
            "warm" => StartType::Warm,
            "unknown" => StartType::Unknown,
            _ => return None,
        })
    }

    /// Whether the cause rule classifies a start of this type.
    fn classified(self) -> bool {
        matches!(
            self,
            StartType::Cold | StartType::Suppressed | StartType::SnapStart | StartType::Provisioned
        )
    }
}

/// Whether the cause rule gives a start of type `start_type` a cause
/// (`cold`, `suppressed`, `snapstart`, `provisioned`); unknown types get
/// none.
pub fn is_classified_start_type(start_type: &str) -> bool {
    StartType::parse(start_type).is_some_and(StartType::classified)
}

/// One invocation, borrowed from the frame.
struct Invocation<'a> {
    /// Its row in the frame.
    row: usize,
    request_id: &'a str,
    version: &'a str,
    memory_mb: i64,
    instance_id: &'a str,
    start_ms: i64,
    duration_ms: f64,
    init_ms: f64,
    start_type: StartType,
    start_type_text: &'a str,
}

impl Invocation<'_> {
    /// When its environment became free again (see the module docs).
    fn end_ms(&self) -> i64 {
        let waited_init = match self.start_type {
            StartType::Cold | StartType::Suppressed => self.init_ms,
            _ => 0.0,
        };
        self.start_ms + (self.duration_ms + waited_init).ceil() as i64
    }
}

/// The result of [`cold_start_causes`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColdStartAnalysis {
    /// Every classified start, in input order.
    pub cold_starts: Vec<ColdStartCause>,
    /// One entry per function, in input order.
    pub functions: Vec<FunctionColdStarts>,
}

/// Classifies every cold start of a window of invocations.
///
/// `frame` holds all invocations of the window (not only cold starts: warm
/// ones tell busy and idle time), sorted by (`function`, `start_time_ms`)
/// with each function's rows together. Columns:
///
/// | column | type | |
/// |---|---|---|
/// | `function` | String | function key (tenant, provider, account, region, name) |
/// | `version` | String | |
/// | `memory_mb` | any integer | |
/// | `instance_id` | String | may be empty; only for `max_instance_idle_ms` |
/// | `request_id` | String | |
/// | `start_time_ms` | any integer | epoch ms |
/// | `duration_ms` | any number | ≥ 0 |
/// | `start_type` | String | faasight's start types |
/// | `init_duration_ms` | any number | ≥ 0 |
/// | `provider` | String, optional | picks the default keep-alive ([`provider_keep_alive_ms`]) |
///
/// Per function, one pass collects its idle periods (sorted once to find
/// the keep-alive) and one sweeps its busy intervals with a min-heap of end
/// times per configuration: O(n log n) at worst, and in practice dominated
/// by reading the frame (about 0.2 s per million rows when optimised).
pub fn cold_start_causes(
    frame: &DataFrame,
    options: &ColdStartOptions,
) -> Result<ColdStartAnalysis> {
    let o = options;
    if o.min_informative_gap_ms < 0
        || o.default_keep_alive_ms < o.min_informative_gap_ms
        || o.max_keep_alive_ms < o.default_keep_alive_ms
    {
        return Err(ColdStartError::Options(format!(
            "need 0 ≤ min_informative_gap_ms ({}) ≤ default_keep_alive_ms ({}) ≤ \
             max_keep_alive_ms ({})",
            o.min_informative_gap_ms, o.default_keep_alive_ms, o.max_keep_alive_ms
        )));
    }
    let functions = frame_input::strings(frame, "function")?;
    let versions = frame_input::strings(frame, "version")?;
    let instances = frame_input::strings(frame, "instance_id")?;
    let requests = frame_input::strings(frame, "request_id")?;
    let start_types = frame_input::strings(frame, "start_type")?;
    let memory = frame_input::integers(frame, "memory_mb")?;
    let starts = frame_input::integers(frame, "start_time_ms")?;
    let durations = frame_input::floats(frame, "duration_ms")?;
    let inits = frame_input::floats(frame, "init_duration_ms")?;
    let providers = match frame.column("provider") {
        Ok(_) => Some(frame_input::strings(frame, "provider")?),
        Err(_) => None,
    };

    let mut function_it = functions.iter();
    let mut version_it = versions.iter();
    let mut instance_it = instances.iter();
    let mut request_it = requests.iter();
    let mut start_type_it = start_types.iter();
    let mut memory_it = memory.iter();
    let mut start_it = starts.iter();
    let mut duration_it = durations.iter();
    let mut init_it = inits.iter();
    let mut provider_it = providers.map(|p| p.iter());

    let mut analysis = ColdStartAnalysis {
        cold_starts: Vec::new(),
        functions: Vec::new(),
    };
    let mut done: HashSet<&str> = HashSet::new();
    let mut current: Option<(&str, i64)> = None;
    let mut rows: Vec<Invocation<'_>> = Vec::new();
    let finish = |function: &str,
                  default_ms: i64,
                  rows: &mut Vec<Invocation<'_>>,
                  analysis: &mut ColdStartAnalysis| {
        let summary = classify_function(
            function,
            rows,
            default_ms,
            options,
            &mut analysis.cold_starts,
        );
        analysis.functions.push(summary);
        rows.clear();
    };
    for row in 0..frame.height() {
        let function = present(function_it.next(), "function", row)?;
        let provider = match provider_it.as_mut() {
            Some(it) => Some(present(it.next(), "provider", row)?),
            None => None,
        };
        let text = present(start_type_it.next(), "start_type", row)?;
        let start_type =
            StartType::parse(text).ok_or_else(|| ColdStartError::UnknownStartType {
                row,
                value: text.to_string(),
            })?;
        let invocation = Invocation {
            row,
            request_id: present(request_it.next(), "request_id", row)?,
            version: present(version_it.next(), "version", row)?,
            memory_mb: present(memory_it.next(), "memory_mb", row)?,
            instance_id: present(instance_it.next(), "instance_id", row)?,
            start_ms: present(start_it.next(), "start_time_ms", row)?,
            duration_ms: non_negative_ms(
                present(duration_it.next(), "duration_ms", row)?,
                "duration_ms",
                row,
            )?,
            init_ms: non_negative_ms(
                present(init_it.next(), "init_duration_ms", row)?,
                "init_duration_ms",
                row,
            )?,
            start_type,
            start_type_text: text,
        };
        let out_of_order = || ColdStartError::NotSorted {
            row,
            function: function.to_string(),
        };
        match current {
            Some((name, _)) if name == function => {
                if rows
                    .last()
                    .is_some_and(|last| last.start_ms > invocation.start_ms)
                {
                    return Err(out_of_order());
                }
            }
            _ => {
                if let Some((name, default_ms)) = current {
                    finish(name, default_ms, &mut rows, &mut analysis);
                    done.insert(name);
                }
                if done.contains(function) {
                    return Err(out_of_order());
                }
                let default_ms = o.fallback_keep_alive_ms(provider);
                current = Some((function, default_ms));
            }
        }
        rows.push(invocation);
    }
    if let Some((name, default_ms)) = current {
        finish(name, default_ms, &mut rows, &mut analysis);
    }
    Ok(analysis)
}
