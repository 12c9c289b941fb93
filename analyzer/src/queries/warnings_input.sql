-- Per function over the window: what the warnings look at. Memory size,
-- memory used and timeout are those of the latest configured size (memory
-- used at an older size says nothing about the current one).
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    function,
    toUInt64(sum(n)) AS invocations,
    toUInt64(sum(cold)) AS cold_starts,
    argMax(memory_mb, last_seen) AS memory_mb,
    argMax(memory_used, last_seen) AS max_memory_used_mb,
    argMax(timeout, last_seen) AS timeout_ms,
    toFloat64(quantileExactMerge(0.99)(dq)) AS duration_p99_ms,
    max(duration_max) AS duration_max_ms,
    toUInt64(sum(timeouts)) AS timeouts,
    toUInt64(sum(ooms)) AS oom_errors,
    toString(sum(cost)) AS cost_usd
FROM
(
    SELECT
        concat(provider, '/', account, '/', region, '/', function) AS function,
        memory_mb,
        max(start_time_ms) AS last_seen,
        count() AS n,
        countIf(start_type IN ('cold', 'snapstart')) AS cold,
        max(max_memory_used_mb) AS memory_used,
        argMax(timeout_ms, start_time_ms) AS timeout,
        quantileExactState(0.99)(duration_ms) AS dq,
        max(duration_ms) AS duration_max,
        countIf(status = 'timeout') AS timeouts,
        countIf(position(error_type, 'OutOfMemory') > 0) AS ooms,
        sum(cost_usd) AS cost
    FROM invocations
    WHERE tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
    GROUP BY function, memory_mb
)
GROUP BY function
ORDER BY function
