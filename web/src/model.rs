//! Data sent from the server to the pages (and serialized into the HTML for
//! hydration). Plain types only: these compile to WebAssembly too.

use serde::{Deserialize, Serialize};

/// The time ranges the overview offers, by their URL/selector value.
pub const RANGES: &[(&str, &str, u32)] = &[
    ("24h", "Last 24 hours", 24),
    ("7d", "Last 7 days", 24 * 7),
    ("30d", "Last 30 days", 24 * 30),
];

/// Hours of a range value, if it is one of [`RANGES`].
pub fn range_hours(value: &str) -> Option<u32> {
    RANGES
        .iter()
        .find(|(v, _, _)| *v == value)
        .map(|(_, _, h)| *h)
}

/// One function's line in the overview table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionLine {
    /// Provider.
    pub provider: String,
    /// Function name.
    pub function: String,
    /// Region.
    pub region: String,
    /// Invocations.
    pub invocations: u64,
    /// Error and timeout share, percent.
    pub error_pct: f64,
    /// Cold-start share, percent.
    pub cold_start_pct: f64,
    /// Estimated p95 duration, ms.
    pub p95_duration_ms: f64,
    /// Cost, pico-dollars.
    pub cost_pico_usd: i64,
}

/// A query behind the numbers on a page, with its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryTrace {
    /// Which part of the page it feeds.
    pub feeds: String,
    /// The SQL text.
    pub sql: String,
    /// Bound parameters, in order, as text.
    pub params: Vec<String>,
}

/// Everything the overview page shows for one range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    /// The range's selector value.
    pub range: String,
    /// Start of the range, RFC 3339.
    pub from: String,
    /// End of the range (exclusive), RFC 3339.
    pub to: String,
    /// One line per function.
    pub functions: Vec<FunctionLine>,
    /// Total invocations.
    pub total_invocations: u64,
    /// Total cold starts.
    pub total_cold_starts: u64,
    /// Total errors and timeouts.
    pub total_errors: u64,
    /// Total cost, pico-dollars.
    pub total_cost_pico_usd: i64,
    /// Invocations over time, as an SVG document.
    pub chart_svg: String,
    /// The queries behind the numbers.
    pub queries: Vec<QueryTrace>,
}

/// One function's right-sizing advice as the recommendations page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecommendationLine {
    /// Provider.
    pub provider: String,
    /// Function name.
    pub function: String,
    /// Region.
    pub region: String,
    /// `recommend`, `keep`, `insufficient-data` or `not-applicable`.
    pub status: String,
    /// Memory now, MB.
    pub current_mb: u32,
    /// Memory advised, MB.
    pub recommended_mb: Option<u32>,
    /// Monthly list cost now, pico-dollars.
    pub monthly_now_pico: Option<i64>,
    /// Monthly list cost at the advised size, pico-dollars.
    pub monthly_after_pico: Option<i64>,
    /// Monthly savings, pico-dollars.
    pub savings_pico: Option<i64>,
    /// `low`, `medium`, `high` or empty.
    pub risk: String,
    /// Why, in a sentence.
    pub reason: String,
}

/// Everything the recommendations page shows for one strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendations {
    /// `cost`, `speed` or `balanced`.
    pub strategy: String,
    /// Days of history behind the volumes.
    pub window_days: f64,
    /// One line per function.
    pub lines: Vec<RecommendationLine>,
    /// Σ monthly savings of the advised changes, pico-dollars.
    pub total_savings_pico: i64,
    /// The queries behind the numbers.
    pub queries: Vec<QueryTrace>,
}

/// One function's cold starts as the cold-starts page shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColdStartLine {
    /// `provider/account/region/function`.
    pub function: String,
    /// Invocations in the window.
    pub invocations: u64,
    /// Cold starts (on-demand inits and SnapStart restores).
    pub cold_starts: u64,
    /// Cold starts in % of invocations.
    pub cold_start_pct: f64,
    /// INIT's share of cost, %.
    pub init_cost_share_pct: f64,
    /// Counts by cause, in the order of [`ColdStarts::causes`].
    pub by_cause: Vec<u64>,
    /// Estimated keep-alive, minutes.
    pub keep_alive_minutes: f64,
}

/// Everything the cold-starts page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColdStarts {
    /// Cause names, in precedence order.
    pub causes: Vec<String>,
    /// The rule behind each cause, same order.
    pub rules: Vec<String>,
    /// One line per function.
    pub lines: Vec<ColdStartLine>,
    /// INIT's share of cost before / from 2025-08-01: (era, %).
    pub init_eras: Vec<(String, f64)>,
    /// The queries behind the numbers.
    pub queries: Vec<QueryTrace>,
}

/// The signed-in user as the header shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// User name.
    pub user: String,
    /// Tenants they may read, the default first.
    pub tenants: Vec<String>,
    /// The session's CSRF token, for the sign-out form.
    pub csrf: String,
}
