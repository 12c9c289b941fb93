//! Errors of the store crate; each says what was being attempted.

use std::path::PathBuf;

/// What went wrong while talking to, configuring or starting ClickHouse.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The ClickHouse URL could not be understood.
    #[error("invalid ClickHouse URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// A query or insert failed on the server or on the way there.
    #[error("ClickHouse {what} failed: {source}")]
    Query {
        /// What was being done, e.g. "insert into invocations".
        what: String,
        /// The client's error.
        #[source]
        source: clickhouse::error::Error,
    },
    /// The server did not answer at all.
    #[error("ClickHouse at {url} is unreachable ({reason}); check that it is running and that the URL is right")]
    Unreachable {
        /// The URL that was tried.
        url: String,
        /// The underlying error.
        reason: String,
    },
    /// A migration file changed after it was applied.
    #[error("migration {version} ({name}) was changed after it was applied: checksum {applied} in schema_migrations, {current} on disk; add a new migration instead of editing an applied one")]
    ChecksumMismatch {
        /// Migration number.
        version: u32,
        /// Migration file name.
        name: String,
        /// Checksum recorded when it was applied.
        applied: String,
        /// Checksum of the file now.
        current: String,
    },
    /// A migration statement was rejected.
    #[error("migration {version} ({name}) failed in statement {statement}: {source}")]
    Migration {
        /// Migration number.
        version: u32,
        /// Migration file name.
        name: String,
        /// 1-based index of the statement within the file.
        statement: usize,
        /// The server's error.
        #[source]
        source: clickhouse::error::Error,
    },
    /// A cluster could not be used as asked.
    #[error("{0}")]
    Cluster(String),
    /// The list of migrations is malformed (duplicate or unordered numbers).
    #[error("invalid migration list: {0}")]
    InvalidMigrations(String),
    /// `clickhouse-server` is not installed.
    #[error("clickhouse-server was not found on PATH or in /usr/sbin; install it with `apt-get install -y clickhouse-server clickhouse-client`, or pass --clickhouse-url to use an existing server")]
    ServerNotInstalled,
    /// A port the private server needs is in use.
    #[error("port {port} on 127.0.0.1 is already in use; stop what holds it or pick another with --clickhouse-http-port/--clickhouse-tcp-port")]
    PortInUse {
        /// The port.
        port: u16,
    },
    /// The private server exited or never became ready.
    #[error("private ClickHouse server failed to start: {reason} (log: {log})")]
    StartFailed {
        /// What was observed.
        reason: String,
        /// The server's error log.
        log: PathBuf,
    },
    /// Filesystem or process error around the private server.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Result with the store's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn query(what: impl Into<String>, source: clickhouse::error::Error) -> Self {
        Error::Query {
            what: what.into(),
            source,
        }
    }

    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            what: what.into(),
            source,
        }
    }
}
