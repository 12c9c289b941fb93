//! The monthly cost report a FinOps reader exports: one document
//! ([`CostReport`]), built by the analyzer from ClickHouse, served as JSON
//! by the API, and rendered here as CSV line items ([`csv`]) and as a PDF
//! ([`pdf`], feature `pdf`). All three come from the same value, so their
//! totals are the same numbers.
//!
//! Money is in pico-dollars (10⁻¹² USD, `i64`), as everywhere in faasight:
//! sums are exact, rounding happens only when a figure is shown.
#![deny(missing_docs)]

use serde::{Deserialize, Serialize};

pub mod csv;
pub mod money;
#[cfg(feature = "pdf")]
pub mod pdf;

/// The report for one tenant and one calendar month (UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostReport {
    /// Tenant the report covers.
    pub tenant: String,
    /// The month, `YYYY-MM`.
    pub month: String,
    /// First day of the month, `YYYY-MM-DD`.
    pub period_start: String,
    /// First day of the next month, `YYYY-MM-DD` (exclusive).
    pub period_end: String,
    /// When the report was made, RFC 3339 UTC.
    pub generated_at: String,
    /// Whether the month had ended when the report was made (otherwise
    /// the figures are month-to-date).
    pub complete: bool,
    /// Totals of the month.
    pub totals: Totals,
    /// The bill's line items: one per provider, account, region and
    /// architecture, with the tiers and free grants applied.
    pub lines: Vec<BillLine>,
    /// Totals by provider, largest billed first.
    pub by_provider: Vec<Subtotal>,
    /// Totals by account (`provider/account`), largest billed first.
    pub by_account: Vec<Subtotal>,
    /// Totals by region (`provider/region`), largest billed first.
    pub by_region: Vec<Subtotal>,
    /// The functions costing most at list price, most expensive first.
    pub top_functions: Vec<FunctionCost>,
    /// List cost per day of the month (days with data).
    pub daily: Vec<DailyCost>,
    /// The next month's forecast, when there is enough history.
    pub forecast: Option<ForecastSummary>,
    /// Where the month is heading, for a month still running (and with
    /// enough history to forecast); `None` for a month that has ended,
    /// whose total is the actual one.
    #[serde(default)]
    pub month_end: Option<MonthEndProjection>,
    /// Right-sizing advice that saves money.
    pub rightsizing: RightsizingSummary,
    /// Current warnings.
    pub warnings: Vec<WarningItem>,
    /// Architecture insights of the month (serverless anti-patterns,
    /// concurrency limits, idle provisioned concurrency), most money at
    /// stake first.
    #[serde(default)]
    pub insights: Vec<InsightItem>,
    /// The queries behind the figures.
    pub queries: Vec<QueryUsed>,
    /// The month's AWS Lambda invoice (an imported Cost and Usage Report)
    /// against telemetry; `None` when no report was imported for the month.
    #[serde(default)]
    pub reconciliation: Option<InvoiceReconciliation>,
}

/// The month's totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Σ per-invocation list prices, pico-USD.
    pub list_pico: i64,
    /// Σ billed amounts after tiers and free grants, pico-USD.
    pub billed_pico: i64,
    /// Invocations (requests).
    pub invocations: u64,
}

/// One line of the bill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillLine {
    /// Provider (`aws_lambda`, `azure_functions`, …).
    pub provider: String,
    /// Account, subscription or project.
    pub account: String,
    /// Region.
    pub region: String,
    /// `x86_64` or `arm64`.
    pub arch: String,
    /// Requests billed.
    pub requests: u64,
    /// Memory × duration, GB-seconds (GB = 1024 MB, as providers bill).
    pub gb_seconds: f64,
    /// Σ per-invocation list prices, pico-USD.
    pub list_pico: i64,
    /// Billed minus list (tiers, free grants, plan fees), pico-USD.
    pub adjustment_pico: i64,
    /// What the provider bills, pico-USD.
    pub billed_pico: i64,
    /// How the billed amount follows from the usage, in a sentence.
    pub explanation: String,
}

/// A subtotal by provider, account or region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subtotal {
    /// What it totals (`aws_lambda`, `aws_lambda/123456789012`, …).
    pub name: String,
    /// List price, pico-USD.
    pub list_pico: i64,
    /// Billed, pico-USD.
    pub billed_pico: i64,
}

/// A function's cost in the month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionCost {
    /// Provider.
    pub provider: String,
    /// Account.
    pub account: String,
    /// Region.
    pub region: String,
    /// Function name.
    pub function: String,
    /// Invocations.
    pub invocations: u64,
    /// List cost, pico-USD.
    pub list_pico: i64,
    /// Share of the tenant's list cost, %.
    pub share_pct: f64,
}

/// One day's list cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyCost {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// List cost, pico-USD.
    pub list_pico: i64,
}

/// The forecast of the month after the report's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastSummary {
    /// The forecast month, `YYYY-MM`.
    pub month: String,
    /// Expected list cost of that month, pico-USD.
    pub expected_pico: i64,
    /// Lower bound of the month total's interval (the interval of the
    /// sum, narrower than the sum of the days' bounds), pico-USD.
    pub low_pico: i64,
    /// Upper bound of the month total's interval, pico-USD.
    pub high_pico: i64,
    /// Coverage of the interval, % (80 = an 80 % prediction interval).
    pub level_pct: f64,
    /// Mean absolute percentage error of the model's backtest, %.
    pub backtest_mape_pct: Option<f64>,
    /// The forecast by day.
    pub days: Vec<ForecastDay>,
}

/// The report's month projected to its end: the actual list cost of its
/// elapsed days plus the forecast of the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthEndProjection {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// Full days of the month elapsed when the report was made.
    pub days_elapsed: u32,
    /// Days in the month.
    pub days_in_month: u32,
    /// Actual list cost of the elapsed days, pico-USD.
    pub actual_pico: i64,
    /// Forecast list cost of the remaining days (the report's day
    /// included), pico-USD.
    pub forecast_rest_pico: i64,
    /// `actual_pico + forecast_rest_pico`.
    pub projected_pico: i64,
    /// Lower bound of the projected total's interval, pico-USD.
    pub low_pico: i64,
    /// Upper bound of the projected total's interval, pico-USD.
    pub high_pico: i64,
    /// Coverage of the interval, % (80 = an 80 % prediction interval).
    pub level_pct: f64,
}

/// One forecast day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastDay {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Expected list cost, pico-USD.
    pub expected_pico: i64,
    /// Lower bound, pico-USD.
    pub low_pico: i64,
    /// Upper bound, pico-USD.
    pub high_pico: i64,
}

/// Right-sizing advice that saves money.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RightsizingSummary {
    /// Strategy the advice follows (`cost`, `balanced`, `speed`).
    pub strategy: String,
    /// Σ monthly savings of the items, pico-USD.
    pub monthly_savings_pico: i64,
    /// One item per function to change, largest saving first.
    pub items: Vec<RightsizingItem>,
}

/// One function to resize.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RightsizingItem {
    /// Provider.
    pub provider: String,
    /// Region.
    pub region: String,
    /// Function name.
    pub function: String,
    /// Memory now, MB.
    pub current_mb: u32,
    /// Memory advised, MB.
    pub advised_mb: u32,
    /// Monthly saving, pico-USD.
    pub monthly_savings_pico: i64,
    /// `low`, `medium` or `high`.
    pub risk: String,
}

/// A warning about a function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarningItem {
    /// The function (`provider/account/region/function`).
    pub function: String,
    /// What kind (`cold_starts`, `memory_near_limit`, …).
    pub kind: String,
    /// The warning in a sentence.
    pub message: String,
}

/// An architecture insight: an anti-pattern or limit found in the month's
/// invocations and traces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsightItem {
    /// What it is about (`function_waits_on_function`, `doing_too_much`,
    /// `sequential_fan_out`, `concurrency_limit`, `scaling_rate`,
    /// `idle_provisioned_concurrency`).
    pub kind: String,
    /// The kind as a heading (`Function waits on function`).
    pub title: String,
    /// What was found, in a sentence with its figures.
    pub summary: String,
    /// What to do about it.
    pub advice: String,
    /// Functions involved (`provider/account/region/function`), or the
    /// account (`provider/account/region`) for an account-wide finding.
    pub functions: Vec<String>,
    /// Money the anti-pattern costs per month at list price, pico-USD;
    /// zero when its cost is latency or risk, not money.
    pub monthly_usd_pico: i64,
    /// Traces that show it (empty when it comes from invocations alone).
    pub example_trace_ids: Vec<String>,
}

/// A query behind the report's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryUsed {
    /// What it feeds.
    pub feeds: String,
    /// The query file (e.g. `monthly_usage.sql`).
    pub file: String,
    /// Bound parameters, in order.
    pub params: Vec<String>,
}

/// The invoice reconciliation section: what the AWS Cost and Usage Report
/// invoices for Lambda against what telemetry accounts for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceReconciliation {
    /// Σ invoiced (unblended) cost, pico-USD.
    pub invoiced_pico: i64,
    /// Σ list price of what telemetry accounts for, pico-USD.
    pub computed_pico: i64,
    /// Invoiced − computed, pico-USD.
    pub remainder_pico: i64,
    /// One per account, region and usage type.
    pub lines: Vec<ReconciliationLine>,
    /// `account/region/function` invoiced without telemetry.
    pub functions_without_telemetry: Vec<String>,
    /// Facts about the data that bear on every line.
    pub notes: Vec<String>,
}

/// One line of the invoice reconciliation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReconciliationLine {
    /// Usage account.
    pub account: String,
    /// Region (empty for taxes).
    pub region: String,
    /// What is charged, e.g. `Duration (GB-s)`.
    pub usage: String,
    /// `x86_64`, `arm64` or empty.
    pub arch: String,
    /// Unit of the amounts (`requests`, `GB-s`, …).
    pub unit: String,
    /// Invoiced usage.
    pub invoiced_amount: f64,
    /// Invoiced cost, pico-USD.
    pub invoiced_pico: i64,
    /// Usage from telemetry; `None` where faasight does not model it.
    pub computed_amount: Option<f64>,
    /// Its list price, pico-USD; `None` where not modelled.
    pub computed_pico: Option<i64>,
    /// Invoiced − computed, pico-USD.
    pub remainder_pico: i64,
    /// Likely causes of the remainder.
    pub explanation: String,
}
