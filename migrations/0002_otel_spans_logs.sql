-- OpenTelemetry spans and logs, stored as received. Attributes are parallel
-- key/value arrays because ClickHouse 18.16 has no Map type; values are the
-- attribute's string form (ints and doubles printed, arrays/kvlists as JSON).
CREATE TABLE IF NOT EXISTS spans
(
    tenant String,
    timestamp DateTime('UTC'),
    start_time_unix_nano UInt64,
    end_time_unix_nano UInt64,
    duration_ns UInt64,
    trace_id String,
    span_id String,
    parent_span_id String,
    trace_state String,
    name String,
    kind Int8,
    status_code Int8,
    status_message String,
    service_name String,
    resource_keys Array(String),
    resource_values Array(String),
    scope_name String,
    scope_version String,
    attribute_keys Array(String),
    attribute_values Array(String),
    event_time_unix_nano Array(UInt64),
    event_names Array(String),
    event_attributes Array(String),
    link_trace_ids Array(String),
    link_span_ids Array(String)
)
ENGINE = MergeTree()
PARTITION BY toDate(timestamp)
ORDER BY (tenant, service_name, name, timestamp);

CREATE TABLE IF NOT EXISTS logs
(
    tenant String,
    timestamp DateTime('UTC'),
    time_unix_nano UInt64,
    observed_time_unix_nano UInt64,
    trace_id String,
    span_id String,
    severity_number Int8,
    severity_text String,
    body String,
    service_name String,
    function String,
    request_id String,
    resource_keys Array(String),
    resource_values Array(String),
    scope_name String,
    attribute_keys Array(String),
    attribute_values Array(String),
    source String
)
ENGINE = MergeTree()
PARTITION BY toDate(timestamp)
ORDER BY (tenant, service_name, timestamp)
