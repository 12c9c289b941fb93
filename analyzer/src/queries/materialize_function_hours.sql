-- One day of function_hours, into the job's staging copy: per function,
-- memory size, architecture and hour, the figures right-sizing and the
-- warnings read (see migration 0008 for the duration buckets).
-- params: from_epoch = 1767225600; to_epoch = 1767312000
INSERT INTO materialize_stage_function_hours
SELECT
    tenant,
    provider,
    account,
    region,
    function,
    memory_mb,
    arch,
    toDate(start_time) AS day,
    toStartOfHour(start_time) AS hour,
    argMax(runtime, start_time_ms) AS latest_runtime,
    toInt64(max(start_time_ms)) AS last_seen,
    max(timeout_ms) AS timeout_max,
    argMax(timeout_ms, start_time_ms) AS timeout_last,
    toUInt64(count()) AS invocations,
    toUInt64(countIf(start_type IN ('cold', 'snapstart'))) AS cold_starts,
    toUInt64(countIf(status = 'timeout')) AS timeouts,
    toUInt64(countIf(position(error_type, 'OutOfMemory') > 0)) AS oom_errors,
    sum(toDecimal128(duration_ms, 6)) AS duration_sum,
    max(duration_ms) AS duration_max,
    toUInt64(sum(billed_duration_ms)) AS billed_ms,
    sum(cost_usd) AS all_cost_usd,
    max(max_memory_used_mb) AS max_memory_max,
    tupleElement(sumMap([toUInt16(if(duration_ms <= 0.001, 0, floor(log(duration_ms / 0.001) / log(1.005)) + 1))], [toUInt64(1)]), 1) AS buckets,
    tupleElement(sumMap([toUInt16(if(duration_ms <= 0.001, 0, floor(log(duration_ms / 0.001) / log(1.005)) + 1))], [toUInt64(1)]), 2) AS bucket_counts,
    tupleElement(sumMapIf([max_memory_used_mb], [toUInt64(1)], max_memory_used_mb > 0), 1) AS used_values,
    tupleElement(sumMapIf([max_memory_used_mb], [toUInt64(1)], max_memory_used_mb > 0), 2) AS used_counts
FROM invocations
WHERE start_time >= toDateTime(?) AND start_time < toDateTime(?)
GROUP BY tenant, provider, account, region, function, memory_mb, arch, day, hour
