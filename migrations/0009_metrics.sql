-- OpenTelemetry metrics, stored as received: one row per data point of a
-- gauge, sum, histogram, exponential histogram or summary, following the
-- OTLP metrics data model
-- (https://opentelemetry.io/docs/specs/otel/metrics/data-model/) and the
-- messages of opentelemetry-proto's opentelemetry/proto/metrics/v1/metrics.proto.
-- The columns a point kind does not have keep their default (0, empty).
-- As for spans (0002), resource and point attributes are parallel key/value
-- arrays because ClickHouse 18.16 has no Map type; values are the attribute's
-- string form (ints and doubles printed, arrays/kvlists as JSON).
-- `metric_type` is 'gauge', 'sum', 'histogram', 'exponential_histogram' or
-- 'summary'; `temporality` the AggregationTemporality number (0 unspecified,
-- 1 delta, 2 cumulative; 0 for gauges and summaries). `value` is a gauge's or
-- sum's point (as_int converted to Float64; nan when the point has none);
-- `count`, `sum`, `min`, `max` are a histogram's, an exponential histogram's
-- or a summary's (`sum` 0, `min`/`max` nan when the point has none).
-- Histogram buckets are `bucket_counts` (one more than `explicit_bounds`);
-- exponential histogram buckets are `exp_*` (bucket index = offset + position,
-- base 2^(2^-scale)); summaries' quantiles are `quantiles` and
-- `quantile_values`. Exemplars are parallel arrays (ids as lower-case hex,
-- empty when absent). `batch_id` and `batch_row` are the collector's write
-- batch and the row's place in it (see 0004 and 0005). Partitioned by day
-- like spans, so retention drops whole days.
CREATE TABLE IF NOT EXISTS metrics
(
    tenant String,
    timestamp DateTime('UTC'),
    time_unix_nano UInt64,
    start_time_unix_nano UInt64,
    service_name String,
    metric_name String,
    metric_description String,
    metric_unit String,
    metric_type String,
    temporality Int8,
    is_monotonic UInt8,
    resource_keys Array(String),
    resource_values Array(String),
    scope_name String,
    scope_version String,
    attribute_keys Array(String),
    attribute_values Array(String),
    value Float64,
    count UInt64,
    sum Float64,
    min Float64,
    max Float64,
    bucket_counts Array(UInt64),
    explicit_bounds Array(Float64),
    exp_scale Int32,
    exp_zero_count UInt64,
    exp_positive_offset Int32,
    exp_positive_counts Array(UInt64),
    exp_negative_offset Int32,
    exp_negative_counts Array(UInt64),
    quantiles Array(Float64),
    quantile_values Array(Float64),
    flags UInt32,
    exemplar_time_unix_nano Array(UInt64),
    exemplar_values Array(Float64),
    exemplar_trace_ids Array(String),
    exemplar_span_ids Array(String),
    batch_id String,
    batch_row UInt32
)
ENGINE = MergeTree()
PARTITION BY toDate(timestamp)
ORDER BY (tenant, service_name, metric_name, timestamp)
