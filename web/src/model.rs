//! Data sent from the server to the pages (and serialized into the HTML for
//! hydration). Plain types only: these compile to WebAssembly too.

use serde::{Deserialize, Serialize};

/// The time-range presets every page offers, by their URL value.
pub const RANGES: &[(&str, &str, u32)] = &[
    ("24h", "Last 24 hours", 24),
    ("7d", "Last 7 days", 24 * 7),
    ("30d", "Last 30 days", 24 * 30),
    ("90d", "Last 90 days", 24 * 90),
];

/// The preset shown when the URL names none.
pub const DEFAULT_RANGE: &str = "7d";

/// Hours of a range value, if it is one of [`RANGES`].
pub fn range_hours(value: &str) -> Option<u32> {
    RANGES
        .iter()
        .find(|(v, _, _)| *v == value)
        .map(|(_, _, h)| *h)
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
