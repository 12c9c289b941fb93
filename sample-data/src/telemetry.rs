//! Spans and logs of traced requests, shaped as an OpenTelemetry SDK in the
//! function would export them: one SERVER span per invocation (named after
//! the route, with the FaaS attributes faasight's collector reads), one
//! CLIENT span per database query, outside API call or invocation of
//! another function, and log records tied to the trace, span and request:
//! the platform's start and end lines, the application's own lines and,
//! for a failed request, the error.
//!
//! Times are given in ms after the invocation's start (`start_time_ms` of
//! its row), so that nesting survives the conversion to nanoseconds.

use crate::catalog::{FunctionSpec, Step};
use chrono::{TimeZone, Utc};
use faasight_store::{InvocationRow, LogRow, SpanRow};

/// OTLP span kinds.
const SERVER: i8 = 2;
const CLIENT: i8 = 3;
/// OTLP status codes.
const STATUS_UNSET: i8 = 0;
const STATUS_ERROR: i8 = 2;
/// OTLP severity numbers.
const INFO: i8 = 9;
const WARN: i8 = 13;
const ERROR: i8 = 17;
/// Instrumentation scope of the demo's spans and application logs.
const SCOPE: &str = "faasight-demo";
/// Scope of the platform's log lines (START, END, REPORT, …).
const PLATFORM_SCOPE: &str = "platform";

/// Spans and logs of one request tree (a request and the calls it made),
/// or of many.
#[derive(Debug, Default)]
pub(crate) struct Telemetry {
    pub(crate) spans: Vec<SpanRow>,
    pub(crate) logs: Vec<LogRow>,
    /// The tree could not be drawn consistently (a request was killed at
    /// its timeout while a call was still open): it is dropped.
    pub(crate) broken: bool,
}

impl Telemetry {
    /// Adds a finished request tree, unless it is broken.
    pub(crate) fn append(&mut self, tree: Telemetry) {
        if !tree.broken {
            self.spans.extend(tree.spans);
            self.logs.extend(tree.logs);
        }
    }
}

/// A CLIENT span planned while the request's timeline is laid out, with the
/// log line the application writes when it returns.
#[derive(Debug)]
pub(crate) struct Planned {
    span_id: String,
    name: String,
    /// Start and end, ms after the invocation's start.
    pub(crate) start: f64,
    pub(crate) end: f64,
    attributes: Vec<(&'static str, String)>,
    /// Status message when the call failed.
    error: Option<String>,
    log: (i8, String),
}

impl Planned {
    /// A database query or a call to an outside API.
    pub(crate) fn step(span_id: String, step: &Step, start: f64, end: f64) -> Planned {
        let took = end - start;
        match *step {
            Step::Db {
                system,
                operation,
                target,
            } => Planned {
                span_id,
                name: format!("{operation} {target}"),
                start,
                end,
                attributes: vec![
                    ("db.system.name", system.to_string()),
                    ("db.operation.name", operation.to_string()),
                    ("db.collection.name", target.to_string()),
                ],
                error: None,
                log: (INFO, format!("{operation} {target} took {took:.1} ms")),
            },
            Step::Http { method, host, path } => Planned {
                span_id,
                name: format!("{method} {host}{path}"),
                start,
                end,
                attributes: vec![
                    ("http.request.method", method.to_string()),
                    ("server.address", host.to_string()),
                    ("url.full", format!("https://{host}{path}")),
                    ("http.response.status_code", "200".to_string()),
                ],
                error: None,
                log: (
                    INFO,
                    format!("{method} {host}{path} -> 200 in {took:.0} ms"),
                ),
            },
            Step::Invoke { .. } => unreachable!("calls are planned with Planned::call"),
            Step::Repeat { .. } => unreachable!("repeats are planned once per item"),
        }
    }

    /// A synchronous invocation of `callee`, which produced `row`.
    pub(crate) fn call(
        span_id: String,
        callee: &FunctionSpec,
        row: &InvocationRow,
        start: f64,
        end: f64,
    ) -> Planned {
        let took = end - start;
        let ok = row.status == "success";
        let error = (!ok).then(|| format!("{} {}: {}", callee.name, row.status, row.error_type));
        let log = match &error {
            None => (INFO, format!("{} answered in {took:.0} ms", callee.name)),
            Some(e) => (WARN, format!("{e} after {took:.0} ms")),
        };
        let (provider, _) = cloud(callee.provider);
        let (name, rpc) = if provider == "aws" {
            (format!("Lambda.Invoke {}", callee.name), "aws-api")
        } else {
            (format!("invoke {}", callee.name), "http")
        };
        Planned {
            span_id,
            name,
            start,
            end,
            attributes: vec![
                ("rpc.system", rpc.to_string()),
                ("rpc.method", "Invoke".to_string()),
                ("faas.invoked_name", callee.name.to_string()),
                ("faas.invoked_provider", provider.to_string()),
                ("faas.invoked_region", callee.region.to_string()),
            ],
            error,
            log,
        }
    }
}

/// The invocation's own SERVER span.
#[derive(Debug)]
pub(crate) struct Server {
    pub(crate) span_id: String,
    /// The caller's CLIENT span, empty for a trace's root.
    pub(crate) parent_span_id: String,
    /// Start (after INIT or restore) and end, ms after the invocation's start.
    pub(crate) start: f64,
    pub(crate) end: f64,
    /// The span's name: the request's route for HTTP functions (see
    /// [`FunctionSpec::routes`]), the function's name otherwise.
    pub(crate) operation: &'static str,
    /// The callee whose failure failed this request.
    pub(crate) failed_call: Option<&'static str>,
}

/// Epoch nanoseconds of `offset_ms` after epoch millisecond `t_ms`.
fn ns(t_ms: u64, offset_ms: f64) -> u64 {
    t_ms * 1_000_000 + (offset_ms.max(0.0) * 1e6).round() as u64
}

fn seconds(ns: u64) -> chrono::DateTime<Utc> {
    Utc.timestamp_opt((ns / 1_000_000_000) as i64, 0).unwrap()
}

/// `cloud.provider` and `cloud.platform` of a `provider` column value.
fn cloud(provider: &str) -> (&'static str, &'static str) {
    match provider {
        "aws_lambda" => ("aws", "aws_lambda"),
        "azure_functions" => ("azure", "azure_functions"),
        "gcp_cloud_run_functions" => ("gcp", "gcp_cloud_functions"),
        _ => ("cloudflare", "cloudflare_workers"),
    }
}

/// Resource attributes of the function's SDK at this invocation.
fn resource(row: &InvocationRow) -> (Vec<String>, Vec<String>) {
    let (provider, platform) = cloud(&row.provider);
    let pairs = [
        ("service.name", row.function.clone()),
        ("cloud.provider", provider.to_string()),
        ("cloud.platform", platform.to_string()),
        ("cloud.region", row.region.clone()),
        ("cloud.account.id", row.account.clone()),
        ("faas.name", row.function.clone()),
        ("faas.version", row.version.clone()),
        ("faas.instance", row.instance_id.clone()),
        (
            "faas.max_memory",
            (row.memory_mb as u64 * 1024 * 1024).to_string(),
        ),
    ];
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).unzip()
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// What the request's error says, for the error log line and the span's
/// exception event.
fn error_message(spec: &FunctionSpec, row: &InvocationRow, server: &Server) -> String {
    match (row.status.as_str(), row.error_type.as_str()) {
        (_, "Runtime.OutOfMemory") => {
            "Runtime exited with error: signal: killed (out of memory)".to_string()
        }
        ("timeout", _) => format!(
            "Task timed out after {:.2} seconds",
            spec.timeout_ms as f64 / 1000.0
        ),
        _ => match server.failed_call {
            Some(callee) => format!("{callee} failed, {} aborted", server.operation),
            None => format!("unhandled error in {}", server.operation),
        },
    }
}

/// Appends the spans and logs of one traced invocation to `tree`: its
/// SERVER span (child of the caller's CLIENT span, if any), the planned
/// CLIENT spans, and its log records.
pub(crate) fn record(
    spec: &FunctionSpec,
    row: &InvocationRow,
    server: Server,
    planned: Vec<Planned>,
    tree: &mut Telemetry,
) {
    let t = row.start_time_ms;
    let (resource_keys, resource_values) = resource(row);
    let failed = row.status != "success";
    let message = failed.then(|| error_message(spec, row, &server));
    let span = |span_id: &str,
                parent: &str,
                name: String,
                kind: i8,
                start: f64,
                end: f64,
                error: Option<&str>,
                attributes: &[(&'static str, String)]| {
        let start_ns = ns(t, start);
        let end_ns = ns(t, end);
        SpanRow {
            tenant: row.tenant.clone(),
            timestamp: seconds(start_ns),
            start_time_unix_nano: start_ns,
            end_time_unix_nano: end_ns,
            duration_ns: end_ns - start_ns,
            trace_id: row.trace_id.clone(),
            span_id: span_id.to_string(),
            parent_span_id: parent.to_string(),
            name,
            kind,
            status_code: if error.is_some() {
                STATUS_ERROR
            } else {
                STATUS_UNSET
            },
            status_message: error.unwrap_or_default().to_string(),
            service_name: row.function.clone(),
            resource_keys: resource_keys.clone(),
            resource_values: resource_values.clone(),
            scope_name: SCOPE.to_string(),
            scope_version: "1.0.0".to_string(),
            attribute_keys: attributes.iter().map(|(k, _)| k.to_string()).collect(),
            attribute_values: attributes.iter().map(|(_, v)| v.clone()).collect(),
            ..Default::default()
        }
    };

    // The SERVER span.
    let http = spec.trigger == "http";
    let mut attributes: Vec<(&'static str, String)> = vec![
        ("faas.invocation_id", row.request_id.clone()),
        (
            "faas.trigger",
            if http { "http" } else { "other" }.to_string(),
        ),
        ("faas.coldstart", row.is_cold_start().to_string()),
    ];
    if http {
        let (method, route) = server
            .operation
            .split_once(' ')
            .unwrap_or(("GET", server.operation));
        let code = match (row.status.as_str(), server.failed_call) {
            ("success", _) => 200,
            ("timeout", _) => 504,
            (_, Some(_)) => 502,
            _ => 500,
        };
        attributes.push(("http.request.method", method.to_string()));
        attributes.push(("http.route", route.to_string()));
        attributes.push(("http.response.status_code", code.to_string()));
    }
    let mut server_span = span(
        &server.span_id,
        &server.parent_span_id,
        server.operation.to_string(),
        SERVER,
        server.start,
        server.end,
        failed.then_some(row.error_type.as_str()),
        &attributes,
    );
    if let Some(message) = &message {
        server_span.event_time_unix_nano.push(ns(t, server.end));
        server_span.event_names.push("exception".to_string());
        server_span.event_attributes.push(format!(
            "{{\"exception.type\":{},\"exception.message\":{}}}",
            json_string(&row.error_type),
            json_string(message)
        ));
    }
    tree.spans.push(server_span);
    for p in &planned {
        tree.spans.push(span(
            &p.span_id,
            &server.span_id,
            p.name.clone(),
            CLIENT,
            p.start,
            p.end,
            p.error.as_deref(),
            &p.attributes,
        ));
    }

    // The logs.
    let log = |at: f64, severity: i8, scope: &str, body: String| {
        let time = ns(t, at);
        LogRow {
            tenant: row.tenant.clone(),
            timestamp: seconds(time),
            time_unix_nano: time,
            observed_time_unix_nano: time,
            trace_id: row.trace_id.clone(),
            span_id: server.span_id.clone(),
            severity_number: severity,
            severity_text: match severity {
                INFO => "INFO",
                WARN => "WARN",
                _ => "ERROR",
            }
            .to_string(),
            body,
            service_name: row.function.clone(),
            function: row.function.clone(),
            request_id: row.request_id.clone(),
            resource_keys: resource_keys.clone(),
            resource_values: resource_values.clone(),
            scope_name: scope.to_string(),
            attribute_keys: vec!["faas.invocation_id".to_string()],
            attribute_values: vec![row.request_id.clone()],
            source: "demo".to_string(),
            ..Default::default()
        }
    };
    let (start, end) = (server.start, server.end);
    let id = &row.request_id;
    let duration = row.duration_ms;
    match row.provider.as_str() {
        "aws_lambda" => tree.logs.push(log(
            start,
            INFO,
            PLATFORM_SCOPE,
            format!("START RequestId: {id} Version: {}", row.version),
        )),
        "azure_functions" => tree.logs.push(log(
            start,
            INFO,
            PLATFORM_SCOPE,
            format!(
                "Executing 'Functions.{}' (Reason='This function was programmatically called via the host APIs.', Id={id})",
                row.function
            ),
        )),
        "gcp_cloud_run_functions" => tree.logs.push(log(
            start,
            INFO,
            PLATFORM_SCOPE,
            "Function execution started".to_string(),
        )),
        _ => {}
    }
    if row.error_type != "Runtime.OutOfMemory" {
        let first = planned.first().map_or(end, |p| p.start);
        tree.logs.push(log(
            start + (first - start) / 2.0,
            INFO,
            SCOPE,
            format!("{} started", server.operation),
        ));
    }
    for p in &planned {
        tree.logs.push(log(p.end, p.log.0, SCOPE, p.log.1.clone()));
    }
    match &message {
        Some(message) => {
            let (scope, body) =
                if row.status == "timeout" || row.error_type == "Runtime.OutOfMemory" {
                    (PLATFORM_SCOPE, format!("{id} {message}"))
                } else {
                    (SCOPE, format!("{}: {message}", row.error_type))
                };
            tree.logs.push(log(end, ERROR, scope, body));
        }
        None => tree.logs.push(log(
            end,
            INFO,
            SCOPE,
            format!("{} completed in {duration:.0} ms", server.operation),
        )),
    }
    match row.provider.as_str() {
        "aws_lambda" => {
            tree.logs.push(log(
                end,
                INFO,
                PLATFORM_SCOPE,
                format!("END RequestId: {id}"),
            ));
            let mut report = format!(
                "REPORT RequestId: {id}\tDuration: {duration:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB",
                row.billed_duration_ms, row.memory_mb, row.max_memory_used_mb
            );
            if row.start_type == "cold" {
                report.push_str(&format!("\tInit Duration: {:.2} ms", row.init_duration_ms));
            }
            if row.start_type == "snapstart" {
                report.push_str(&format!(
                    "\tRestore Duration: {:.2} ms\tBilled Restore Duration: {} ms",
                    row.restore_duration_ms, row.billed_restore_duration_ms
                ));
            }
            if row.status == "timeout" {
                report.push_str("\tStatus: timeout");
            }
            tree.logs.push(log(end, INFO, PLATFORM_SCOPE, report));
        }
        "azure_functions" => tree.logs.push(log(
            end,
            INFO,
            PLATFORM_SCOPE,
            format!(
                "Executed 'Functions.{}' ({}, Id={id}, Duration={duration:.0}ms)",
                row.function,
                if failed { "Failed" } else { "Succeeded" }
            ),
        )),
        "gcp_cloud_run_functions" => tree.logs.push(log(
            end,
            INFO,
            PLATFORM_SCOPE,
            match row.status.as_str() {
                "timeout" => format!(
                    "Function execution took {duration:.0} ms, finished with status: 'timeout'"
                ),
                "error" => format!(
                    "Function execution took {duration:.0} ms, finished with status code: 500"
                ),
                _ => format!(
                    "Function execution took {duration:.0} ms, finished with status code: 200"
                ),
            },
        )),
        _ => {}
    }
}
