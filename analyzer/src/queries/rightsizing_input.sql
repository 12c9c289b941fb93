-- Per function and memory size: duration and memory-use quantiles, timeouts
-- and out-of-memory errors, for the right-sizing model. Memory quantiles skip
-- invocations that did not report memory used (0). Quantiles are exact (a
-- t-digest merged in parallel gives slightly different values run to run).
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    provider,
    account,
    region,
    function,
    memory_mb,
    arch,
    runtime,
    timeout_ms,
    invocations,
    toFloat64(dq[1]) AS duration_p50_ms,
    toFloat64(dq[2]) AS duration_p90_ms,
    toFloat64(dq[3]) AS duration_p99_ms,
    toFloat64(dq[4]) AS duration_p999_ms,
    duration_mean_ms,
    max_memory_p99_mb,
    max_memory_max_mb,
    timeouts,
    oom_errors,
    billed_duration_mean_ms,
    last_seen
FROM
(
    SELECT
        provider,
        account,
        region,
        function,
        memory_mb,
        arch,
        argMax(runtime, start_time_ms) AS runtime,
        max(timeout_ms) AS timeout_ms,
        toUInt64(count()) AS invocations,
        quantilesExact(0.5, 0.9, 0.99, 0.999)(duration_ms) AS dq,
        -- An exact Decimal sum: a Float64 avg depends on the order threads merge
        -- in, and the advice would change in its last digits from run to run.
        toFloat64(sum(toDecimal128(duration_ms, 6))) / count() AS duration_mean_ms,
        toFloat64(quantileExactIf(0.99)(toFloat64(max_memory_used_mb), max_memory_used_mb > 0)) AS max_memory_p99_mb,
        max(max_memory_used_mb) AS max_memory_max_mb,
        toUInt64(countIf(status = 'timeout')) AS timeouts,
        toUInt64(countIf(position(error_type, 'OutOfMemory') > 0)) AS oom_errors,
        avg(billed_duration_ms) AS billed_duration_mean_ms,
        max(start_time_ms) AS last_seen
    FROM invocations
    WHERE tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
    GROUP BY provider, account, region, function, memory_mb, arch
)
ORDER BY provider, account, region, function, memory_mb, arch
