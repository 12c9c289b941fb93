//! Function waits on function: a function that invokes another and waits
//! for its answer is billed for the wait, on top of the callee's own bill.
//!
//! A call is a CLIENT span of a function that invokes a function
//! (`faas.invoked_name`, or the AWS SDK's `Lambda.Invoke`). It is
//! synchronous unless something shows it was not: an invocation type
//! `Event` (attribute `aws.lambda.invocation_type` or
//! `faas.invocation_type`), the HTTP status 202 Lambda answers an
//! asynchronous invocation with, or a callee SERVER span (child of the
//! call) that ended after the call did. `insight_calls.sql` applies that
//! rule and counts the calls per edge; this module prices the wait.

use super::{per_month, Evidence, Finding, FindingKind, EXAMPLE_TRACES};

/// Fewest synchronous calls of an edge in the window for a finding.
pub const MIN_CALLS: u64 = 10;

/// The calls from one function to another seen in traces.
#[derive(Debug, Clone, PartialEq)]
pub struct CallEdge {
    /// Caller, `provider/account/region/function`.
    pub caller: String,
    /// Callee: its key when its span was found, else its name as the call
    /// names it.
    pub callee: String,
    /// Whether the caller waited for the answer.
    pub synchronous: bool,
    /// Calls in the window.
    pub calls: u64,
    /// Time the caller spent in these calls, ms.
    pub waited_ms: f64,
    /// Some traces with such a call.
    pub example_trace_ids: Vec<String>,
}

/// What the caller's time costs, and how much of its traffic is traced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CallerPrice {
    /// List price of one ms of the caller's duration at its memory size,
    /// pico-USD (0 where waiting is not billed: Cloudflare Workers bill
    /// CPU time, self-hosted platforms nothing per invocation).
    pub pico_per_ms: f64,
    /// Invocations of the caller per traced one (≥ 1): traces are
    /// sampled, the bill is not.
    pub scale: f64,
}

/// One finding per synchronous edge with at least [`MIN_CALLS`] calls whose
/// caller pays for its time; `price` gives each caller's price (a caller it
/// does not know gets no finding: its money would be a guess).
pub fn waits_on_function(
    edges: &[CallEdge],
    price: impl Fn(&str) -> Option<CallerPrice>,
    window_days: f64,
) -> Vec<Finding> {
    edges
        .iter()
        .filter(|e| e.synchronous && e.calls >= MIN_CALLS && e.waited_ms > 0.0)
        .filter_map(|e| {
            let p = price(&e.caller)?;
            if p.pico_per_ms <= 0.0 {
                return None;
            }
            let waited_ms = e.waited_ms * p.scale;
            let calls = e.calls as f64 * p.scale;
            let monthly = per_month(waited_ms * p.pico_per_ms, window_days);
            let mean_ms = e.waited_ms / e.calls as f64;
            let caller = short(&e.caller);
            let callee = short(&e.callee);
            Some(Finding {
                kind: FindingKind::FunctionWaitsOnFunction,
                summary: format!(
                    "{caller} invokes {callee} synchronously and waits {mean_ms:.0} ms on average per call ({} calls traced), billed for the wait",
                    e.calls
                ),
                advice: format!(
                    "Let {caller} hand the work to {callee} asynchronously (an Event invocation, a queue or a Step Functions state) and answer without waiting; if the answer is needed, fold {callee} into {caller} or orchestrate both with a workflow, so no function is billed for idling."
                ),
                functions: vec![e.caller.clone(), e.callee.clone()],
                evidence: vec![
                    Evidence::new("synchronous calls traced", e.calls as f64, "calls"),
                    Evidence::new("calls estimated in the window (traced × invocations per traced one)", calls.round(), "calls"),
                    Evidence::new("mean wait per call", mean_ms, "ms"),
                    Evidence::new("caller time spent waiting in the window", waited_ms, "ms"),
                    Evidence::new("caller's price of one ms", p.pico_per_ms / 1e12, "USD"),
                ],
                example_trace_ids: e.example_trace_ids.iter().take(EXAMPLE_TRACES).cloned().collect(),
                monthly_usd: monthly,
            })
        })
        .collect()
}

/// The function name of a `provider/account/region/function` key.
pub(crate) fn short(key: &str) -> &str {
    key.rsplit('/').next().unwrap_or(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use faasight_store::PicoUsd;

    fn edge(synchronous: bool, calls: u64, waited_ms: f64) -> CallEdge {
        CallEdge {
            caller: "aws_lambda/1/us-east-1/checkout".into(),
            callee: "aws_lambda/1/us-east-1/payment".into(),
            synchronous,
            calls,
            waited_ms,
            example_trace_ids: (0..7).map(|i| format!("t{i}")).collect(),
        }
    }

    #[test]
    fn a_synchronous_edge_is_priced_at_the_callers_rate() {
        // 1,024 MB on x86 in us-east-1: $0.0000166667 per GB-s, i.e.
        // 16.6667 pico-USD per ms. 40 calls of 250 ms traced, one in
        // four invocations traced: 40,000 ms waited over 30.4375 days.
        let price = CallerPrice {
            pico_per_ms: 16_666.7,
            scale: 4.0,
        };
        let f = waits_on_function(&[edge(true, 40, 10_000.0)], |_| Some(price), 30.4375);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].monthly_usd, PicoUsd(666_668_000));
        assert_eq!(f[0].example_trace_ids.len(), EXAMPLE_TRACES);
        assert_eq!(f[0].functions[0], "aws_lambda/1/us-east-1/checkout");
    }

    #[test]
    fn asynchronous_rare_and_unpriced_calls_are_no_finding() {
        let price = |_: &str| {
            Some(CallerPrice {
                pico_per_ms: 1.0,
                scale: 1.0,
            })
        };
        assert!(waits_on_function(&[edge(false, 400, 1e6)], price, 30.0).is_empty());
        assert!(waits_on_function(&[edge(true, MIN_CALLS - 1, 1e6)], price, 30.0).is_empty());
        assert!(waits_on_function(&[edge(true, 400, 1e6)], |_| None, 30.0).is_empty());
        let free = |_: &str| {
            Some(CallerPrice {
                pico_per_ms: 0.0,
                scale: 1.0,
            })
        };
        assert!(waits_on_function(&[edge(true, 400, 1e6)], free, 30.0).is_empty());
    }
}
