//! Timeout advice from the current size's durations and timeouts. A hung
//! invocation bills until its timeout, so a timeout far above the slowest
//! observed durations costs money for nothing; one that invocations hit
//! needs raising or investigating.

use super::input::SizeRow;
use serde::Serialize;

/// What to do with the timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeoutAction {
    /// The timeout is far above any observed duration: a hung invocation
    /// bills until it, so lower it.
    Lower,
    /// Invocations timed out: raise the timeout or find why they hang.
    RaiseOrInvestigate,
}

/// Timeout advice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeoutAdvice {
    /// Lower, or raise/investigate.
    pub action: TimeoutAction,
    /// Configured timeout (ms).
    pub current_timeout_ms: u64,
    /// Suggested timeout (ms), when the data supports a number.
    pub suggested_timeout_ms: Option<u64>,
    /// Why, in a sentence.
    pub reason: String,
}

/// Timeout advice from the current row. Timeouts observed → raise or
/// investigate. Otherwise, a timeout above 10 × p99.9 and above 3 s is
/// lowered to 3 × p99.9 (scaled by `slowdown` when the memory advice makes
/// the function slower), rounded up to whole seconds: a hung invocation
/// bills until the timeout, and three times the p99.9 still leaves room for
/// the slow tail.
pub(super) fn timeout_advice(current: &SizeRow, slowdown: Option<f64>) -> Option<TimeoutAdvice> {
    let timeout = current.timeout_ms?;
    let timeout_whole = timeout.round() as u64;
    if current.timeouts > 0 {
        return Some(TimeoutAdvice {
            action: TimeoutAction::RaiseOrInvestigate,
            current_timeout_ms: timeout_whole,
            suggested_timeout_ms: None,
            reason: format!(
                "{} invocations hit the {:.1} s timeout: raise it if the work is legitimately \
                 long, or find what they wait on.",
                current.timeouts,
                timeout / 1000.0
            ),
        });
    }
    let p999 = current.duration_p999_ms?;
    if p999 <= 0.0 || timeout <= 10.0 * p999 || timeout <= 3000.0 {
        return None;
    }
    let scale = slowdown.unwrap_or(1.0);
    let seconds = ((p999 * scale * 3.0 - 1e-6) / 1000.0).ceil().max(1.0) as u64;
    let suggested = seconds * 1000;
    if suggested >= timeout_whole {
        return None;
    }
    let scaled = if scale > 1.0 {
        format!(" (×{scale:.2} for the slower recommended size)")
    } else {
        String::new()
    };
    Some(TimeoutAdvice {
        action: TimeoutAction::Lower,
        current_timeout_ms: timeout_whole,
        suggested_timeout_ms: Some(suggested),
        reason: format!(
            "The {:.1} s timeout is over 10× the p99.9 duration of {p999:.0} ms: a hung \
             invocation bills until it. Suggest {seconds} s (3 × p99.9{scaled}, rounded up to a \
             second).",
            timeout / 1000.0
        ),
    })
}
