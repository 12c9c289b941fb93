//! Sequential fan-out: a request that works through items one after
//! another (a loop of calls or queries of the same kind) where each item
//! could be its own invocation, run in parallel.
//!
//! A request shows it when its SERVER span has at least [`MIN_ITEMS`]
//! children of the same name that never overlap (each starts once the
//! previous one has ended) and together take at least [`MIN_SHARE`] of the
//! request. A function is flagged for a span name when at least
//! [`MIN_TRACES`] traced requests show it. Run in parallel, the request
//! would take about its longest item instead of their sum: that is the
//! latency to gain. The bill barely moves (the same work, billed in N
//! invocations), so the finding's money is zero: its value is latency.

use super::{Evidence, Finding, FindingKind, EXAMPLE_TRACES};

/// Fewest items one after another for a request to count.
pub const MIN_ITEMS: usize = 4;
/// Smallest share of the request the items take together.
pub const MIN_SHARE: f64 = 0.5;
/// Fewest requests showing it for a finding.
pub const MIN_TRACES: u64 = 10;

/// The children of one name under one request's SERVER span.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildGroup {
    /// `provider/account/region/function` of the request.
    pub function: String,
    /// The children's span name.
    pub name: String,
    /// The trace.
    pub trace_id: String,
    /// The request's (SERVER span's) duration, ns.
    pub parent_duration_ns: u64,
    /// Each child's start and end, ns since the epoch, any order.
    pub children: Vec<(u64, u64)>,
}

/// What running a group's items in parallel would gain, when they ran one
/// after another: (items, their sum, the gain), ns. `None` when the group
/// is not a sequential fan-out.
pub fn sequential_gain(group: &ChildGroup) -> Option<(usize, u64, u64)> {
    if group.children.len() < MIN_ITEMS || group.parent_duration_ns == 0 {
        return None;
    }
    let mut children = group.children.clone();
    children.sort_unstable();
    if children.windows(2).any(|w| w[1].0 < w[0].1) {
        return None;
    }
    let lengths = children.iter().map(|(s, e)| e.saturating_sub(*s));
    let sum: u64 = lengths.clone().sum();
    let longest = lengths.max().unwrap_or(0);
    if (sum as f64) < MIN_SHARE * group.parent_duration_ns as f64 {
        return None;
    }
    Some((children.len(), sum, sum - longest))
}

/// A request that shows the pattern: its group, items, their sum and the
/// gain in parallel (ns).
type Shown<'a> = (&'a ChildGroup, usize, u64, u64);

/// One finding per function and span name shown by at least
/// [`MIN_TRACES`] requests. `traced(function)` is the function's traced
/// requests in the window.
pub fn sequential_fan_out(groups: &[ChildGroup], traced: impl Fn(&str) -> u64) -> Vec<Finding> {
    use std::collections::BTreeMap;
    let mut by_key: BTreeMap<(&str, &str), Vec<Shown>> = BTreeMap::new();
    for g in groups {
        if let Some((items, sum, gain)) = sequential_gain(g) {
            by_key
                .entry((&g.function, &g.name))
                .or_default()
                .push((g, items, sum, gain));
        }
    }
    let median = |mut v: Vec<f64>| -> f64 {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    };
    let mut out = Vec::new();
    for ((function, name), mut shown) in by_key {
        if (shown.len() as u64) < MIN_TRACES {
            continue;
        }
        // The largest gains make the best examples.
        shown.sort_by(|a, b| b.3.cmp(&a.3).then_with(|| a.0.trace_id.cmp(&b.0.trace_id)));
        let traces = shown.len() as u64;
        let items = median(shown.iter().map(|s| s.1 as f64).collect());
        let gain_ms = median(shown.iter().map(|s| s.3 as f64 / 1e6).collect());
        let request_ms = median(
            shown
                .iter()
                .map(|s| s.0.parent_duration_ns as f64 / 1e6)
                .collect(),
        );
        let traced = traced(function).max(traces);
        let short = super::calls::short(function);
        out.push(Finding {
            kind: FindingKind::SequentialFanOut,
            summary: format!(
                "{short} runs {items:.0} × {name:?} one after another in {traces} of {traced} traced requests; in parallel a request would take about {gain_ms:.0} ms less (median {request_ms:.0} ms now)"
            ),
            advice: format!(
                "Fan the items out: send each {name:?} as its own asynchronous invocation (or batch them into one call, or run them concurrently inside {short}), so a request waits for the slowest item, not their sum. The bill stays about the same; the latency drops."
            ),
            functions: vec![function.to_string()],
            evidence: vec![
                Evidence::new("traced requests with the loop", traces as f64, "requests"),
                Evidence::new("traced requests of the function", traced as f64, "requests"),
                Evidence::new("median items per request", items, "items"),
                Evidence::new("median request duration", request_ms, "ms"),
                Evidence::new("median latency gain in parallel", gain_ms, "ms"),
            ],
            example_trace_ids: shown
                .iter()
                .take(EXAMPLE_TRACES)
                .map(|s| s.0.trace_id.clone())
                .collect(),
            monthly_usd: faasight_store::PicoUsd(0),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn group(trace: usize, children: &[(u64, u64)], parent_ms: u64) -> ChildGroup {
        ChildGroup {
            function: "aws_lambda/1/us-east-1/notifier".into(),
            name: "POST".into(),
            trace_id: format!("t{trace:02}"),
            parent_duration_ns: parent_ms * MS,
            children: children.iter().map(|(s, e)| (s * MS, e * MS)).collect(),
        }
    }

    #[test]
    fn items_one_after_another_gain_all_but_the_longest() {
        // 5 items of 10, 20, 30, 40, 50 ms back to back in a 160 ms request:
        // 150 ms of items, 100 ms to gain.
        let items = [(0, 10), (10, 30), (30, 60), (60, 100), (100, 150)];
        assert_eq!(
            sequential_gain(&group(0, &items, 160)),
            Some((5, 150 * MS, 100 * MS))
        );
        // Two overlap: not sequential.
        let overlapping = [(0, 10), (5, 30), (30, 60), (60, 100)];
        assert_eq!(sequential_gain(&group(0, &overlapping, 160)), None);
        // Three items only.
        assert_eq!(sequential_gain(&group(0, &items[..3], 60)), None);
        // Items take less than half of the request.
        assert_eq!(sequential_gain(&group(0, &items, 400)), None);
    }

    #[test]
    fn ten_requests_make_a_finding_nine_do_not() {
        let items = [(0, 10), (10, 30), (30, 60), (60, 100), (100, 150)];
        let groups: Vec<ChildGroup> = (0..10).map(|i| group(i, &items, 160)).collect();
        let f = sequential_fan_out(&groups, |_| 40);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence[4].value, 100.0);
        assert_eq!(f[0].example_trace_ids.len(), EXAMPLE_TRACES);
        assert!(sequential_fan_out(&groups[..9], |_| 40).is_empty());
    }
}
