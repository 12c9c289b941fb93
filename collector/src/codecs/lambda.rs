//! AWS Lambda platform events, whatever carried them.
//!
//! The same facts reach faasight three ways: as text lines in CloudWatch
//! Logs (`REPORT RequestId: … Duration: …`, see `lambda_log`), as JSON
//! events from the Telemetry API (`platform.report`, see `lambda_telemetry`),
//! or as CloudWatch's JSON log format (`{"type":"platform.report",…}`, also
//! `lambda_log`). Each decoder turns its input into [`LambdaEvent`]s, and
//! `lambda_env` assembles the events of one execution environment into
//! invocation records. Formats are documented at
//! <https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html>
//! and <https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html>.

use chrono::{DateTime, Utc};

/// How an execution environment was initialised (`initializationType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum InitType {
    /// `on-demand`: initialised for a waiting request (a cold start).
    OnDemand,
    /// `provisioned-concurrency`: initialised ahead of requests.
    ProvisionedConcurrency,
    /// `snap-start`: restored from a SnapStart snapshot.
    SnapStart,
    /// `lambda-managed-instances`: Lambda Managed Instances.
    ManagedInstances,
    /// Not stated by the source (text logs never say).
    Unknown,
}

impl InitType {
    /// Parses an `initializationType` value.
    pub fn parse(s: &str) -> InitType {
        match s {
            "on-demand" => InitType::OnDemand,
            "provisioned-concurrency" => InitType::ProvisionedConcurrency,
            "snap-start" => InitType::SnapStart,
            "lambda-managed-instances" => InitType::ManagedInstances,
            _ => InitType::Unknown,
        }
    }
}

/// The phase an INIT ran in: normally `init`; `invoke` when a failed or
/// timed-out init was retried as part of the first invocation (a
/// "suppressed init").
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum InitPhase {
    /// The init phase proper.
    Init,
    /// Re-run during the invoke phase.
    Invoke,
}

/// The end-of-invocation report: a `REPORT` line or a `platform.report`
/// event. Durations in ms; `None` where the source did not say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// When the report was written (the end of the invocation), if known.
    pub time: Option<DateTime<Utc>>,
    /// The invocation's request id.
    pub request_id: String,
    /// Wall-clock duration of the invoke phase.
    pub duration_ms: f64,
    /// Billed duration, as Lambda reported it.
    pub billed_duration_ms: Option<u64>,
    /// Configured memory.
    pub memory_size_mb: Option<u32>,
    /// Peak memory used.
    pub max_memory_used_mb: Option<u32>,
    /// INIT duration, present on the first invocation of an on-demand environment.
    pub init_duration_ms: Option<f64>,
    /// SnapStart restore duration.
    pub restore_duration_ms: Option<f64>,
    /// Billed SnapStart restore duration.
    pub billed_restore_duration_ms: Option<u64>,
    /// `success`, `error`, `timeout`, `failure` as reported (None on old lines
    /// without a Status field).
    pub status: Option<String>,
    /// Error type, e.g. `Runtime.OutOfMemory`.
    pub error_type: Option<String>,
    /// X-Ray trace id (`1-5e1b4151-43a0913a12345678901234567`), if present.
    pub xray_trace_id: Option<String>,
}

/// One platform or log event.
#[derive(Debug, Clone, PartialEq)]
pub enum LambdaEvent {
    /// `INIT_START` / `platform.initStart`.
    InitStart {
        /// When the init began.
        time: Option<DateTime<Utc>>,
        /// Initialisation type (Unknown from text logs).
        init_type: InitType,
        /// Runtime version, e.g. `python:3.12.v18` or `nodejs-14.v3`.
        runtime_version: Option<String>,
        /// Phase.
        phase: InitPhase,
    },
    /// `INIT_REPORT` / `platform.initReport` (also the `Init Duration` of a
    /// REPORT line is carried on the [`Report`] itself).
    InitReport {
        /// When the report was written.
        time: Option<DateTime<Utc>>,
        /// Initialisation type.
        init_type: InitType,
        /// Phase.
        phase: InitPhase,
        /// INIT duration.
        duration_ms: f64,
        /// `success`, `error`, `timeout`, `failure`, when stated.
        status: Option<String>,
        /// Error type, when stated.
        error_type: Option<String>,
    },
    /// `RESTORE_START` / `platform.restoreStart`.
    RestoreStart {
        /// When the restore began.
        time: Option<DateTime<Utc>>,
        /// Runtime version, when stated.
        runtime_version: Option<String>,
    },
    /// `RESTORE_REPORT` / `platform.restoreReport`.
    RestoreReport {
        /// When the report was written.
        time: Option<DateTime<Utc>>,
        /// Restore duration, when stated.
        duration_ms: Option<f64>,
        /// Status, when stated.
        status: Option<String>,
        /// Error type, when stated.
        error_type: Option<String>,
    },
    /// `START RequestId: …` / `platform.start`.
    Start {
        /// When the invocation began.
        time: Option<DateTime<Utc>>,
        /// Request id.
        request_id: String,
        /// Function version (`$LATEST`, `12`), when stated.
        version: Option<String>,
        /// X-Ray trace id, when stated.
        xray_trace_id: Option<String>,
    },
    /// `platform.runtimeDone`: the runtime finished the invocation.
    RuntimeDone {
        /// When.
        time: Option<DateTime<Utc>>,
        /// Request id.
        request_id: String,
        /// `success`, `error`, `timeout`, `failure`.
        status: String,
        /// Error type, when stated.
        error_type: Option<String>,
        /// Duration of the runtime's work (`metrics.durationMs`), when stated.
        duration_ms: Option<f64>,
    },
    /// `END RequestId: …` / `platform.end`.
    End {
        /// When.
        time: Option<DateTime<Utc>>,
        /// Request id.
        request_id: String,
    },
    /// `REPORT …` / `platform.report`.
    Report(Report),
    /// `… Task timed out after 3.07 seconds` (old logs state timeouts only so).
    Timeout {
        /// When.
        time: Option<DateTime<Utc>>,
        /// Request id.
        request_id: String,
        /// Seconds the task ran.
        seconds: f64,
    },
    /// `platform.fault` or a runtime crash line: the invocation failed.
    Fault {
        /// When.
        time: Option<DateTime<Utc>>,
        /// Request id, when the text names one.
        request_id: Option<String>,
        /// The message.
        message: String,
    },
    /// A function or extension log line (`function`/`extension` events, or
    /// any line that is not a platform line).
    Log {
        /// When, if known.
        time: Option<DateTime<Utc>>,
        /// The request it belongs to, when known.
        request_id: Option<String>,
        /// Level (`INFO`, `ERROR`, …), when known.
        level: Option<String>,
        /// `function`, `extension` or `platform`.
        origin: &'static str,
        /// The text.
        message: String,
    },
    /// Platform events that carry no invocation data
    /// (`platform.extension`, `platform.telemetrySubscription`,
    /// `platform.logsDropped`, …): kept as logs.
    Other {
        /// When.
        time: Option<DateTime<Utc>>,
        /// Event type, e.g. `platform.logsDropped`.
        kind: String,
        /// The event's record, as JSON text.
        detail: String,
    },
}
