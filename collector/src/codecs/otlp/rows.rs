//! OTLP messages to rows: attribute values as strings, ids as hex, the
//! resource's FaaS attributes as an invocation's fields, spans and log
//! records as `SpanRow`s and `LogRow`s.

use super::*;

// ---------------------------------------------------------------------------
// Attribute values

/// An attribute value's string form: strings as-is, numbers and booleans
/// printed, bytes as hex, arrays and kvlists as compact JSON.
pub(super) fn value_string(v: Option<&AnyValue>) -> String {
    match v.and_then(|v| v.value.as_ref()) {
        None => String::new(),
        Some(AnyVal::StringValue(s)) => s.clone(),
        Some(AnyVal::BoolValue(b)) => b.to_string(),
        Some(AnyVal::IntValue(i)) => i.to_string(),
        Some(AnyVal::DoubleValue(d)) => d.to_string(),
        Some(AnyVal::BytesValue(b)) => hex::encode(b),
        Some(AnyVal::StringValueStrindex(i)) => i.to_string(),
        Some(other @ (AnyVal::ArrayValue(_) | AnyVal::KvlistValue(_))) => {
            inner_json(other, 0).to_string()
        }
    }
}

/// An attribute value as JSON (bytes as hex; non-finite doubles as strings).
pub(super) fn value_json(v: Option<&AnyValue>, depth: usize) -> Json {
    match v.and_then(|v| v.value.as_ref()) {
        None => Json::Null,
        Some(inner) => inner_json(inner, depth),
    }
}

pub(super) fn inner_json(v: &AnyVal, depth: usize) -> Json {
    if depth > MAX_VALUE_DEPTH {
        return Json::Null;
    }
    match v {
        AnyVal::StringValue(s) => Json::String(s.clone()),
        AnyVal::BoolValue(b) => Json::Bool(*b),
        AnyVal::IntValue(i) => Json::from(*i),
        AnyVal::DoubleValue(d) => serde_json::Number::from_f64(*d)
            .map(Json::Number)
            .unwrap_or_else(|| Json::String(d.to_string())),
        AnyVal::BytesValue(b) => Json::String(hex::encode(b)),
        AnyVal::StringValueStrindex(i) => Json::from(*i),
        AnyVal::ArrayValue(a) => Json::Array(
            a.values
                .iter()
                .map(|x| value_json(Some(x), depth + 1))
                .collect(),
        ),
        AnyVal::KvlistValue(kv) => attributes_json(&kv.values, depth + 1),
    }
}

/// Attributes as one JSON object (a later duplicate key wins).
pub(super) fn attributes_json(attrs: &[KeyValue], depth: usize) -> Json {
    let mut map = serde_json::Map::new();
    for kv in attrs {
        map.insert(kv.key.clone(), value_json(kv.value.as_ref(), depth));
    }
    Json::Object(map)
}

/// Attributes as parallel key and string-value arrays.
pub(super) fn flatten(attrs: &[KeyValue]) -> (Vec<String>, Vec<String>) {
    attrs
        .iter()
        .map(|kv| (kv.key.clone(), value_string(kv.value.as_ref())))
        .unzip()
}

/// The first attribute named `key`.
pub(super) fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a AnyValue> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
}

/// The string form of the first attribute named `key` ("" when absent).
pub(super) fn attr_string(attrs: &[KeyValue], key: &str) -> String {
    value_string(attr(attrs, key))
}

pub(super) fn attr_bool(attrs: &[KeyValue], key: &str) -> Option<bool> {
    match attr(attrs, key).and_then(|v| v.value.as_ref()) {
        Some(AnyVal::BoolValue(b)) => Some(*b),
        Some(AnyVal::StringValue(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(super) fn attr_int(attrs: &[KeyValue], key: &str) -> Option<i64> {
    match attr(attrs, key).and_then(|v| v.value.as_ref()) {
        Some(AnyVal::IntValue(i)) => Some(*i),
        Some(AnyVal::DoubleValue(d)) if d.is_finite() => Some(*d as i64),
        Some(AnyVal::StringValue(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Ids and times

/// A trace or span id as lower-case hex, `Ok("")` when absent (empty or all
/// zeroes, which the spec calls invalid), `Err` when of the wrong length.
pub(super) fn id_hex(bytes: &[u8], len: usize) -> Result<String, ()> {
    if bytes.is_empty() {
        Ok(String::new())
    } else if bytes.len() != len {
        Err(())
    } else if bytes.iter().all(|b| *b == 0) {
        Ok(String::new())
    } else {
        Ok(hex::encode(bytes))
    }
}

/// A required id: present and of the right length.
pub(super) fn required_id(bytes: &[u8], len: usize) -> Option<String> {
    id_hex(bytes, len).ok().filter(|s| !s.is_empty())
}

/// Whole seconds of a Unix time in nanoseconds.
/// The second of a nanosecond timestamp, when ClickHouse's `DateTime` (a
/// `UInt32` of seconds: up to 2106-02-07) can hold it. OTLP times are
/// `fixed64` and reach the year 2554.
pub(super) fn seconds(unix_nano: u64) -> Option<DateTime<Utc>> {
    let secs = u32::try_from(unix_nano / 1_000_000_000).ok()?;
    DateTime::from_timestamp(i64::from(secs), 0)
}

/// A short, printable rendering of an item's name for error messages.
pub(super) fn short(name: &str) -> String {
    let mut s: String = name.chars().take(64).collect();
    if s.len() < name.len() {
        s.push('…');
    }
    s
}

// ---------------------------------------------------------------------------
// Resources

/// What one resource contributes to every row under it.
pub(super) struct ResourceInfo {
    pub(super) keys: Vec<String>,
    pub(super) values: Vec<String>,
    pub(super) service_name: String,
    /// `faas.name`, "" when absent.
    pub(super) function: String,
    /// Invocation fields from the resource, when it is a FaaS resource.
    pub(super) faas: Option<InvocationRow>,
}

impl ResourceInfo {
    pub(super) fn new(resource: Option<&Resource>) -> ResourceInfo {
        let attrs: &[KeyValue] = resource.map(|r| r.attributes.as_slice()).unwrap_or(&[]);
        let (keys, values) = flatten(attrs);
        let function = attr_string(attrs, "faas.name");
        let faas = (!function.is_empty()).then(|| InvocationRow {
            // Unknown providers stay empty: normalization refuses the
            // record (the span itself is stored) rather than price it at $0.
            provider: faasight_pricing::Provider::from_opentelemetry(
                &attr_string(attrs, "cloud.provider"),
                &attr_string(attrs, "cloud.platform"),
            )
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
            account: attr_string(attrs, "cloud.account.id"),
            region: attr_string(attrs, "cloud.region"),
            function: function.clone(),
            version: attr_string(attrs, "faas.version"),
            runtime: runtime(
                &attr_string(attrs, "process.runtime.name"),
                &attr_string(attrs, "process.runtime.version"),
            ),
            arch: arch(&attr_string(attrs, "host.arch")).to_string(),
            memory_mb: attr_int(attrs, "faas.max_memory")
                .map(memory_mb)
                .unwrap_or_default(),
            instance_id: attr_string(attrs, "faas.instance"),
            source: "otlp".to_string(),
            ..Default::default()
        });
        ResourceInfo {
            keys,
            values,
            service_name: attr_string(attrs, "service.name"),
            function,
            faas,
        }
    }

    /// What the resource adds to each span row, as `SpanRow::approx_bytes`
    /// counts it.
    pub(super) fn span_row_bytes(&self) -> usize {
        strings_bytes(&self.keys) + strings_bytes(&self.values) + self.service_name.len()
    }

    /// What the resource adds to each log row, as `LogRow::approx_bytes`
    /// counts it.
    pub(super) fn log_row_bytes(&self) -> usize {
        self.span_row_bytes() + self.function.len()
    }
}

/// Strings' bytes as the rows' `approx_bytes` count them.
pub(super) use faasight_store::rows::strings_bytes;
/// `faas.max_memory` in MiB. The attribute is in bytes; exporters written
/// before the conventions switched from MiB to bytes (e.g.
/// opentelemetry-go-contrib#7591) still send MiB, and no function has less
/// than 1 MiB, so values below that are taken as MiB.
pub(super) fn memory_mb(v: i64) -> u32 {
    let mib = if v <= 0 {
        0
    } else if v < MIB {
        v
    } else {
        v.saturating_add(MIB / 2) / MIB
    };
    u32::try_from(mib).unwrap_or(u32::MAX)
}

/// A Lambda-style runtime id (`python3.12`, `nodejs20.x`, `java21`,
/// `dotnet8`, `ruby3.3`) from `process.runtime.name` and
/// `process.runtime.version`; other runtimes as name + major.minor.
pub(super) fn runtime(name: &str, version: &str) -> String {
    let name = name.trim().to_ascii_lowercase();
    if name.is_empty() {
        return String::new();
    }
    let mut nums = version
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty());
    let major = nums.next().unwrap_or_default();
    let minor = nums.next().unwrap_or_default();
    let major_minor = if minor.is_empty() {
        major.to_string()
    } else {
        format!("{major}.{minor}")
    };
    match name.as_str() {
        "cpython" | "python" | "pypy" => format!("python{major_minor}"),
        "nodejs" | "node" | "node.js" if !major.is_empty() => format!("nodejs{major}.x"),
        "nodejs" | "node" | "node.js" => "nodejs".to_string(),
        "ruby" => format!("ruby{major_minor}"),
        ".net" | "dotnet" | ".net core" => format!("dotnet{major}"),
        n if n.contains("java") || n.contains("jdk") => {
            // Java 8 reports itself as 1.8.
            let v = if major == "1" { minor } else { major };
            format!("java{v}")
        }
        n => format!("{}{major_minor}", n.replace(char::is_whitespace, "")),
    }
}

/// faasight's arch from `host.arch` ("" when unknown).
pub(super) fn arch(host_arch: &str) -> &'static str {
    match host_arch.trim().to_ascii_lowercase().as_str() {
        "amd64" | "x86_64" | "x86-64" | "x64" => "x86_64",
        "arm64" | "aarch64" => "arm64",
        _ => "",
    }
}

// ---------------------------------------------------------------------------
// Spans and logs

pub(super) fn span_row(
    span: Span,
    res: &ResourceInfo,
    scope_name: &str,
    scope_version: &str,
    tenant: &str,
) -> Result<(SpanRow, Option<InvocationRow>), String> {
    let name = short(&span.name);
    let trace_id = required_id(&span.trace_id, 16)
        .ok_or_else(|| format!("span {name:?}: missing or invalid traceId (need 16 bytes)"))?;
    let span_id = required_id(&span.span_id, 8)
        .ok_or_else(|| format!("span {name:?}: missing or invalid spanId (need 8 bytes)"))?;
    let parent_span_id = id_hex(&span.parent_span_id, 8)
        .map_err(|()| format!("span {name:?}: invalid parentSpanId (need 8 bytes)"))?;

    let (status_code, status_message) = match &span.status {
        Some(s) => (s.code, s.message.clone()),
        None => (0, String::new()),
    };
    let timestamp = seconds(span.start_time_unix_nano).ok_or_else(|| {
        format!(
            "span {name:?}: startTimeUnixNano {} is past 2106-02-07, the last time stored",
            span.start_time_unix_nano
        )
    })?;
    let invocation = match &res.faas {
        Some(faas) if span.kind == SpanKind::Server as i32 => Some(invocation_row(
            &span,
            faas,
            &trace_id,
            &span_id,
            status_code,
            &status_message,
            tenant,
        )),
        _ => None,
    };

    let (attribute_keys, attribute_values) = flatten(&span.attributes);
    let mut row = SpanRow {
        tenant: tenant.to_string(),
        timestamp,
        start_time_unix_nano: span.start_time_unix_nano,
        end_time_unix_nano: span.end_time_unix_nano,
        duration_ns: span
            .end_time_unix_nano
            .saturating_sub(span.start_time_unix_nano),
        trace_id,
        span_id,
        parent_span_id,
        trace_state: span.trace_state,
        name: span.name,
        kind: i8::try_from(span.kind).unwrap_or_default(),
        status_code: i8::try_from(status_code).unwrap_or_default(),
        status_message,
        service_name: res.service_name.clone(),
        resource_keys: res.keys.clone(),
        resource_values: res.values.clone(),
        scope_name: scope_name.to_string(),
        scope_version: scope_version.to_string(),
        attribute_keys,
        attribute_values,
        ..Default::default()
    };
    for event in &span.events {
        row.event_time_unix_nano.push(event.time_unix_nano);
        row.event_names.push(event.name.clone());
        row.event_attributes
            .push(attributes_json(&event.attributes, 0).to_string());
    }
    for link in &span.links {
        // A link with malformed ids is dropped; the span itself is kept.
        if let (Some(t), Some(s)) = (
            required_id(&link.trace_id, 16),
            required_id(&link.span_id, 8),
        ) {
            row.link_trace_ids.push(t);
            row.link_span_ids.push(s);
        }
    }
    Ok((row, invocation))
}

/// The invocation a FaaS SERVER span describes; `faas` holds the resource's
/// part of it.
pub(super) fn invocation_row(
    span: &Span,
    faas: &InvocationRow,
    trace_id: &str,
    span_id: &str,
    status_code: i32,
    status_message: &str,
    tenant: &str,
) -> InvocationRow {
    let attrs = &span.attributes;
    // `faas.execution` is the name `faas.invocation_id` had before
    // semantic conventions 1.19.
    let request_id = [
        attr_string(attrs, "faas.invocation_id"),
        attr_string(attrs, "faas.execution"),
    ]
    .into_iter()
    .find(|s| !s.is_empty())
    .unwrap_or_else(|| span_id.to_string());
    let start_type = match attr_bool(attrs, "faas.coldstart") {
        Some(true) => "cold",
        Some(false) => "warm",
        None => "unknown",
    };
    let is_error = status_code == StatusCode::Error as i32;
    let error_type = if is_error {
        let exception_type = span
            .events
            .iter()
            .find(|e| e.name == "exception")
            .map(|e| attr_string(&e.attributes, "exception.type"))
            .unwrap_or_default();
        [
            exception_type,
            status_message.to_string(),
            attr_string(attrs, "error.type"),
        ]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or_default()
    } else {
        String::new()
    };
    InvocationRow {
        tenant: tenant.to_string(),
        request_id,
        trace_id: trace_id.to_string(),
        // Normalization checks the range and derives `start_time`.
        start_time_ms: span.start_time_unix_nano / 1_000_000,
        duration_ms: span
            .end_time_unix_nano
            .saturating_sub(span.start_time_unix_nano) as f64
            / 1e6,
        start_type: start_type.to_string(),
        status: if is_error { "error" } else { "success" }.to_string(),
        error_type,
        trigger: attr_string(attrs, "faas.trigger"),
        ..faas.clone()
    }
}

pub(super) fn log_row(
    rec: LogRecord,
    res: &ResourceInfo,
    scope_name: &str,
    tenant: &str,
) -> Result<LogRow, String> {
    let trace_id = id_hex(&rec.trace_id, 16)
        .map_err(|()| "log record: invalid traceId (need 16 bytes or none)".to_string())?;
    let span_id = id_hex(&rec.span_id, 8)
        .map_err(|()| "log record: invalid spanId (need 8 bytes or none)".to_string())?;
    let time = if rec.time_unix_nano != 0 {
        rec.time_unix_nano
    } else {
        rec.observed_time_unix_nano
    };
    let timestamp = seconds(time).ok_or_else(|| {
        format!("log record: timeUnixNano {time} is past 2106-02-07, the last time stored")
    })?;
    let request_id = [
        attr_string(&rec.attributes, "faas.invocation_id"),
        attr_string(&rec.attributes, "faas.execution"),
    ]
    .into_iter()
    .find(|s| !s.is_empty())
    .unwrap_or_default();
    let (attribute_keys, attribute_values) = flatten(&rec.attributes);
    Ok(LogRow {
        tenant: tenant.to_string(),
        timestamp,
        time_unix_nano: rec.time_unix_nano,
        observed_time_unix_nano: rec.observed_time_unix_nano,
        trace_id,
        span_id,
        severity_number: i8::try_from(rec.severity_number)
            .ok()
            .filter(|n| (0..=24).contains(n))
            .unwrap_or_default(),
        severity_text: rec.severity_text,
        body: value_string(rec.body.as_ref()),
        service_name: res.service_name.clone(),
        function: res.function.clone(),
        request_id,
        resource_keys: res.keys.clone(),
        resource_values: res.values.clone(),
        scope_name: scope_name.to_string(),
        attribute_keys,
        attribute_values,
        source: "otlp".to_string(),
        // `batch_id` is the sink's.
        ..Default::default()
    })
}
