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
    /// The request itself is invalid (the caller's mistake: HTTP 400).
    #[error("{0}")]
    Invalid(String),
    /// A model could not work on what the queries returned: a fault of
    /// faasight, not of the request (HTTP 500).
    #[error("the analysis failed: {0}")]
    Model(String),
    /// A statement of the store failed (materializing results).
    #[error(transparent)]
    Store(#[from] faasight_store::Error),
}

impl From<crate::rightsizing::RightsizingError> for Error {
    fn from(e: crate::rightsizing::RightsizingError) -> Self {
        use crate::rightsizing::RightsizingError as E;
        match e {
            E::Input(_) | E::BadRow { .. } | E::BadFunction { .. } => Error::Model(e.to_string()),
            _ => Error::Invalid(e.to_string()),
        }
    }
}

impl From<crate::forecast::ForecastError> for Error {
    fn from(e: crate::forecast::ForecastError) -> Self {
        use crate::forecast::ForecastError as E;
        match e {
            E::Input(_) | E::NonFinite { .. } => Error::Model(e.to_string()),
            // Invalid options, or a window too short to forecast from.
            _ => Error::Invalid(e.to_string()),
        }
    }
}

impl From<crate::warnings::WarningError> for Error {
    fn from(e: crate::warnings::WarningError) -> Self {
        use crate::warnings::WarningError as E;
        match e {
            E::Input(_) | E::BadRow { .. } => Error::Model(e.to_string()),
            _ => Error::Invalid(e.to_string()),
        }
    }
}

impl From<crate::anomalies::AnomalyError> for Error {
    fn from(e: crate::anomalies::AnomalyError) -> Self {
        use crate::anomalies::AnomalyError as E;
        match e {
            E::Input(_) | E::BadRow { .. } => Error::Model(e.to_string()),
            _ => Error::Invalid(e.to_string()),
        }
    }
}

impl From<crate::cold_start::ColdStartError> for Error {
    fn from(e: crate::cold_start::ColdStartError) -> Self {
        Error::Model(e.to_string())
    }
}

/// Result with the analyzer's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::Error;
    use crate::rightsizing::RightsizingError;

    #[test]
    fn the_callers_mistakes_are_invalid_and_the_datas_are_model_faults() {
        let strategy = Error::from(RightsizingError::UnknownStrategy("cheapest".into()));
        assert!(matches!(strategy, Error::Invalid(_)), "{strategy:?}");
        let option = Error::from(RightsizingError::BadOption("headroom".into()));
        assert!(matches!(option, Error::Invalid(_)), "{option:?}");
        let row = Error::from(RightsizingError::BadRow {
            row: 3,
            message: "memory 0".into(),
        });
        assert!(matches!(row, Error::Model(_)), "{row:?}");
    }
}
