-- One row per function invocation, whatever the source (OTLP span, Lambda
-- platform report, CloudWatch line, generic record).
--
-- Portable across ClickHouse 18.16 and current releases: no Map, no DateTime64,
-- no LowCardinality (18.16 needs an experimental setting that current servers
-- reject), no TTL. `start_time` (seconds) drives partitioning and ordering;
-- `start_time_ms` keeps the exact start in epoch milliseconds.
-- `cost_usd` is the invocation's list price in USD with 12 decimals, so that
-- sums over millions of sub-cent values stay exact.
CREATE TABLE IF NOT EXISTS invocations
(
    tenant String,
    provider String,
    account String,
    region String,
    function String,
    version String,
    runtime String,
    arch String,
    memory_mb UInt32,
    timeout_ms UInt32,
    request_id String,
    instance_id String,
    trace_id String,
    start_time DateTime('UTC'),
    start_time_ms UInt64,
    duration_ms Float64,
    billed_duration_ms UInt64,
    init_duration_ms Float64,
    restore_duration_ms Float64,
    billed_restore_duration_ms UInt64,
    cpu_time_ms Float64,
    start_type String,
    max_memory_used_mb UInt32,
    status String,
    error_type String,
    trigger String,
    cost_usd Decimal(18, 12),
    source String,
    ingested_at DateTime('UTC')
)
ENGINE = MergeTree()
PARTITION BY toDate(start_time)
ORDER BY (tenant, provider, function, start_time)
