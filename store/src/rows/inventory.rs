//! A row of the `function_inventory` table
//! (migrations/0006_function_inventory.sql).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One function version's or alias's configuration as seen at `seen_at`.
/// Fields a source does not give are empty / 0.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, clickhouse::Row)]
pub struct FunctionConfigRow {
    /// Tenant the configuration belongs to.
    pub tenant: String,
    /// `provider` column value (`aws_lambda`).
    pub provider: String,
    /// Account id.
    pub account: String,
    /// Region code.
    pub region: String,
    /// Function name.
    pub function: String,
    /// Version (`$LATEST`, `3`) or alias (`live`).
    pub qualifier: String,
    /// `function` or `provisioned_concurrency`.
    pub kind: String,
    /// Configured memory, MB.
    pub memory_mb: u32,
    /// Configured timeout, ms.
    pub timeout_ms: u32,
    /// Runtime identifier (empty for container images).
    pub runtime: String,
    /// `x86_64` or `arm64`.
    pub arch: String,
    /// `Zip` or `Image`.
    pub package_type: String,
    /// Ephemeral storage (`/tmp`), MB.
    pub ephemeral_storage_mb: u32,
    /// SnapStart `ApplyOn`: `PublishedVersions` or `None`.
    pub snapstart_apply_on: String,
    /// SnapStart `OptimizationStatus`: `On` or `Off`.
    pub snapstart_status: String,
    /// Provisioned Concurrency requested.
    pub provisioned_requested: u32,
    /// Provisioned Concurrency allocated (what is billed once ready).
    pub provisioned_allocated: u32,
    /// `READY`, `IN_PROGRESS` or `FAILED`.
    pub provisioned_status: String,
    /// The configuration's `LastModified` as AWS prints it.
    pub last_modified: String,
    /// When the configuration was seen (the import's time unless given).
    #[serde(with = "clickhouse::serde::chrono::datetime")]
    pub seen_at: DateTime<Utc>,
    /// Where the row came from (`aws-lambda-functions`, …).
    pub source: String,
}

/// The `kind` of a list-functions entry.
pub const KIND_FUNCTION: &str = "function";
/// The `kind` of a Provisioned Concurrency configuration.
pub const KIND_PROVISIONED: &str = "provisioned_concurrency";
