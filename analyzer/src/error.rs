//! Errors of the analyzer.

/// An analysis that could not be computed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The query failed.
    #[error("query {query} failed: {source}")]
    Query {
        /// The query's name (its file name).
        query: &'static str,
        /// The client's error.
        #[source]
        source: clickhouse::error::Error,
    },
    /// The server returned a value the analyzer cannot read.
    #[error("query {query} returned an unreadable {what}: {value:?}")]
    BadValue {
        /// The query's name.
        query: &'static str,
        /// The column.
        what: &'static str,
        /// The value.
        value: String,
    },
    /// The request itself is invalid.
    #[error("{0}")]
    Invalid(String),
}

/// Result with the analyzer's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
