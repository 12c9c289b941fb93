//! Per-function warnings with the defaults a Datadog Serverless user
//! already knows, so faasight's list reads like the one they left.
//!
//! Rules (a rule fires when the value is strictly beyond its threshold):
//! - `cold_starts`: cold starts > 1 % of invocations.
//! - `memory_near_limit`: max memory used > 95 % of the configured memory.
//! - `duration_near_timeout`: max duration > 95 % of the timeout. The max,
//!   not the p99, because Datadog's rule is "at least one invocation"; the
//!   p99 is only quoted in the message, to tell one straggler from a trend.
//! - `out_of_memory`: any invocation ran out of memory.
//! - `timeouts`: any invocation timed out.
//! - `over_provisioned`: max memory used < 10 % of the configured memory
//!   (only when memory use was reported). Datadog words it "no invocation
//!   used more than 10 %", which would include exactly 10 %; faasight keeps
//!   the strict `<` of the other rules so "at the threshold" never fires.
//! - `cost_increase`: cost up > 20 % on the previous window of the same
//!   length. No warning at all when the previous window cost nothing: the
//!   percentage is undefined, and a function that is new in this window
//!   is not a cost regression (the anomaly report shows its cost instead).
//!
//! The first six follow Datadog's "Serverless Warnings" guide (cold starts,
//! high memory usage, high duration, out of memory, timeouts, over
//! provisioned), <https://docs.datadoghq.com/serverless/guide/serverless_warnings/>;
//! the 20 % cost rule is faasight's own default. All thresholds can be
//! changed with [`WarningThresholds`].
//!
//! Severity (see [`Severity`]): invocations that already failed (out of
//! memory, timeouts) are `critical`; conditions one step from failing or
//! hurting users or the bill (memory or duration near the limit, cold
//! starts, cost increase) are `warning`; money left on the table without
//! risk (over-provisioned memory) is `info`.
//!
//! Pure function over a polars frame; no I/O.

use crate::frame_input::{self, FrameError};
use faasight_store::PicoUsd;
use polars::prelude::DataFrame;
use serde::Serialize;
use std::str::FromStr;

const PICO_PER_USD: f64 = 1e12;

/// Input or thresholds that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WarningError {
    /// A column is absent or has the wrong type.
    #[error(transparent)]
    Input(#[from] FrameError),
    /// A row holds a value the rules cannot use.
    #[error("row {row}: {problem}")]
    BadRow {
        /// Row number, from 0.
        row: usize,
        /// What is wrong, in a sentence.
        problem: String,
    },
    /// An override names a threshold that does not exist.
    #[error("unknown threshold `{key}` (known: {known})")]
    UnknownThreshold {
        /// The name given.
        key: String,
        /// The names that exist, comma-separated.
        known: String,
    },
    /// An override's value is not usable.
    #[error("threshold `{key}` needs {expected}, got `{value}`")]
    BadThreshold {
        /// The threshold's name.
        key: String,
        /// The value given.
        value: String,
        /// What would be accepted.
        expected: &'static str,
    },
    /// An override is not of the form `name=value`.
    #[error("override `{0}` is not of the form name=value")]
    MalformedOverride(String),
}

type Result<T> = std::result::Result<T, WarningError>;

/// Thresholds of the rules, all in percent. Deserialises from a partial
/// object (missing fields keep their defaults; unknown fields are errors).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WarningThresholds {
    /// Cold starts above this % of invocations warn (default 1).
    pub cold_start_pct: f64,
    /// Max memory used above this % of configured memory warns (default 95).
    pub memory_pct: f64,
    /// Max duration above this % of the timeout warns (default 95).
    pub duration_pct: f64,
    /// Max memory used below this % of configured memory is
    /// over-provisioned (default 10).
    pub over_provisioned_pct: f64,
    /// Cost up more than this % on the previous window warns (default 20).
    pub cost_increase_pct: f64,
}

impl Default for WarningThresholds {
    fn default() -> Self {
        WarningThresholds {
            cold_start_pct: 1.0,
            memory_pct: 95.0,
            duration_pct: 95.0,
            over_provisioned_pct: 10.0,
            cost_increase_pct: 20.0,
        }
    }
}

/// Override names, in [`WarningThresholds`] field order.
const THRESHOLD_KEYS: [&str; 5] = [
    "cold_start_pct",
    "memory_pct",
    "duration_pct",
    "over_provisioned_pct",
    "cost_increase_pct",
];

impl WarningThresholds {
    /// The defaults with `spec` applied: comma-separated `name=value`
    /// pairs, e.g. `"cold_start_pct=2,memory_pct=90"` (what a CLI flag or
    /// a query parameter carries). An empty spec gives the defaults.
    pub fn with_overrides(spec: &str) -> Result<Self> {
        let mut thresholds = WarningThresholds::default();
        thresholds.apply_overrides(spec)?;
        Ok(thresholds)
    }

    /// Applies `name=value` pairs (see [`Self::with_overrides`]) to `self`;
    /// on error `self` is unchanged.
    pub fn apply_overrides(&mut self, spec: &str) -> Result<()> {
        let mut next = *self;
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let Some((key, value)) = item.split_once('=') else {
                return Err(WarningError::MalformedOverride(item.to_string()));
            };
            let (key, value) = (key.trim(), value.trim());
            let (slot, bounded) = match key {
                "cold_start_pct" => (&mut next.cold_start_pct, true),
                "memory_pct" => (&mut next.memory_pct, true),
                "duration_pct" => (&mut next.duration_pct, true),
                "over_provisioned_pct" => (&mut next.over_provisioned_pct, true),
                "cost_increase_pct" => (&mut next.cost_increase_pct, false),
                _ => {
                    return Err(WarningError::UnknownThreshold {
                        key: key.to_string(),
                        known: THRESHOLD_KEYS.join(", "),
                    })
                }
            };
            let parsed = value
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0 && (!bounded || *v <= 100.0));
            *slot = parsed.ok_or_else(|| WarningError::BadThreshold {
                key: key.to_string(),
                value: value.to_string(),
                expected: if bounded {
                    "a percentage between 0 and 100"
                } else {
                    "a percentage ≥ 0"
                },
            })?;
        }
        *self = next;
        Ok(())
    }
}

/// `"cold_start_pct=2,memory_pct=90".parse()` = the defaults with those
/// overrides, so a clap argument or a query parameter can be typed as
/// [`WarningThresholds`] directly; same rules as
/// [`WarningThresholds::with_overrides`].
impl FromStr for WarningThresholds {
    type Err = WarningError;

    fn from_str(spec: &str) -> Result<Self> {
        WarningThresholds::with_overrides(spec)
    }
}

/// What a warning is about; serialised in snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// Too many cold starts.
    ColdStarts,
    /// Max memory used close to the configured memory.
    MemoryNearLimit,
    /// Max duration close to the timeout.
    DurationNearTimeout,
    /// Invocations ran out of memory.
    OutOfMemory,
    /// Invocations timed out.
    Timeouts,
    /// Far more memory configured than used.
    OverProvisioned,
    /// Cost up on the previous window.
    CostIncrease,
}

/// How urgent a warning is; the rule is in the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Money to save, no risk.
    Info,
    /// One step from failing, or hurting latency or the bill.
    Warning,
    /// Invocations already failed.
    Critical,
}

/// One warning on one function.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    /// Function key.
    pub function: String,
    /// The rule.
    pub kind: WarningKind,
    /// How urgent.
    pub severity: Severity,
    /// The measured value, in the threshold's unit (percent, or a count
    /// for out_of_memory and timeouts).
    pub value: f64,
    /// The threshold it crossed (0 for the "any" rules).
    pub threshold: f64,
    /// A sentence with units, for the UI and the CLI.
    pub message: String,
}

fn integers(frame: &DataFrame, name: &str) -> Result<Vec<Option<i64>>> {
    Ok(frame_input::integers(frame, name)?.iter().collect())
}

fn floats(frame: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    Ok(frame_input::floats(frame, name)?.iter().collect())
}

/// `n` with comma thousands separators: 12345 → "12,345" (the cost
/// report's rule, so warnings and the report read alike).
fn grouped(n: u64) -> String {
    faasight_report::money::group_thousands(n)
}

/// A number with at most two decimals and no trailing zeros: 1 → "1",
/// 3.25 → "3.25", 96.666 → "96.67"; integral part grouped.
fn decimal(v: f64) -> String {
    let text = format!("{:.2}", v.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let frac = frac.trim_end_matches('0');
    let sign = if v < 0.0 && text != "0.00" { "-" } else { "" };
    let int = grouped(int.parse().unwrap_or(0));
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// Dollars: cents for a cent or more ("$1,234.50"), else up to six
/// decimals ("$0.000042") so small functions do not all read "$0.00".
fn usd(cost: PicoUsd) -> String {
    let dollars = cost.0 as f64 / PICO_PER_USD;
    if dollars.abs() >= 0.01 {
        let cents = (dollars.abs() * 100.0).round() as u64;
        let sign = if dollars < 0.0 { "-" } else { "" };
        format!("{sign}${}.{:02}", grouped(cents / 100), cents % 100)
    } else {
        let text = format!("{dollars:.6}");
        format!("${}", text.trim_end_matches('0').trim_end_matches('.'))
    }
}

/// `100 × part / whole`; exact when the true value is representable (so
/// 10 of 1,000 is exactly 1 %, which matters at the thresholds).
fn percent(part: f64, whole: f64) -> f64 {
    100.0 * part / whole
}

/// One function's row, validated.
struct FunctionRow {
    function: String,
    invocations: u64,
    cold_starts: u64,
    memory_mb: u64,
    max_memory_used_mb: u64,
    timeout_ms: u64,
    duration_p99_ms: Option<f64>,
    duration_max_ms: Option<f64>,
    timeouts: u64,
    oom_errors: u64,
    cost: PicoUsd,
    previous_cost: PicoUsd,
}

fn read_rows(frame: &DataFrame) -> Result<Vec<FunctionRow>> {
    let functions = frame_input::strings(frame, "function")?;
    let counts = [
        "invocations",
        "cold_starts",
        "memory_mb",
        "max_memory_used_mb",
        "timeout_ms",
        "timeouts",
        "oom_errors",
    ]
    .map(|name| integers(frame, name).map(|v| (name, v)));
    let mut count_columns = Vec::with_capacity(counts.len());
    for c in counts {
        count_columns.push(c?);
    }
    let costs = integers(frame, "cost_pico")?;
    let previous = integers(frame, "previous_cost_pico")?;
    let p99 = floats(frame, "duration_p99_ms")?;
    let max = floats(frame, "duration_max_ms")?;

    let mut rows = Vec::with_capacity(frame.height());
    for (row, function) in functions.iter().enumerate() {
        let bad = |problem: String| WarningError::BadRow { row, problem };
        let function = function.ok_or_else(|| bad("`function` is null".into()))?;
        let mut c = [0u64; 7];
        for (slot, (name, values)) in c.iter_mut().zip(&count_columns) {
            *slot = values[row]
                .and_then(|v| u64::try_from(v).ok())
                .ok_or_else(|| {
                    bad(format!(
                        "`{name}` of {function:?} is {}, expected a count ≥ 0",
                        values[row].map_or("null".to_string(), |v| v.to_string())
                    ))
                })?;
        }
        let money = |name: &str, v: Option<i64>| {
            v.map(PicoUsd)
                .ok_or_else(|| bad(format!("`{name}` of {function:?} is null")))
        };
        let duration = |name: &str, v: Option<f64>| match v {
            Some(d) if d.is_nan() => Ok(None),
            Some(d) if !(d.is_finite() && d >= 0.0) => Err(bad(format!(
                "`{name}` of {function:?} is {d}, expected milliseconds ≥ 0"
            ))),
            other => Ok(other),
        };
        let [invocations, cold_starts, memory_mb, max_memory_used_mb, timeout_ms, timeouts, oom_errors] =
            c;
        if cold_starts > invocations {
            return Err(bad(format!(
                "{function:?} has {cold_starts} cold starts but only {invocations} invocations"
            )));
        }
        rows.push(FunctionRow {
            function: function.to_string(),
            invocations,
            cold_starts,
            memory_mb,
            max_memory_used_mb,
            timeout_ms,
            duration_p99_ms: duration("duration_p99_ms", p99[row])?,
            duration_max_ms: duration("duration_max_ms", max[row])?,
            timeouts,
            oom_errors,
            cost: money("cost_pico", costs[row])?,
            previous_cost: money("previous_cost_pico", previous[row])?,
        });
    }
    Ok(rows)
}

/// The warnings of every function, in input order and, per function, in
/// [`WarningKind`] order.
///
/// `frame`: one row per function — `function` (String key), `invocations`,
/// `cold_starts`, `memory_mb`, `max_memory_used_mb` (0 = not reported),
/// `timeout_ms` (0 = unknown), `timeouts`, `oom_errors` (integers ≥ 0),
/// `duration_p99_ms`, `duration_max_ms` (numeric ms; null or NaN = unknown),
/// `cost_pico` and `previous_cost_pico` (integer pico-dollars of the
/// current window and of the previous window of the same length).
pub fn function_warnings(
    frame: &DataFrame,
    thresholds: &WarningThresholds,
) -> Result<Vec<Warning>> {
    let rows = read_rows(frame)?;
    let mut out = Vec::new();
    for r in &rows {
        let mut push = |kind, severity, value: f64, threshold: f64, message: String| {
            out.push(Warning {
                function: r.function.clone(),
                kind,
                severity,
                value,
                threshold,
                message,
            })
        };
        if r.invocations > 0 {
            let pct = percent(r.cold_starts as f64, r.invocations as f64);
            if pct > thresholds.cold_start_pct {
                push(
                    WarningKind::ColdStarts,
                    Severity::Warning,
                    pct,
                    thresholds.cold_start_pct,
                    format!(
                        "cold starts {} % of {} invocations (threshold {} %)",
                        decimal(pct),
                        grouped(r.invocations),
                        decimal(thresholds.cold_start_pct)
                    ),
                );
            }
        }
        if r.memory_mb > 0 && r.max_memory_used_mb > 0 {
            let pct = percent(r.max_memory_used_mb as f64, r.memory_mb as f64);
            if pct > thresholds.memory_pct {
                push(
                    WarningKind::MemoryNearLimit,
                    Severity::Warning,
                    pct,
                    thresholds.memory_pct,
                    format!(
                        "max memory used {} MB of {} MB configured, {} % (threshold {} %)",
                        grouped(r.max_memory_used_mb),
                        grouped(r.memory_mb),
                        decimal(pct),
                        decimal(thresholds.memory_pct)
                    ),
                );
            }
        }
        if let (true, Some(max)) = (r.timeout_ms > 0, r.duration_max_ms) {
            let pct = percent(max, r.timeout_ms as f64);
            if pct > thresholds.duration_pct {
                let p99 = r
                    .duration_p99_ms
                    .map(|p| format!(", p99 {} ms", decimal(p)))
                    .unwrap_or_default();
                push(
                    WarningKind::DurationNearTimeout,
                    Severity::Warning,
                    pct,
                    thresholds.duration_pct,
                    format!(
                        "max duration {} ms is {} % of the {} ms timeout{p99} (threshold {} %)",
                        decimal(max),
                        decimal(pct),
                        grouped(r.timeout_ms),
                        decimal(thresholds.duration_pct)
                    ),
                );
            }
        }
        if r.oom_errors > 0 {
            push(
                WarningKind::OutOfMemory,
                Severity::Critical,
                r.oom_errors as f64,
                0.0,
                format!(
                    "{} of {} invocations ran out of memory ({} MB configured)",
                    grouped(r.oom_errors),
                    grouped(r.invocations),
                    grouped(r.memory_mb)
                ),
            );
        }
        if r.timeouts > 0 {
            let limit = if r.timeout_ms > 0 {
                format!(" at the {} ms limit", grouped(r.timeout_ms))
            } else {
                String::new()
            };
            push(
                WarningKind::Timeouts,
                Severity::Critical,
                r.timeouts as f64,
                0.0,
                format!(
                    "{} of {} invocations timed out{limit}",
                    grouped(r.timeouts),
                    grouped(r.invocations)
                ),
            );
        }
        if r.memory_mb > 0 && r.max_memory_used_mb > 0 && r.invocations > 0 {
            let pct = percent(r.max_memory_used_mb as f64, r.memory_mb as f64);
            if pct < thresholds.over_provisioned_pct {
                push(
                    WarningKind::OverProvisioned,
                    Severity::Info,
                    pct,
                    thresholds.over_provisioned_pct,
                    format!(
                        "max memory used {} MB of {} MB configured, {} % (threshold {} %)",
                        grouped(r.max_memory_used_mb),
                        grouped(r.memory_mb),
                        decimal(pct),
                        decimal(thresholds.over_provisioned_pct)
                    ),
                );
            }
        }
        if r.previous_cost.0 > 0 {
            let pct = percent(
                (r.cost.0 as i128 - r.previous_cost.0 as i128) as f64,
                r.previous_cost.0 as f64,
            );
            if pct > thresholds.cost_increase_pct {
                push(
                    WarningKind::CostIncrease,
                    Severity::Warning,
                    pct,
                    thresholds.cost_increase_pct,
                    format!(
                        "cost {} up {} % from {} in the previous period (threshold {} %)",
                        usd(r.cost),
                        decimal(pct),
                        usd(r.previous_cost),
                        decimal(thresholds.cost_increase_pct)
                    ),
                );
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One input row; `quiet()` sits exactly at every threshold and fires
    /// nothing.
    #[derive(Clone)]
    struct In {
        function: &'static str,
        invocations: u64,
        cold_starts: u64,
        memory_mb: u64,
        max_memory_used_mb: u64,
        timeout_ms: u64,
        duration_p99_ms: f64,
        duration_max_ms: f64,
        timeouts: u64,
        oom_errors: u64,
        cost_pico: i64,
        previous_cost_pico: i64,
    }

    fn quiet(function: &'static str) -> In {
        In {
            function,
            invocations: 1_000,
            // 10 / 1,000 = 1 % exactly.
            cold_starts: 10,
            memory_mb: 1_000,
            // 950 / 1,000 = 95 % exactly.
            max_memory_used_mb: 950,
            timeout_ms: 3_000,
            duration_p99_ms: 1_200.0,
            // 2,850 / 3,000 = 95 % exactly.
            duration_max_ms: 2_850.0,
            timeouts: 0,
            oom_errors: 0,
            // $12 vs $10: +20 % exactly.
            cost_pico: 12_000_000_000_000,
            previous_cost_pico: 10_000_000_000_000,
        }
    }

    fn frame(rows: &[In]) -> DataFrame {
        let u = |f: fn(&In) -> u64| rows.iter().map(f).collect::<Vec<_>>();
        polars::df!(
            "function" => rows.iter().map(|r| r.function).collect::<Vec<_>>(),
            "invocations" => u(|r| r.invocations),
            "cold_starts" => u(|r| r.cold_starts),
            "memory_mb" => u(|r| r.memory_mb),
            "max_memory_used_mb" => u(|r| r.max_memory_used_mb),
            "timeout_ms" => u(|r| r.timeout_ms),
            "duration_p99_ms" => rows.iter().map(|r| r.duration_p99_ms).collect::<Vec<_>>(),
            "duration_max_ms" => rows.iter().map(|r| r.duration_max_ms).collect::<Vec<_>>(),
            "timeouts" => u(|r| r.timeouts),
            "oom_errors" => u(|r| r.oom_errors),
            "cost_pico" => rows.iter().map(|r| r.cost_pico).collect::<Vec<_>>(),
            "previous_cost_pico" => rows.iter().map(|r| r.previous_cost_pico).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    fn kinds(w: &[Warning], function: &str) -> Vec<WarningKind> {
        w.iter()
            .filter(|w| w.function == function)
            .map(|w| w.kind)
            .collect()
    }

    #[test]
    fn exactly_at_the_thresholds_nothing_fires() {
        let mut roomy = quiet("roomy");
        // 100 / 1,000 = 10 % exactly: not over-provisioned.
        roomy.max_memory_used_mb = 100;
        let mut unknown = quiet("unknown");
        // Not reported / unknown: the memory, duration and cost rules skip.
        unknown.max_memory_used_mb = 0;
        unknown.timeout_ms = 0;
        unknown.duration_max_ms = 1e9;
        unknown.previous_cost_pico = 0;
        let w = function_warnings(
            &frame(&[quiet("quiet"), roomy, unknown]),
            &WarningThresholds::default(),
        )
        .unwrap();
        assert!(w.is_empty(), "{w:#?}");
    }

    #[test]
    fn just_past_the_thresholds_every_rule_fires() {
        let loud = In {
            invocations: 10_000,
            // 101 / 10,000 = 1.01 %.
            cold_starts: 101,
            // 951 / 1,000 = 95.1 %.
            max_memory_used_mb: 951,
            // 2,851 / 3,000 = 95.033 %.
            duration_max_ms: 2_851.0,
            timeouts: 2,
            oom_errors: 1,
            // $12.10 vs $10: +21 %.
            cost_pico: 12_100_000_000_000,
            ..quiet("loud")
        };
        let mut roomy = quiet("roomy");
        // 99 / 1,000 = 9.9 %.
        roomy.max_memory_used_mb = 99;
        let w = function_warnings(&frame(&[loud, roomy]), &WarningThresholds::default()).unwrap();
        assert_eq!(
            kinds(&w, "loud"),
            vec![
                WarningKind::ColdStarts,
                WarningKind::MemoryNearLimit,
                WarningKind::DurationNearTimeout,
                WarningKind::OutOfMemory,
                WarningKind::Timeouts,
                WarningKind::CostIncrease,
            ]
        );
        assert_eq!(kinds(&w, "roomy"), vec![WarningKind::OverProvisioned]);
        let by_kind = |k| w.iter().find(|w| w.kind == k).unwrap();
        let cold = by_kind(WarningKind::ColdStarts);
        assert_eq!((cold.value, cold.threshold), (1.01, 1.0));
        assert_eq!(cold.severity, Severity::Warning);
        assert_eq!(
            cold.message,
            "cold starts 1.01 % of 10,000 invocations (threshold 1 %)"
        );
        assert_eq!(
            by_kind(WarningKind::MemoryNearLimit).message,
            "max memory used 951 MB of 1,000 MB configured, 95.1 % (threshold 95 %)"
        );
        let duration = by_kind(WarningKind::DurationNearTimeout);
        assert!((duration.value - 2_851.0 / 30.0).abs() < 1e-9);
        assert_eq!(
            duration.message,
            "max duration 2,851 ms is 95.03 % of the 3,000 ms timeout, p99 1,200 ms (threshold 95 %)"
        );
        let oom = by_kind(WarningKind::OutOfMemory);
        assert_eq!((oom.value, oom.severity), (1.0, Severity::Critical));
        assert_eq!(
            oom.message,
            "1 of 10,000 invocations ran out of memory (1,000 MB configured)"
        );
        let timeouts = by_kind(WarningKind::Timeouts);
        assert_eq!(
            (timeouts.value, timeouts.severity),
            (2.0, Severity::Critical)
        );
        assert_eq!(
            timeouts.message,
            "2 of 10,000 invocations timed out at the 3,000 ms limit"
        );
        let roomy = by_kind(WarningKind::OverProvisioned);
        assert_eq!((roomy.value, roomy.severity), (9.9, Severity::Info));
        let cost = by_kind(WarningKind::CostIncrease);
        // 100 × (12.1 − 10) / 10 = 21 (exact in pico-dollars).
        assert_eq!((cost.value, cost.threshold), (21.0, 20.0));
        assert_eq!(
            cost.message,
            "cost $12.10 up 21 % from $10.00 in the previous period (threshold 20 %)"
        );
    }

    #[test]
    fn overridden_thresholds_move_the_boundaries() {
        let t = WarningThresholds::with_overrides(" cold_start_pct=0.5 , memory_pct=90,").unwrap();
        assert_eq!(
            t,
            WarningThresholds {
                cold_start_pct: 0.5,
                memory_pct: 90.0,
                ..WarningThresholds::default()
            }
        );
        // quiet: 1 % > 0.5 % and 95 % > 90 % now fire.
        let w = function_warnings(&frame(&[quiet("quiet")]), &t).unwrap();
        assert_eq!(
            kinds(&w, "quiet"),
            vec![WarningKind::ColdStarts, WarningKind::MemoryNearLimit]
        );
        assert_eq!(
            w[0].message,
            "cold starts 1 % of 1,000 invocations (threshold 0.5 %)"
        );
        assert_eq!(
            WarningThresholds::with_overrides("").unwrap(),
            WarningThresholds::default()
        );
    }

    #[test]
    fn bad_overrides_name_the_problem() {
        let err = WarningThresholds::with_overrides("cold_start_pct=2,memory=90").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown threshold `memory` (known: cold_start_pct, memory_pct, duration_pct, over_provisioned_pct, cost_increase_pct)"
        );
        let err = WarningThresholds::with_overrides("memory_pct=ninety").unwrap_err();
        assert_eq!(
            err.to_string(),
            "threshold `memory_pct` needs a percentage between 0 and 100, got `ninety`"
        );
        let err = WarningThresholds::with_overrides("memory_pct=150").unwrap_err();
        assert!(err.to_string().contains("between 0 and 100"), "{err}");
        // Cost may more than double.
        assert_eq!(
            WarningThresholds::with_overrides("cost_increase_pct=150")
                .unwrap()
                .cost_increase_pct,
            150.0
        );
        let err = WarningThresholds::with_overrides("cost_increase_pct=-1").unwrap_err();
        assert!(err.to_string().contains("≥ 0"), "{err}");
        let err = WarningThresholds::with_overrides("memory_pct").unwrap_err();
        assert_eq!(
            err.to_string(),
            "override `memory_pct` is not of the form name=value"
        );
        // A failed apply leaves the thresholds as they were.
        let mut t = WarningThresholds::default();
        assert!(t.apply_overrides("memory_pct=80,nope=1").is_err());
        assert_eq!(t, WarningThresholds::default());
    }

    #[test]
    fn thresholds_parse_from_str_and_deserialise_from_partial_config() {
        let parsed: WarningThresholds = "duration_pct=80".parse().unwrap();
        assert_eq!(parsed.duration_pct, 80.0);
        assert_eq!(parsed.memory_pct, 95.0);
        let err = "colds=1".parse::<WarningThresholds>().unwrap_err();
        assert!(
            err.to_string().starts_with("unknown threshold `colds`"),
            "{err}"
        );

        // A config file section with one field: the others keep defaults.
        use serde::de::value::{Error as DeError, MapDeserializer};
        use serde::Deserialize;
        let partial = MapDeserializer::<_, DeError>::new([("cost_increase_pct", 50.0)].into_iter());
        assert_eq!(
            WarningThresholds::deserialize(partial).unwrap(),
            WarningThresholds {
                cost_increase_pct: 50.0,
                ..WarningThresholds::default()
            }
        );
        // A misspelt field is an error, not a silently ignored setting.
        let typo = MapDeserializer::<_, DeError>::new([("memory", 90.0)].into_iter());
        let err = WarningThresholds::deserialize(typo).unwrap_err();
        assert!(err.to_string().contains("unknown field `memory`"), "{err}");
    }

    #[test]
    fn bad_rows_are_errors() {
        let mut r = quiet("f");
        r.cold_starts = 2_000;
        let err = function_warnings(&frame(&[r]), &WarningThresholds::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "row 0: \"f\" has 2000 cold starts but only 1000 invocations"
        );
        let f = frame(&[quiet("f")]).drop("oom_errors").unwrap();
        let err = function_warnings(&f, &WarningThresholds::default()).unwrap_err();
        assert_eq!(err.to_string(), "the frame has no column `oom_errors`");
    }

    #[test]
    fn number_formats() {
        assert_eq!(grouped(12_345), "12,345");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000_000), "1,000,000");
        assert_eq!(decimal(3.2), "3.2");
        assert_eq!(decimal(1_234.567), "1,234.57");
        assert_eq!(usd(PicoUsd(42_000_000)), "$0.000042");
        assert_eq!(usd(PicoUsd(1_234_500_000_000_000)), "$1,234.50");
    }
}
