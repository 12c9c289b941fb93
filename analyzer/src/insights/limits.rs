//! Concurrency and scaling limits, from invocations alone.
//!
//! AWS Lambda runs at most 1,000 invocations at once per account and
//! region by default (a quota that can be raised), and scales each
//! function by at most 1,000 new execution environments every 10 seconds
//! (<https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html>,
//! <https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html>).
//! Beyond either, invocations are throttled: synchronous callers get a 429,
//! asynchronous events are retried later. The stored sources do not report
//! throttles, so the findings come from the concurrency the invocations
//! reconstruct ([`super::concurrency`]): an account that reached
//! [`NEAR_LIMIT`] of its limit, and a function whose new environments in
//! 10 s exceeded the scaling rate. Other providers' limits are per app or
//! per function and configurable; they are not judged.

use super::{Evidence, Finding, FindingKind};
use chrono::{DateTime, Utc};

/// Share of the account limit from which a peak is a finding.
pub const NEAR_LIMIT: f64 = 0.8;
/// New environments AWS starts per function every [`SCALING_WINDOW_MS`].
pub const SCALING_RATE: u64 = 1_000;
/// The scaling rate's window.
pub const SCALING_WINDOW_MS: i64 = 10_000;

/// An account's (or function's) busiest millisecond.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopePeak {
    /// Provider.
    pub provider: String,
    /// `provider/account/region` or `provider/account/region/function`.
    pub scope: String,
    /// Invocations running at once.
    pub concurrency: u64,
    /// When, ms since the epoch.
    pub at_ms: i64,
}

fn time(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// A finding for each AWS account and region whose peak reached
/// [`NEAR_LIMIT`] of `limit`.
pub fn near_account_limit(peaks: &[ScopePeak], limit: u32) -> Vec<Finding> {
    let aws = faasight_pricing::Provider::AwsLambda.as_str();
    peaks
        .iter()
        .filter(|p| p.provider == aws && p.concurrency as f64 >= NEAR_LIMIT * f64::from(limit))
        .map(|p| {
            let pct = 100.0 * p.concurrency as f64 / f64::from(limit);
            let reached = p.concurrency >= u64::from(limit);
            Finding {
                kind: FindingKind::ConcurrencyLimit,
                summary: format!(
                    "{} ran {} invocations at once at {} — {pct:.0} % of its {limit} concurrent executions{}",
                    p.scope,
                    p.concurrency,
                    time(p.at_ms),
                    if reached {
                        ": invocations beyond it were throttled (429 for synchronous callers, retried later for events)"
                    } else {
                        ", close to throttling"
                    }
                ),
                advice: "Ask AWS to raise the account's concurrent-executions quota (Service Quotas; no charge), reserve concurrency for the functions that must never be starved by a burst (no charge), and cap the bursty function with its own reserved concurrency or a queue in front of it.".into(),
                functions: vec![p.scope.clone()],
                evidence: vec![
                    Evidence::new("peak concurrency", p.concurrency as f64, "invocations"),
                    Evidence::new("account limit", f64::from(limit), "invocations"),
                    Evidence::new("peak as share of the limit", pct, "%"),
                ],
                example_trace_ids: Vec::new(),
                monthly_usd: faasight_store::PicoUsd(0),
            }
        })
        .collect()
}

/// A function's densest [`SCALING_WINDOW_MS`] of new environments.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalingBurst {
    /// `provider/account/region/function` (AWS Lambda).
    pub function: String,
    /// New environments (cold starts) in the densest window.
    pub new_environments: u64,
    /// Its first cold start, ms since the epoch.
    pub at_ms: i64,
    /// What provisioning that many environments for one hour a day would
    /// cost a month, pico-USD, when the function's size is known.
    pub provisioned_hour_a_day_pico: Option<i64>,
}

/// A finding for each burst above [`SCALING_RATE`].
pub fn above_scaling_rate(bursts: &[ScalingBurst]) -> Vec<Finding> {
    bursts
        .iter()
        .filter(|b| b.new_environments > SCALING_RATE)
        .map(|b| Finding {
            kind: FindingKind::ScalingRate,
            summary: format!(
                "{} started {} new environments within 10 s from {}, above the {SCALING_RATE} per 10 s Lambda scales a function by: the rest were throttled until it scaled",
                super::calls::short(&b.function),
                b.new_environments,
                time(b.at_ms),
            ),
            advice: format!(
                "Smooth the burst (a queue with a bounded batch size and maximum concurrency in front of the function), or keep environments ready with provisioned concurrency for a burst that comes on a schedule{}.",
                b.provisioned_hour_a_day_pico.map_or(String::new(), |p| format!(
                    " ({} environments for one hour a day cost about ${:.2} a month in Provisioned Concurrency charges, before the duration they run)",
                    b.new_environments,
                    p as f64 / 1e12
                ))
            ),
            functions: vec![b.function.clone()],
            evidence: vec![
                Evidence::new("new environments in 10 s", b.new_environments as f64, "environments"),
                Evidence::new("scaling rate", SCALING_RATE as f64, "environments per 10 s"),
            ],
            example_trace_ids: Vec::new(),
            monthly_usd: faasight_store::PicoUsd(0),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peak(provider: &str, concurrency: u64) -> ScopePeak {
        ScopePeak {
            provider: provider.into(),
            scope: format!("{provider}/1/us-east-1"),
            concurrency,
            at_ms: 1_700_000_000_000,
        }
    }

    #[test]
    fn an_aws_account_at_eighty_percent_of_its_limit_is_a_finding() {
        let peaks = [
            peak("aws_lambda", 799),
            peak("aws_lambda", 800),
            peak("gcp_cloud_run_functions", 5_000),
        ];
        let f = near_account_limit(&peaks, 1_000);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence[0].value, 800.0);
        assert!(f[0].summary.contains("close to throttling"));
        let at = near_account_limit(&[peak("aws_lambda", 1_000)], 1_000);
        assert!(at[0].summary.contains("throttled"), "{}", at[0].summary);
    }

    #[test]
    fn only_bursts_above_the_scaling_rate_are_findings() {
        let burst = |n| ScalingBurst {
            function: "aws_lambda/1/us-east-1/f".into(),
            new_environments: n,
            at_ms: 0,
            provisioned_hour_a_day_pico: Some(2_000_000_000_000),
        };
        assert!(above_scaling_rate(&[burst(1_000)]).is_empty());
        let f = above_scaling_rate(&[burst(1_001)]);
        assert_eq!(f.len(), 1);
        assert!(f[0].advice.contains("$2.00 a month"), "{}", f[0].advice);
    }
}
