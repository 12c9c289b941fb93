-- Per function, memory size and architecture over a window: what
-- right-sizing and the warnings read, from the materialized tables
-- (migration 0008), never from every invocation: whole days from
-- function_days, the hours at the window's ragged ends from function_hours.
-- Duration quantiles come from the merged histograms (analyzer/src/reports/
-- function_usage.rs); memory used is exact, value by value, and only merged
-- when the caller needs it (`with_memory`: right-sizing does, the warnings
-- do not — the merge is a third of the query's time). The hours' branch
-- names the days it may touch, so ClickHouse reads at most the two
-- partitions of the ragged ends: `function_hours` is partitioned by day and
-- 18.16 cannot prune partitions from a condition on `hour`.
-- params: with_memory = 1; tenant = 'default'; first_day = 1767225600; end_day = 1769904000; tenant = 'default'; from_epoch = 1767225600; last_second = 1769903999; first_day = 1767225600; end_day = 1769904000; from_epoch = 1767225600; first_day = 1767225600; end_day = 1769904000; to_epoch = 1769904000
SELECT
    provider,
    account,
    region,
    function,
    memory_mb,
    arch,
    latest_runtime AS runtime,
    latest_seen AS last_seen,
    timeout_max AS timeout_ms_max,
    timeout_last AS timeout_ms_last,
    all_invocations AS invocations,
    all_cold_starts AS cold_starts,
    all_timeouts AS timeouts,
    all_oom_errors AS oom_errors,
    toString(all_duration_sum) AS duration_sum,
    longest AS duration_max,
    all_billed_ms AS billed_ms,
    toString(all_cost_usd) AS cost_usd,
    most_memory AS max_memory_max,
    tupleElement(durations, 1) AS duration_buckets,
    tupleElement(durations, 2) AS duration_counts,
    tupleElement(memory_used, 1) AS memory_values,
    tupleElement(memory_used, 2) AS memory_counts
FROM
(
    SELECT
        provider,
        account,
        region,
        function,
        memory_mb,
        arch,
        argMax(runtime, last_seen) AS latest_runtime,
        max(last_seen) AS latest_seen,
        max(timeout_ms_max) AS timeout_max,
        argMax(timeout_ms_last, last_seen) AS timeout_last,
        toUInt64(sum(invocations)) AS all_invocations,
        toUInt64(sum(cold_starts)) AS all_cold_starts,
        toUInt64(sum(timeouts)) AS all_timeouts,
        toUInt64(sum(oom_errors)) AS all_oom_errors,
        sum(duration_sum) AS all_duration_sum,
        max(duration_max) AS longest,
        toUInt64(sum(billed_ms)) AS all_billed_ms,
        sum(cost_usd) AS all_cost_usd,
        max(max_memory_max) AS most_memory,
        sumMap(duration_buckets, duration_counts) AS durations,
        sumMapIf(memory_values, memory_counts, ? = 1) AS memory_used
    FROM
    (
        SELECT * FROM function_days
        WHERE tenant = ? AND day >= toDate(toDateTime(?)) AND day < toDate(toDateTime(?))
        UNION ALL
        SELECT * FROM function_hours
        WHERE tenant = ?
          AND day >= toDate(toDateTime(?)) AND day <= toDate(toDateTime(?))
          AND (day < toDate(toDateTime(?)) OR day >= toDate(toDateTime(?)))
          AND ((hour >= toDateTime(?) AND hour < toDateTime(?))
                           OR (hour >= toDateTime(?) AND hour < toDateTime(?)))
    )
    GROUP BY provider, account, region, function, memory_mb, arch
)
ORDER BY provider, account, region, function, memory_mb, arch
