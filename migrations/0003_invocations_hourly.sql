-- Hourly rollup of `invocations`, kept up to date on insert by a materialized
-- view. Dashboards read it for long ranges: per function and hour it holds
-- exact counts and sums (cost stays Decimal) plus a t-digest of durations.
-- Read back with the -Merge combinators, e.g. countMerge(invocations).
CREATE TABLE IF NOT EXISTS invocations_hourly
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
    hour DateTime('UTC'),
    invocations AggregateFunction(count),
    errors AggregateFunction(sum, UInt64),
    timeouts AggregateFunction(sum, UInt64),
    cold_starts AggregateFunction(sum, UInt64),
    duration_ms_sum AggregateFunction(sum, Float64),
    billed_duration_ms_sum AggregateFunction(sum, UInt64),
    init_duration_ms_sum AggregateFunction(sum, Float64),
    cost_usd AggregateFunction(sum, Decimal(18, 12)),
    duration_ms_quantiles AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), Float64),
    max_memory_used_mb AggregateFunction(max, UInt32)
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant, provider, function, hour, region, account, version, runtime, arch, memory_mb);

-- A cold start is any start that ran an initialisation the caller waited for
-- (on-demand `cold` or SnapStart `snapstart` restore); provisioned and
-- proactive inits are not user-facing cold starts.
CREATE MATERIALIZED VIEW IF NOT EXISTS invocations_hourly_mv TO invocations_hourly AS
SELECT
    tenant,
    provider,
    account,
    region,
    function,
    version,
    runtime,
    arch,
    memory_mb,
    toStartOfHour(start_time) AS hour,
    countState() AS invocations,
    sumState(toUInt64(status != 'success')) AS errors,
    sumState(toUInt64(status = 'timeout')) AS timeouts,
    sumState(toUInt64(start_type IN ('cold', 'snapstart'))) AS cold_starts,
    sumState(duration_ms) AS duration_ms_sum,
    sumState(billed_duration_ms) AS billed_duration_ms_sum,
    sumState(init_duration_ms) AS init_duration_ms_sum,
    sumState(cost_usd) AS cost_usd,
    quantilesTDigestState(0.5, 0.95, 0.99)(duration_ms) AS duration_ms_quantiles,
    maxState(max_memory_used_mb) AS max_memory_used_mb
FROM invocations
GROUP BY tenant, provider, account, region, function, version, runtime, arch, memory_mb, hour
