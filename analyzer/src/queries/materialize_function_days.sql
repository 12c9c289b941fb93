-- One day of function_days from the same day of the staging function_hours:
-- the hours' figures added up and their histograms merged.
-- params: day_epoch = 1767225600
INSERT INTO materialize_stage_function_days
SELECT
    tenant,
    provider,
    account,
    region,
    function,
    memory_mb,
    arch,
    day,
    toStartOfDay(min(hour)) AS day_start,
    argMax(runtime, last_seen) AS latest_runtime,
    max(last_seen) AS latest_seen,
    max(timeout_ms_max) AS timeout_max,
    argMax(timeout_ms_last, last_seen) AS timeout_last,
    sum(invocations) AS all_invocations,
    sum(cold_starts) AS all_cold_starts,
    sum(timeouts) AS all_timeouts,
    sum(oom_errors) AS all_oom_errors,
    sum(duration_sum) AS all_duration_sum,
    max(duration_max) AS longest,
    sum(billed_ms) AS all_billed_ms,
    sum(cost_usd) AS all_cost_usd,
    max(max_memory_max) AS most_memory,
    tupleElement(sumMap(duration_buckets, duration_counts), 1) AS buckets,
    tupleElement(sumMap(duration_buckets, duration_counts), 2) AS bucket_counts,
    tupleElement(sumMap(memory_values, memory_counts), 1) AS used_values,
    tupleElement(sumMap(memory_values, memory_counts), 2) AS used_counts
FROM materialize_stage_function_hours
WHERE day = toDate(toDateTime(?))
GROUP BY tenant, provider, account, region, function, memory_mb, arch, day
