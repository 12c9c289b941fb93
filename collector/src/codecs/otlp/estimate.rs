//! What a body will cost in memory, estimated before decoding it: protobuf
//! by walking tags and lengths without materializing anything, JSON by
//! counting its structure. A request whose estimate passes
//! [`super::MAX_DECODED_BYTES`] is refused before prost or serde allocate.

use super::*;

// ---------------------------------------------------------------------------
// Size estimates, before decoding

/// Memory counted for the items of a body.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Estimate {
    /// Items counted (messages, strings, numbers; JSON containers and values).
    pub(super) items: u64,
    /// What they would take once decoded, in bytes.
    pub(super) bytes: usize,
}

impl Estimate {
    pub(super) fn add(&mut self, bytes: usize) {
        self.items += 1;
        self.bytes = self.bytes.saturating_add(bytes);
    }
}

/// A span: the prost message and the row built from it.
pub(super) const SPAN_BYTES: usize = size_of::<Span>() + size_of::<SpanRow>();
/// A log record: the prost message and the row built from it.
pub(super) const LOG_RECORD_BYTES: usize = size_of::<LogRecord>() + size_of::<LogRow>();
/// An attribute: the prost message and its key and value in a row.
pub(super) const KEY_VALUE_BYTES: usize = size_of::<KeyValue>() + 2 * size_of::<String>();
/// A span event: the message, and its name, attributes (as JSON) and time
/// in the span's row.
pub(super) const EVENT_BYTES: usize =
    size_of::<Event>() + 2 * size_of::<String>() + size_of::<u64>();
/// A span link: the message, and its two ids in the span's row.
pub(super) const LINK_BYTES: usize = size_of::<Link>() + 2 * size_of::<String>();
/// An exemplar: the message, and its time, value and two ids in the row.
pub(super) const EXEMPLAR_BYTES: usize =
    size_of::<Exemplar>() + 2 * size_of::<u64>() + 2 * size_of::<String>();
/// An array element: the message and its JSON rendering in a row.
pub(super) const ANY_VALUE_BYTES: usize = size_of::<AnyValue>() + size_of::<Json>();
/// A metric data point's row.
pub(super) const METRIC_ROW_BYTES: usize = size_of::<MetricRow>();
/// The largest metric data point, and the row built from it.
pub(super) const DATA_POINT_BYTES: usize = METRIC_ROW_BYTES
    + larger(
        larger(
            size_of::<NumberDataPoint>(),
            size_of::<HistogramDataPoint>(),
        ),
        larger(
            size_of::<ExponentialHistogramDataPoint>(),
            size_of::<SummaryDataPoint>(),
        ),
    );
/// A JSON object in a `serde_json::Value` tree: the `Value` and the B-tree
/// leaf it allocates once it has a member (11 keys and values, and a
/// header). Measured: 1 million `{"":0}` in an array take 668 MB.
pub(super) const JSON_OBJECT_BYTES: usize =
    size_of::<Json>() + 11 * (size_of::<String>() + size_of::<Json>()) + 16;
/// A JSON value or object member besides its container: a `Value` in an
/// array, which may have twice the capacity it needs, or a member's slot.
pub(super) const JSON_ITEM_BYTES: usize = 2 * size_of::<Json>();

pub(super) const fn larger(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// The OTLP messages whose fields the wire walk tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Msg {
    TracesRequest,
    ResourceSpans,
    ScopeSpans,
    Span,
    Event,
    Link,
    LogsRequest,
    ResourceLogs,
    ScopeLogs,
    LogRecord,
    MetricsRequest,
    ResourceMetrics,
    ScopeMetrics,
    Metric,
    /// `Gauge` and `Sum` (their `data_points` are field 1).
    NumberPoints,
    HistogramPoints,
    ExponentialHistogramPoints,
    SummaryPoints,
    NumberDataPoint,
    HistogramDataPoint,
    ExponentialHistogramDataPoint,
    /// `ExponentialHistogramDataPoint.Buckets`.
    Buckets,
    SummaryDataPoint,
    Exemplar,
    Resource,
    Scope,
    EntityRef,
    KeyValue,
    AnyValue,
    ArrayValue,
    KeyValueList,
    /// A message without repeated fields, not walked.
    Leaf,
}

/// What a field of a message is, for the wire walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    /// A message field: walked, and each occurrence counted at the given
    /// size (0 when the field is not repeated and is held in its parent).
    Message(Msg, usize),
    /// A repeated string: one `String` per occurrence.
    Strings,
    /// Repeated varints (`uint64`), packed or not: up to 8 bytes per byte.
    Varints,
}

impl Msg {
    /// What an element of a body's top-level message costs, for JSON.
    pub(super) fn record_bytes(self) -> usize {
        match self {
            Msg::TracesRequest => SPAN_BYTES,
            Msg::LogsRequest => LOG_RECORD_BYTES,
            _ => DATA_POINT_BYTES,
        }
    }

    /// The fields that allocate once decoded, or hold fields that do; the
    /// field numbers are those of the opentelemetry-proto messages. Other
    /// fields (scalars, strings and bytes, whose bytes are in the body) are
    /// skipped.
    pub(super) fn field(self, number: u32) -> Option<Field> {
        use Field::Message as M;
        Some(match (self, number) {
            (Msg::TracesRequest, 1) => M(Msg::ResourceSpans, size_of::<ResourceSpans>()),
            (Msg::ResourceSpans, 2) => M(Msg::ScopeSpans, size_of::<ScopeSpans>()),
            (Msg::ScopeSpans, 2) => M(Msg::Span, SPAN_BYTES),
            (Msg::Span, 11) => M(Msg::Event, EVENT_BYTES),
            (Msg::Span, 13) => M(Msg::Link, LINK_BYTES),
            (Msg::LogsRequest, 1) => M(Msg::ResourceLogs, size_of::<ResourceLogs>()),
            (Msg::ResourceLogs, 2) => M(Msg::ScopeLogs, size_of::<ScopeLogs>()),
            (Msg::ScopeLogs, 2) => M(Msg::LogRecord, LOG_RECORD_BYTES),
            (Msg::LogRecord, 5) | (Msg::KeyValue, 2) => M(Msg::AnyValue, 0),
            (Msg::MetricsRequest, 1) => M(Msg::ResourceMetrics, size_of::<ResourceMetrics>()),
            (Msg::ResourceMetrics, 2) => M(Msg::ScopeMetrics, size_of::<ScopeMetrics>()),
            (Msg::ScopeMetrics, 2) => M(Msg::Metric, size_of::<Metric>()),
            (Msg::Metric, 5 | 7) => M(Msg::NumberPoints, 0),
            (Msg::Metric, 9) => M(Msg::HistogramPoints, 0),
            (Msg::Metric, 10) => M(Msg::ExponentialHistogramPoints, 0),
            (Msg::Metric, 11) => M(Msg::SummaryPoints, 0),
            (Msg::NumberPoints, 1) => M(
                Msg::NumberDataPoint,
                size_of::<NumberDataPoint>() + METRIC_ROW_BYTES,
            ),
            (Msg::HistogramPoints, 1) => M(
                Msg::HistogramDataPoint,
                size_of::<HistogramDataPoint>() + METRIC_ROW_BYTES,
            ),
            (Msg::ExponentialHistogramPoints, 1) => M(
                Msg::ExponentialHistogramDataPoint,
                size_of::<ExponentialHistogramDataPoint>() + METRIC_ROW_BYTES,
            ),
            (Msg::SummaryPoints, 1) => M(
                Msg::SummaryDataPoint,
                size_of::<SummaryDataPoint>() + METRIC_ROW_BYTES,
            ),
            (Msg::NumberDataPoint, 5)
            | (Msg::HistogramDataPoint, 8)
            | (Msg::ExponentialHistogramDataPoint, 11) => M(Msg::Exemplar, EXEMPLAR_BYTES),
            (Msg::ExponentialHistogramDataPoint, 8 | 9) => M(Msg::Buckets, 0),
            (Msg::Buckets, 2) => Field::Varints,
            // A quantile, and its two doubles in the row.
            (Msg::SummaryDataPoint, 6) => M(Msg::Leaf, size_of::<ValueAtQuantile>() + 16),
            (Msg::ResourceSpans | Msg::ResourceLogs | Msg::ResourceMetrics, 1) => {
                M(Msg::Resource, 0)
            }
            (Msg::ScopeSpans | Msg::ScopeLogs | Msg::ScopeMetrics, 1) => M(Msg::Scope, 0),
            (Msg::Resource, 3) => M(Msg::EntityRef, size_of::<EntityRef>()),
            (Msg::EntityRef, 3 | 4) => Field::Strings,
            (Msg::Resource, 1)
            | (Msg::Scope, 3)
            | (Msg::Span, 9)
            | (Msg::Event, 3)
            | (Msg::Link, 4)
            | (Msg::LogRecord, 6)
            | (Msg::Metric, 12)
            | (Msg::NumberDataPoint | Msg::SummaryDataPoint | Msg::Exemplar, 7)
            | (Msg::HistogramDataPoint, 9)
            | (Msg::ExponentialHistogramDataPoint, 1)
            | (Msg::KeyValueList, 1) => M(Msg::KeyValue, KEY_VALUE_BYTES),
            (Msg::AnyValue, 5) => M(Msg::ArrayValue, 0),
            (Msg::AnyValue, 6) => M(Msg::KeyValueList, 0),
            (Msg::ArrayValue, 1) => M(Msg::AnyValue, ANY_VALUE_BYTES),
            _ => return None,
        })
    }
}

/// Nesting beyond which the walk stops; deeper than prost's recursion
/// limit (100), so that prost refuses such a body before the walk would.
pub(super) const WIRE_MAX_DEPTH: u32 = 128;

/// What a protobuf body of message `root` would take once decoded (the
/// messages and the rows built from them), counted on the wire format
/// without decoding: tags, lengths, and the nested messages that allocate.
/// The count stops once past `limit`, or where the body is malformed: the
/// decoder refuses such a body, where the walk stopped at the latest (the
/// walk accepts all that prost accepts), so what it decodes before failing
/// was counted.
pub(super) fn wire_estimate(body: &[u8], root: Msg, limit: usize) -> Estimate {
    let mut estimate = Estimate::default();
    let _stopped = walk(body, root, 0, limit, &mut estimate);
    estimate
}

/// The walk stopped: malformed wire data, or the limit passed.
pub(super) struct Stop;

pub(super) fn walk(
    buf: &[u8],
    msg: Msg,
    depth: u32,
    limit: usize,
    estimate: &mut Estimate,
) -> Result<(), Stop> {
    if depth > WIRE_MAX_DEPTH {
        return Err(Stop);
    }
    let mut pos = 0;
    while pos < buf.len() {
        let (number, wire_type) = read_key(buf, &mut pos)?;
        match wire_type {
            0 => {
                read_varint(buf, &mut pos)?;
                if msg.field(number) == Some(Field::Varints) {
                    estimate.add(size_of::<u64>());
                }
            }
            1 => advance(buf, &mut pos, 8)?,
            2 => {
                let start = advance_delimited(buf, &mut pos)?;
                match msg.field(number) {
                    Some(Field::Message(child, bytes)) => {
                        if bytes > 0 {
                            estimate.add(bytes);
                        }
                        walk(&buf[start..pos], child, depth + 1, limit, estimate)?;
                    }
                    Some(Field::Strings) => estimate.add(size_of::<String>()),
                    Some(Field::Varints) => {
                        estimate.add((pos - start).saturating_mul(size_of::<u64>()))
                    }
                    None => {}
                }
            }
            3 => skip_group(buf, &mut pos, number, depth + 1)?,
            5 => advance(buf, &mut pos, 4)?,
            // An end-group outside a group, or no wire type.
            _ => return Err(Stop),
        }
        if estimate.bytes > limit {
            return Err(Stop);
        }
    }
    Ok(())
}

/// Skips a group (deprecated, but prost skips it as an unknown field).
pub(super) fn skip_group(buf: &[u8], pos: &mut usize, group: u32, depth: u32) -> Result<(), Stop> {
    if depth > WIRE_MAX_DEPTH {
        return Err(Stop);
    }
    loop {
        let (number, wire_type) = read_key(buf, pos)?;
        match wire_type {
            0 => {
                read_varint(buf, pos)?;
            }
            1 => advance(buf, pos, 8)?,
            2 => {
                advance_delimited(buf, pos)?;
            }
            3 => skip_group(buf, pos, number, depth + 1)?,
            4 if number == group => return Ok(()),
            5 => advance(buf, pos, 4)?,
            _ => return Err(Stop),
        }
    }
}

/// A field key: its number and wire type, refused as prost refuses it.
pub(super) fn read_key(buf: &[u8], pos: &mut usize) -> Result<(u32, u8), Stop> {
    let key = u32::try_from(read_varint(buf, pos)?).map_err(|_| Stop)?;
    let number = key >> 3;
    if number == 0 {
        return Err(Stop);
    }
    Ok((number, (key & 7) as u8))
}

pub(super) fn read_varint(buf: &[u8], pos: &mut usize) -> Result<u64, Stop> {
    let mut value: u64 = 0;
    for i in 0..10 {
        let byte = *buf.get(*pos).ok_or(Stop)?;
        *pos += 1;
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            return Ok(value);
        }
    }
    Err(Stop)
}

pub(super) fn advance(buf: &[u8], pos: &mut usize, len: usize) -> Result<(), Stop> {
    match pos.checked_add(len) {
        Some(end) if end <= buf.len() => {
            *pos = end;
            Ok(())
        }
        _ => Err(Stop),
    }
}

/// Skips a length-delimited field's bytes; returns where they start.
pub(super) fn advance_delimited(buf: &[u8], pos: &mut usize) -> Result<usize, Stop> {
    let len = usize::try_from(read_varint(buf, pos)?).map_err(|_| Stop)?;
    let start = *pos;
    advance(buf, pos, len)?;
    Ok(start)
}

/// A cheap estimate, on the high side, of what a JSON body for message
/// `root` would take once decoded: the `serde_json::Value` tree read first,
/// the message, its rows. Each object or array (outside strings) is counted
/// as a record of `root` (its spans, log records or data points: an array,
/// too, can be read as one), or as a tree node when that is larger; each
/// value or member after a `,` or `:` as a `Value`. For the JSON fixture's
/// spans this is ~1.3 times what decoding takes (measured: 8,196 such spans,
/// 4.6 MB of JSON, are counted at 102 MB). The count stops once past
/// `limit`.
pub(super) fn json_estimate(body: &[u8], root: Msg, limit: usize) -> Estimate {
    let container = larger(root.record_bytes(), JSON_OBJECT_BYTES);
    let mut estimate = Estimate::default();
    for (_, b) in crate::codecs::json_scan::outside_strings(body) {
        match b {
            b'{' | b'[' => estimate.add(container),
            b',' | b':' => estimate.add(JSON_ITEM_BYTES),
            _ => continue,
        }
        if estimate.bytes > limit {
            break;
        }
    }
    estimate
}
