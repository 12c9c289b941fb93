//! Assembles Lambda platform events into invocation records, one execution
//! environment at a time.
//!
//! An invocation is complete when its report arrives (`REPORT` line or
//! `platform.report`); the events before it add what the report lacks: the
//! start time (`START`/`platform.start`), the X-Ray trace, a timeout or
//! crash seen only as a log line, and — for the first invocation of an
//! environment — the init or restore that preceded it. Events of one
//! environment arrive in several requests, so state is kept per
//! environment between calls, bounded in size.
//!
//! Start types follow faasight's normalization rules: an on-demand init
//! makes the next invocation `cold`, unless the init finished more than
//! 10 s before it (`proactive`: Lambda initialised the environment ahead of
//! demand, nobody waited); provisioned concurrency and Lambda Managed
//! Instances give `provisioned`; a SnapStart restore gives `snapstart`; an
//! init re-run in the invoke phase gives `suppressed`; a report with none of
//! these is `warm`.
//!
//! The state survives a graceful restart of the collector ([`Assembler::save`]
//! on shutdown, [`Assembler::load`] at start): an environment initialised
//! before a deploy of the collector still gives its first invocation the
//! init. A crash loses it (inits then show as `warm`); the file is removed
//! as it is read so that a crash later cannot bring back inits already used.

#[doc(hidden)]
pub mod sequences;

use crate::codecs::lambda::{InitPhase, InitType, LambdaEvent, Report};
use chrono::{DateTime, Utc};
use faasight_store::{InvocationRow, LogRow};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::io;
use std::path::Path;

/// Inits that finished longer than this before the invocation were not
/// waited for.
const PROACTIVE_GAP_MS: i64 = 10_000;
/// Environments remembered per tenant at most; the least recently seen is
/// forgotten. Per tenant, so one tenant's flood of environments cannot
/// evict another's.
pub const MAX_ENVIRONMENTS_PER_TENANT: usize = 10_000;
/// Open invocations remembered per environment at most (an environment runs
/// one invocation at a time, Lambda Managed Instances a few dozen); past
/// it the one started longest ago is forgotten. Bounds what events with
/// ever new request ids (`platform.runtimeDone`, timeouts, faults without a
/// report) can make the table hold.
const MAX_OPEN: usize = 64;

/// Longest identity field or request id kept, in bytes. AWS's own limits
/// are far lower (function names 64 characters, log group and stream
/// names 512, request ids are UUIDs); state is kept per identity, so an
/// unbounded one would let a sender grow the table without limit.
pub const MAX_IDENTITY_BYTES: usize = 512;

/// Who the events are about: what the source knows of the function.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FunctionIdentity {
    /// Tenant the rows are written for.
    pub tenant: String,
    /// Account id.
    pub account: String,
    /// Region.
    pub region: String,
    /// Function name.
    pub function: String,
    /// Version, when the source says (a `START` line may override it).
    pub version: String,
    /// Runtime identifier, e.g. `python3.12`.
    pub runtime: String,
    /// `x86_64` or `arm64`.
    pub arch: String,
    /// Configured memory, when the source says (a report overrides it).
    pub memory_mb: u32,
    /// Configured timeout, when known.
    pub timeout_ms: u32,
    /// The execution environment: a log stream name or an extension's id.
    pub instance_id: String,
    /// `lambda-telemetry`, `cloudwatch`, `lambda-log`, …
    pub source: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct PendingInit {
    init_type: InitType,
    phase: InitPhase,
    duration_ms: f64,
    end: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Open {
    start: Option<DateTime<Utc>>,
    version: Option<String>,
    trace: Option<String>,
    status: Option<String>,
    error_type: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Environment {
    init: Option<PendingInit>,
    restore: Option<(f64, Option<DateTime<Utc>>)>,
    open: HashMap<String, Open>,
    /// Request currently running (between start and report), for
    /// attributing log lines that carry no request id.
    current: Option<String>,
    last_seen: u64,
}

/// What one call produced.
#[derive(Debug, Default)]
pub struct Assembled {
    /// Completed invocations (not yet normalized).
    pub invocations: Vec<InvocationRow>,
    /// Log lines and non-invocation platform events.
    pub logs: Vec<LogRow>,
    /// Events refused, with the reason (a duration Lambda cannot report,
    /// a time that leaves the calendar).
    pub rejected: Vec<String>,
}

/// What [`Assembler::undo`] needs to put one environment back.
#[derive(Debug)]
pub struct Undo {
    id: FunctionIdentity,
    before: Option<Environment>,
    /// The tick of the push: an environment touched since belongs to a
    /// later request, whose changes an undo must not wipe out.
    pushed_at: u64,
}

/// The environments of one tenant, with their order of use.
#[derive(Debug, Default)]
struct TenantEnvironments {
    envs: HashMap<FunctionIdentity, Environment>,
    /// `(tick, identity)` each time an environment is used, oldest first.
    /// An entry whose tick is older than its environment's `last_seen` is
    /// stale and skipped, so eviction pops from the front in amortised O(1)
    /// instead of scanning every environment under the lock.
    recency: VecDeque<(u64, FunctionIdentity)>,
}

impl TenantEnvironments {
    fn touch(&mut self, id: &FunctionIdentity, tick: u64) -> &mut Environment {
        if !self.envs.contains_key(id) {
            while self.envs.len() >= MAX_ENVIRONMENTS_PER_TENANT {
                let Some((seen, oldest)) = self.recency.pop_front() else {
                    break;
                };
                if self.envs.get(&oldest).is_some_and(|e| e.last_seen == seen) {
                    self.envs.remove(&oldest);
                }
            }
        }
        self.recency.push_back((tick, id.clone()));
        if self.recency.len() > 2 * MAX_ENVIRONMENTS_PER_TENANT {
            // Drop the stale entries (each environment keeps its newest).
            let envs = &self.envs;
            self.recency
                .retain(|(seen, id)| envs.get(id).is_some_and(|e| e.last_seen == *seen));
        }
        let env = self.envs.entry(id.clone()).or_default();
        env.last_seen = tick;
        env
    }
}

/// Per-environment state across calls, kept apart per tenant.
#[derive(Debug, Default)]
pub struct Assembler {
    tenants: HashMap<String, TenantEnvironments>,
    tick: u64,
}

/// Longest INIT, restore or invocation accepted: Lambda's 900 s function
/// timeout plus the overshoot of a timed-out report (see
/// `faasight_pricing::Provider::max_duration_ms`). Provisioned and
/// SnapStart inits run under the function timeout too.
fn max_lambda_ms() -> f64 {
    faasight_pricing::Provider::AwsLambda.max_duration_ms()
}

/// Refuses a duration Lambda cannot report, naming the field.
fn check_duration(field: &str, value: f64) -> Result<(), String> {
    if !value.is_finite() || value < 0.0 {
        return Err(format!(
            "{field} must be a finite number ≥ 0 ms, not {value}"
        ));
    }
    if value > max_lambda_ms() {
        return Err(format!(
            "{field} is {value} ms, longer than Lambda lets an invocation run ({} ms)",
            max_lambda_ms()
        ));
    }
    Ok(())
}

/// Epoch milliseconds of a time, refused before 1970 (ClickHouse's
/// `DateTime` starts there).
fn ms(t: DateTime<Utc>) -> Result<u64, String> {
    u64::try_from(t.timestamp_millis()).map_err(|_| format!("time {t} is before 1970"))
}

fn status_of(s: &str) -> &'static str {
    match s {
        "success" => "success",
        "timeout" => "timeout",
        _ => "error",
    }
}

/// The saved form: a list of pairs, as JSON object keys must be strings.
#[derive(Serialize)]
struct SavedRef<'a> {
    tick: u64,
    environments: Vec<(&'a FunctionIdentity, &'a Environment)>,
}

/// [`SavedRef`] read back.
#[derive(Deserialize)]
struct Saved {
    tick: u64,
    environments: Vec<(FunctionIdentity, Environment)>,
}

impl FunctionIdentity {
    /// Refuses an identity with a field longer than
    /// [`MAX_IDENTITY_BYTES`], naming the field.
    pub fn check(&self) -> Result<(), String> {
        for (field, value) in [
            ("tenant", &self.tenant),
            ("account", &self.account),
            ("region", &self.region),
            ("function", &self.function),
            ("version", &self.version),
            ("runtime", &self.runtime),
            ("arch", &self.arch),
            ("instance", &self.instance_id),
            ("source", &self.source),
        ] {
            if value.len() > MAX_IDENTITY_BYTES {
                return Err(format!(
                    "the {field} is {} bytes long; at most {MAX_IDENTITY_BYTES} are accepted",
                    value.len()
                ));
            }
        }
        Ok(())
    }
}

/// The request id an event names, if any.
fn request_id_of(event: &LambdaEvent) -> Option<&str> {
    match event {
        LambdaEvent::Start { request_id, .. }
        | LambdaEvent::RuntimeDone { request_id, .. }
        | LambdaEvent::End { request_id, .. }
        | LambdaEvent::Timeout { request_id, .. } => Some(request_id),
        LambdaEvent::Report(r) => Some(&r.request_id),
        LambdaEvent::Fault { request_id, .. } | LambdaEvent::Log { request_id, .. } => {
            request_id.as_deref()
        }
        _ => None,
    }
}

impl Assembler {
    /// A fresh assembler.
    pub fn new() -> Self {
        Assembler::default()
    }

    /// Environments with state kept, over all tenants.
    pub fn environments(&self) -> usize {
        self.tenants.values().map(|t| t.envs.len()).sum()
    }

    /// Environments with state kept for `tenant`.
    pub fn tenant_environments(&self, tenant: &str) -> usize {
        self.tenants.get(tenant).map_or(0, |t| t.envs.len())
    }

    /// Writes the state to `path` (through a temporary file, fsynced and
    /// renamed, so a crash while saving leaves no half-written file).
    pub fn save(&self, path: &Path) -> io::Result<()> {
        let text = serde_json::to_vec(&SavedRef {
            tick: self.tick,
            environments: self.tenants.values().flat_map(|t| t.envs.iter()).collect(),
        })
        .map_err(io::Error::other)?;
        let tmp = path.with_extension("tmp");
        {
            use std::io::Write;
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(&text)?;
            file.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    }

    /// The state saved at `path`, which is removed; a fresh assembler when
    /// there is no file. A file that cannot be read as saved state is an
    /// error naming it (it is left in place for a person to look at).
    pub fn load(path: &Path) -> io::Result<Assembler> {
        let text = match std::fs::read(path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Assembler::new()),
            Err(e) => return Err(e),
        };
        let saved: Saved = serde_json::from_slice(&text).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} is not saved Lambda environment state: {e}",
                    path.display()
                ),
            )
        })?;
        std::fs::remove_file(path)?;
        let mut environments = saved.environments;
        environments.sort_by_key(|(_, env)| env.last_seen);
        let mut assembler = Assembler {
            tenants: HashMap::new(),
            tick: saved.tick,
        };
        for (id, env) in environments {
            let tenant = assembler.tenants.entry(id.tenant.clone()).or_default();
            let seen = env.last_seen;
            *tenant.touch(&id, seen) = env;
        }
        Ok(assembler)
    }

    /// [`Assembler::push`], keeping what the environment was before so that
    /// [`Assembler::undo`] can put it back when the rows it produced could
    /// not be stored: the sender retries the same events, and they must
    /// find the init they attach to still pending.
    pub fn push_undoable(
        &mut self,
        id: &FunctionIdentity,
        events: impl IntoIterator<Item = (LambdaEvent, DateTime<Utc>)>,
    ) -> (Assembled, Undo) {
        let before = self
            .tenants
            .get(&id.tenant)
            .and_then(|t| t.envs.get(id))
            .cloned();
        let out = self.push(id, events);
        (
            out,
            Undo {
                id: id.clone(),
                before,
                pushed_at: self.tick,
            },
        )
    }

    /// Puts an environment back as it was before [`Assembler::push_undoable`],
    /// unless another request has used it since (then its state is that
    /// request's, and stays).
    pub fn undo(&mut self, undo: Undo) {
        let current = self
            .tenants
            .get(&undo.id.tenant)
            .and_then(|t| t.envs.get(&undo.id))
            .map(|e| e.last_seen);
        if current.is_some_and(|seen| seen != undo.pushed_at) {
            return;
        }
        match undo.before {
            Some(env) => {
                let tick = self.tick;
                *self
                    .tenants
                    .entry(undo.id.tenant.clone())
                    .or_default()
                    .touch(&undo.id, tick) = Environment {
                    last_seen: tick,
                    ..env
                };
            }
            None => self.forget(&undo.id),
        }
    }

    /// Forgets the state of one environment (after a failure part-way
    /// through its events, so nothing half-applied stays behind).
    pub fn forget(&mut self, id: &FunctionIdentity) {
        if let Some(t) = self.tenants.get_mut(&id.tenant) {
            t.envs.remove(id);
        }
    }

    /// Feeds the events of one environment, in order. `fallback_time` gives
    /// each event's time when the event itself has none (a CloudWatch
    /// event's timestamp, or the time of the request).
    pub fn push(
        &mut self,
        id: &FunctionIdentity,
        events: impl IntoIterator<Item = (LambdaEvent, DateTime<Utc>)>,
    ) -> Assembled {
        self.tick += 1;
        let env = self
            .tenants
            .entry(id.tenant.clone())
            .or_default()
            .touch(id, self.tick);
        let mut out = Assembled::default();
        for (event, fallback) in events {
            let too_long = request_id_of(&event)
                .map(str::len)
                .into_iter()
                .chain(match &event {
                    LambdaEvent::Start {
                        version: Some(v), ..
                    } => Some(v.len()),
                    _ => None,
                })
                .any(|n| n > MAX_IDENTITY_BYTES);
            if too_long {
                out.rejected.push(format!(
                    "an event's request id or version is longer than {MAX_IDENTITY_BYTES} bytes"
                ));
                continue;
            }
            apply(env, id, event, fallback, &mut out);
        }
        let (logs, unstorable): (Vec<LogRow>, Vec<LogRow>) = std::mem::take(&mut out.logs)
            .into_iter()
            .partition(|l| crate::normalize::storable_time(l.timestamp));
        out.logs = logs;
        out.rejected.extend(unstorable.iter().map(|l| {
            format!(
                "a log line's time {} is outside what is stored (1970-01-01..2106-02-07)",
                l.timestamp
            )
        }));
        out
    }
}

fn log_row(
    id: &FunctionIdentity,
    time: DateTime<Utc>,
    request_id: Option<String>,
    level: Option<String>,
    body: String,
    origin: &str,
) -> LogRow {
    LogRow {
        tenant: id.tenant.clone(),
        timestamp: time,
        time_unix_nano: time.timestamp_nanos_opt().unwrap_or(0).max(0) as u64,
        severity_text: level.unwrap_or_default(),
        body,
        service_name: id.function.clone(),
        function: id.function.clone(),
        request_id: request_id.unwrap_or_default(),
        attribute_keys: vec!["faas.log.origin".into(), "faas.instance".into()],
        attribute_values: vec![origin.into(), id.instance_id.clone()],
        source: id.source.clone(),
        ..Default::default()
    }
}

fn apply(
    env: &mut Environment,
    id: &FunctionIdentity,
    event: LambdaEvent,
    fallback: DateTime<Utc>,
    out: &mut Assembled,
) {
    match event {
        LambdaEvent::InitStart { .. } | LambdaEvent::RestoreStart { .. } => {}
        LambdaEvent::InitReport {
            time,
            init_type,
            phase,
            duration_ms,
            ..
        } => {
            if let Err(e) = check_duration("the init's duration", duration_ms) {
                out.rejected.push(e);
                return;
            }
            env.init = Some(PendingInit {
                init_type,
                phase,
                duration_ms,
                end: time.or(Some(fallback)),
            });
        }
        LambdaEvent::RestoreReport {
            time, duration_ms, ..
        } => {
            let duration_ms = duration_ms.unwrap_or(0.0);
            if let Err(e) = check_duration("the restore's duration", duration_ms) {
                out.rejected.push(e);
                return;
            }
            env.restore = Some((duration_ms, time.or(Some(fallback))));
        }
        LambdaEvent::Start {
            time,
            request_id,
            version,
            xray_trace_id,
        } => {
            let open = open_invocation(env, request_id.clone());
            open.start = Some(time.unwrap_or(fallback));
            open.version = version;
            open.trace = xray_trace_id;
            env.current = Some(request_id);
        }
        LambdaEvent::RuntimeDone {
            request_id,
            status,
            error_type,
            ..
        } => {
            let open = open_invocation(env, request_id);
            open.status = Some(status);
            open.error_type = error_type;
        }
        LambdaEvent::Timeout { request_id, .. } => {
            let open = open_invocation(env, request_id);
            open.status = Some("timeout".into());
            open.error_type
                .get_or_insert_with(|| "Sandbox.Timedout".into());
        }
        LambdaEvent::Fault {
            time,
            request_id,
            message,
        } => {
            if let Some(rid) = request_id.clone().or_else(|| env.current.clone()) {
                let open = open_invocation(env, rid);
                if open.status.is_none() {
                    open.status = Some("error".into());
                    open.error_type = Some("Runtime.ExitError".into());
                }
            }
            out.logs.push(log_row(
                id,
                time.unwrap_or(fallback),
                request_id,
                Some("ERROR".into()),
                message,
                "platform",
            ));
        }
        LambdaEvent::End { .. } => {}
        LambdaEvent::Report(report) => {
            let time = report.time.unwrap_or(fallback);
            let open = env.open.remove(&report.request_id).unwrap_or_default();
            if env.current.as_deref() == Some(report.request_id.as_str()) {
                env.current = None;
            }
            match invocation(env, id, report, open, time) {
                Ok(row) => out.invocations.push(row),
                Err(e) => out.rejected.push(e),
            }
        }
        LambdaEvent::Log {
            time,
            request_id,
            level,
            origin,
            message,
        } => {
            let rid = request_id.or_else(|| env.current.clone());
            out.logs.push(log_row(
                id,
                time.unwrap_or(fallback),
                rid,
                level,
                message,
                origin,
            ));
        }
        LambdaEvent::Other { time, kind, detail } => {
            out.logs.push(log_row(
                id,
                time.unwrap_or(fallback),
                None,
                Some(kind),
                detail,
                "platform",
            ));
        }
    }
}

/// The open invocation `request_id`, made room for if the environment
/// already remembers [`MAX_OPEN`] (the one started longest ago goes).
fn open_invocation(env: &mut Environment, request_id: String) -> &mut Open {
    if env.open.len() >= MAX_OPEN && !env.open.contains_key(&request_id) {
        if let Some(oldest) = env
            .open
            .iter()
            .min_by_key(|(_, o)| o.start)
            .map(|(k, _)| k.clone())
        {
            env.open.remove(&oldest);
        }
    }
    env.open.entry(request_id).or_default()
}

/// The invocation a report completes, or why the report is refused. All
/// time arithmetic is checked: a report is hostile input.
fn invocation(
    env: &mut Environment,
    id: &FunctionIdentity,
    report: Report,
    open: Open,
    report_time: DateTime<Utc>,
) -> Result<InvocationRow, String> {
    let request = &report.request_id;
    check_duration("durationMs", report.duration_ms)
        .map_err(|e| format!("request {request}: {e}"))?;
    for (field, value) in [
        ("initDurationMs", report.init_duration_ms),
        ("restoreDurationMs", report.restore_duration_ms),
    ] {
        if let Some(v) = value {
            check_duration(field, v).map_err(|e| format!("request {request}: {e}"))?;
        }
    }
    let start = match open.start {
        Some(start) => start,
        // The duration is checked above, so the microseconds fit.
        None => report_time
            .checked_sub_signed(chrono::Duration::microseconds(
                (report.duration_ms * 1000.0) as i64,
            ))
            .ok_or_else(|| {
                format!("request {request}: its start (report time {report_time} − durationMs) leaves the calendar")
            })?,
    };
    let start_time_ms = ms(start).map_err(|e| format!("request {request}: {e}"))?;
    let mut start_type = "warm";
    let mut init_duration_ms = report.init_duration_ms.unwrap_or(0.0);
    if let Some(init) = env.init.take() {
        init_duration_ms = report.init_duration_ms.unwrap_or(init.duration_ms);
        let gap = init
            .end
            .map(|e| start.signed_duration_since(e).num_milliseconds())
            .unwrap_or(0);
        start_type = match (init.phase, init.init_type) {
            (InitPhase::Invoke, _) => "suppressed",
            (_, InitType::ProvisionedConcurrency | InitType::ManagedInstances) => "provisioned",
            (_, InitType::SnapStart) => "snapstart",
            _ if gap > PROACTIVE_GAP_MS => "proactive",
            _ => "cold",
        };
    } else if report.init_duration_ms.is_some() {
        start_type = "cold";
    }
    let mut restore_duration_ms = report.restore_duration_ms.unwrap_or(0.0);
    if let Some((d, _)) = env.restore.take() {
        if restore_duration_ms == 0.0 {
            restore_duration_ms = d;
        }
    }
    if restore_duration_ms > 0.0 && start_type != "suppressed" {
        start_type = "snapstart";
    }
    let status = report
        .status
        .as_deref()
        .or(open.status.as_deref())
        .map(status_of)
        .unwrap_or("success");
    let error_type = report
        .error_type
        .or(open.error_type)
        .filter(|_| status != "success")
        .unwrap_or_default();
    Ok(InvocationRow {
        tenant: id.tenant.clone(),
        provider: "aws_lambda".into(),
        account: id.account.clone(),
        region: id.region.clone(),
        function: id.function.clone(),
        version: open.version.unwrap_or_else(|| id.version.clone()),
        runtime: id.runtime.clone(),
        arch: id.arch.clone(),
        memory_mb: report.memory_size_mb.unwrap_or(id.memory_mb),
        timeout_ms: id.timeout_ms,
        request_id: report.request_id,
        instance_id: id.instance_id.clone(),
        trace_id: report.xray_trace_id.or(open.trace).unwrap_or_default(),
        start_time_ms,
        duration_ms: report.duration_ms,
        billed_duration_ms: report.billed_duration_ms.unwrap_or(0),
        init_duration_ms,
        restore_duration_ms,
        billed_restore_duration_ms: report.billed_restore_duration_ms.unwrap_or(0),
        start_type: start_type.into(),
        max_memory_used_mb: report.max_memory_used_mb.unwrap_or(0),
        status: status.into(),
        error_type,
        source: id.source.clone(),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codecs::lambda_log::parse_line;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn identity() -> FunctionIdentity {
        FunctionIdentity {
            tenant: "default".into(),
            function: "orders".into(),
            region: "us-east-1".into(),
            instance_id: "2026/01/01/[$LATEST]abc".into(),
            source: "test".into(),
            ..Default::default()
        }
    }

    fn lines(a: &mut Assembler, ls: &[(&str, &str)]) -> Assembled {
        a.push(
            &identity(),
            ls.iter().map(|(time, line)| (parse_line(line), t(time))),
        )
    }

    #[test]
    fn cold_then_warm_from_text_logs() {
        let mut a = Assembler::new();
        let out = lines(
            &mut a,
            &[
                ("2026-01-01T00:00:00Z", "INIT_START Runtime Version: python:3.12.v18\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:abc"),
                ("2026-01-01T00:00:00.300Z", "START RequestId: 6f7f0961-f834-4211-8a7a-f6fe80b88d56 Version: $LATEST"),
                ("2026-01-01T00:00:00.310Z", "2026-01-01T00:00:00.310Z\t6f7f0961-f834-4211-8a7a-f6fe80b88d56\tINFO\thello"),
                ("2026-01-01T00:00:00.400Z", "END RequestId: 6f7f0961-f834-4211-8a7a-f6fe80b88d56"),
                ("2026-01-01T00:00:00.400Z", "REPORT RequestId: 6f7f0961-f834-4211-8a7a-f6fe80b88d56\tDuration: 100.00 ms\tBilled Duration: 401 ms\tMemory Size: 256 MB\tMax Memory Used: 80 MB\tInit Duration: 300.12 ms"),
                ("2026-01-01T00:01:00Z", "START RequestId: r2 Version: $LATEST"),
                ("2026-01-01T00:01:00.050Z", "REPORT RequestId: r2\tDuration: 50.00 ms\tBilled Duration: 50 ms\tMemory Size: 256 MB\tMax Memory Used: 81 MB"),
            ],
        );
        assert_eq!(out.invocations.len(), 2);
        let (r1, r2) = (&out.invocations[0], &out.invocations[1]);
        assert_eq!(
            (
                r1.start_type.as_str(),
                r1.init_duration_ms,
                r1.billed_duration_ms
            ),
            ("cold", 300.12, 401)
        );
        assert_eq!(r1.start_time_ms, ms(t("2026-01-01T00:00:00.300Z")).unwrap());
        assert_eq!(
            (r1.version.as_str(), r1.memory_mb, r1.max_memory_used_mb),
            ("$LATEST", 256, 80)
        );
        assert_eq!((r2.start_type.as_str(), r2.init_duration_ms), ("warm", 0.0));
        assert_eq!(out.logs.len(), 1);
        assert_eq!(
            (out.logs[0].request_id.as_str(), out.logs[0].body.as_str()),
            ("6f7f0961-f834-4211-8a7a-f6fe80b88d56", "hello")
        );
    }

    #[test]
    fn an_init_survives_a_save_and_load_between_its_report_and_the_invocation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lambda-environments.json");
        let init = [
            ("2026-01-01T00:00:00Z", "INIT_START Runtime Version: python:3.12.v18\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:abc"),
            ("2026-01-01T00:00:00.250Z", "INIT_REPORT Init Duration: 250.50 ms\tPhase: init\tStatus: success"),
        ];
        let invocation = [
            ("2026-01-01T00:00:00.300Z", "START RequestId: r1 Version: $LATEST"),
            ("2026-01-01T00:00:00.400Z", "REPORT RequestId: r1\tDuration: 100.00 ms\tBilled Duration: 100 ms\tMemory Size: 256 MB\tMax Memory Used: 80 MB"),
        ];
        let mut before = Assembler::new();
        assert!(lines(&mut before, &init).invocations.is_empty());
        before.save(&path).unwrap();

        let mut after = Assembler::load(&path).unwrap();
        assert_eq!(after.environments(), 1);
        assert!(!path.exists(), "the file is removed once read");
        let out = lines(&mut after, &invocation);
        let r = &out.invocations[0];
        assert_eq!((r.start_type.as_str(), r.init_duration_ms), ("cold", 250.5));

        // Without the saved state the same invocation looks warm.
        let out = lines(&mut Assembler::load(&path).unwrap(), &invocation);
        assert_eq!(out.invocations[0].start_type, "warm");
    }

    #[test]
    fn a_damaged_state_file_is_an_error_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lambda-environments.json");
        std::fs::write(&path, b"{\"tick\": 1, \"environ").unwrap();
        let err = Assembler::load(&path).unwrap_err().to_string();
        assert!(err.contains("lambda-environments.json"), "{err}");
        assert!(path.exists(), "left for a person to look at");
    }

    #[test]
    fn one_tenants_flood_of_environments_evicts_only_its_own_oldest() {
        let init = LambdaEvent::InitReport {
            time: Some(t("2026-01-01T00:00:00Z")),
            init_type: InitType::OnDemand,
            phase: InitPhase::Init,
            duration_ms: 100.0,
            status: None,
            error_type: None,
        };
        let env = |tenant: &str, i: usize| FunctionIdentity {
            tenant: tenant.into(),
            function: "f".into(),
            instance_id: format!("i{i}"),
            ..Default::default()
        };
        let mut a = Assembler::new();
        a.push(
            &env("quiet", 0),
            [(init.clone(), t("2026-01-01T00:00:00Z"))],
        );
        for i in 0..MAX_ENVIRONMENTS_PER_TENANT + 5 {
            a.push(
                &env("noisy", i),
                [(init.clone(), t("2026-01-01T00:00:00Z"))],
            );
            if i == 10 {
                // Used again: no longer among the oldest.
                a.push(&env("noisy", 0), []);
            }
        }
        assert_eq!(a.tenant_environments("noisy"), MAX_ENVIRONMENTS_PER_TENANT);
        assert_eq!(a.tenant_environments("quiet"), 1);
        // The five least recently used were i1..=i5 (i0 was touched after i10).
        let report = |rid: &str| {
            LambdaEvent::Report(Report {
                request_id: rid.into(),
                duration_ms: 5.0,
                ..Default::default()
            })
        };
        let start_type = |a: &mut Assembler, id: FunctionIdentity| {
            a.push(&id, [(report("r"), t("2026-01-01T00:00:01Z"))])
                .invocations[0]
                .start_type
                .clone()
        };
        assert_eq!(start_type(&mut a, env("noisy", 0)), "cold");
        assert_eq!(start_type(&mut a, env("noisy", 6)), "cold");
        assert_eq!(start_type(&mut a, env("quiet", 0)), "cold");
        assert_eq!(start_type(&mut a, env("noisy", 2)), "warm", "evicted");
    }

    #[test]
    fn an_undo_restores_the_init_unless_a_later_request_used_the_environment() {
        let init = (
            LambdaEvent::InitReport {
                time: Some(t("2026-01-01T00:00:00Z")),
                init_type: InitType::OnDemand,
                phase: InitPhase::Init,
                duration_ms: 100.0,
                status: None,
                error_type: None,
            },
            t("2026-01-01T00:00:00Z"),
        );
        let report = |rid: &str| {
            (
                LambdaEvent::Report(Report {
                    request_id: rid.into(),
                    duration_ms: 5.0,
                    ..Default::default()
                }),
                t("2026-01-01T00:00:01Z"),
            )
        };
        // A's rows were not stored: the retry finds the init again.
        let mut a = Assembler::new();
        a.push(&identity(), [init.clone()]);
        let (out, undo) = a.push_undoable(&identity(), [report("r1")]);
        assert_eq!(out.invocations[0].start_type, "cold");
        a.undo(undo);
        assert_eq!(
            a.push(&identity(), [report("r1")]).invocations[0].start_type,
            "cold"
        );

        // B used the environment after A: A's undo leaves B's state.
        let mut a = Assembler::new();
        a.push(&identity(), [init]);
        let (_, undo) = a.push_undoable(&identity(), [report("r1")]);
        a.push(&identity(), [report("r2")]);
        a.undo(undo);
        assert_eq!(
            a.push(&identity(), [report("r3")]).invocations[0].start_type,
            "warm"
        );
    }

    #[test]
    fn identities_and_request_ids_past_the_bound_are_refused() {
        let mut id = identity();
        assert!(id.check().is_ok());
        id.instance_id = "x".repeat(MAX_IDENTITY_BYTES + 1);
        let e = id.check().unwrap_err();
        assert!(e.contains("instance") && e.contains("513 bytes"), "{e}");

        let mut a = Assembler::new();
        let out = a.push(
            &identity(),
            [(
                LambdaEvent::Start {
                    time: None,
                    request_id: "r".repeat(MAX_IDENTITY_BYTES + 1),
                    version: None,
                    xray_trace_id: None,
                },
                t("2026-01-01T00:00:00Z"),
            )],
        );
        assert_eq!(out.rejected.len(), 1, "{:?}", out.rejected);
    }

    #[test]
    fn old_timeouts_are_read_from_the_task_timed_out_line() {
        let mut a = Assembler::new();
        let out = lines(
            &mut a,
            &[
                ("2020-11-10T05:46:54.800Z", "START RequestId: 160788cd-45ff-4583-809f-c7e31127cb95 Version: $LATEST"),
                ("2020-11-10T05:46:57.874Z", "2020-11-10T05:46:57.874Z 160788cd-45ff-4583-809f-c7e31127cb95 Task timed out after 3.07 seconds"),
                ("2020-11-10T05:46:57.875Z", "REPORT RequestId: 160788cd-45ff-4583-809f-c7e31127cb95\tDuration: 3070.00 ms\tBilled Duration: 3100 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB"),
            ],
        );
        let r = &out.invocations[0];
        assert_eq!(
            (r.status.as_str(), r.error_type.as_str()),
            ("timeout", "Sandbox.Timedout")
        );
    }

    #[test]
    fn init_types_and_phases_decide_the_start_type() {
        let cases = [
            (
                InitType::OnDemand,
                InitPhase::Init,
                "2026-01-01T00:00:00.100Z",
                "cold",
            ),
            (
                InitType::OnDemand,
                InitPhase::Init,
                "2026-01-01T00:00:30Z",
                "proactive",
            ),
            (
                InitType::ProvisionedConcurrency,
                InitPhase::Init,
                "2026-01-01T01:00:00Z",
                "provisioned",
            ),
            (
                InitType::ManagedInstances,
                InitPhase::Init,
                "2026-01-01T00:00:00.100Z",
                "provisioned",
            ),
            (
                InitType::SnapStart,
                InitPhase::Init,
                "2026-01-01T00:00:00.100Z",
                "snapstart",
            ),
            (
                InitType::OnDemand,
                InitPhase::Invoke,
                "2026-01-01T00:00:00.100Z",
                "suppressed",
            ),
        ];
        for (init_type, phase, start, expected) in cases {
            let mut a = Assembler::new();
            let events = vec![
                (
                    LambdaEvent::InitReport {
                        time: Some(t("2026-01-01T00:00:00Z")),
                        init_type,
                        phase,
                        duration_ms: 250.0,
                        status: None,
                        error_type: None,
                    },
                    t("2026-01-01T00:00:00Z"),
                ),
                (
                    LambdaEvent::Start {
                        time: Some(t(start)),
                        request_id: "r".into(),
                        version: None,
                        xray_trace_id: None,
                    },
                    t(start),
                ),
                (
                    LambdaEvent::Report(Report {
                        request_id: "r".into(),
                        duration_ms: 5.0,
                        status: Some("success".into()),
                        ..Default::default()
                    }),
                    t(start),
                ),
            ];
            let out = a.push(&identity(), events);
            assert_eq!(
                out.invocations[0].start_type, expected,
                "{init_type:?} {phase:?} at {start}"
            );
            assert_eq!(out.invocations[0].init_duration_ms, 250.0);
        }
    }

    #[test]
    fn state_spans_calls_and_reports_carry_errors() {
        let mut a = Assembler::new();
        let first = a.push(
            &identity(),
            vec![
                (
                    LambdaEvent::InitReport {
                        time: None,
                        init_type: InitType::OnDemand,
                        phase: InitPhase::Init,
                        duration_ms: 90.0,
                        status: None,
                        error_type: None,
                    },
                    t("2026-01-01T00:00:00Z"),
                ),
                (
                    LambdaEvent::Start {
                        time: None,
                        request_id: "r".into(),
                        version: Some("7".into()),
                        xray_trace_id: Some("1-abc-def".into()),
                    },
                    t("2026-01-01T00:00:00.100Z"),
                ),
            ],
        );
        assert!(first.invocations.is_empty());
        let second = a.push(
            &identity(),
            vec![(
                LambdaEvent::Report(Report {
                    request_id: "r".into(),
                    duration_ms: 10.0,
                    status: Some("error".into()),
                    error_type: Some("Runtime.OutOfMemory".into()),
                    ..Default::default()
                }),
                t("2026-01-01T00:00:00.200Z"),
            )],
        );
        let r = &second.invocations[0];
        assert_eq!(
            (
                r.start_type.as_str(),
                r.version.as_str(),
                r.trace_id.as_str()
            ),
            ("cold", "7", "1-abc-def")
        );
        assert_eq!(
            (r.status.as_str(), r.error_type.as_str()),
            ("error", "Runtime.OutOfMemory")
        );
        assert_eq!(r.start_time_ms, ms(t("2026-01-01T00:00:00.100Z")).unwrap());
    }
}
