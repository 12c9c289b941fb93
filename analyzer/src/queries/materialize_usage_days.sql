-- One day of usage_days, into the job's staging copy: requests, billed
-- time, list cost, SnapStart restores and the INIT time billed to container
-- images before AWS billed INIT for every function (duration + INIT rounded
-- up to 1 ms, less what the billed duration already holds; before the
-- `init_billed_from` parameter, from faasight-pricing), per billed
-- configuration. Azure rows are split by the memory they used.
-- params: init_billed_from = 1754006400; from_epoch = 1767225600; to_epoch = 1767312000
INSERT INTO materialize_stage_usage_days
SELECT
    tenant,
    provider,
    account,
    region,
    function,
    arch,
    runtime,
    memory_mb,
    if(provider IN ('azure_functions', 'azure_functions_flex'), max_memory_used_mb, toUInt32(0)) AS observed,
    toDate(start_time) AS day,
    toUInt64(count()) AS calls,
    toUInt64(sum(billed_duration_ms)) AS billed,
    sum(cost_usd) AS cost,
    toUInt64(countIf(start_type = 'snapstart')) AS restores,
    toUInt64(sumIf(
        greatest(ceil(duration_ms + init_duration_ms - 0.000001) - toFloat64(billed_duration_ms), 0),
        start_type = 'cold' AND init_duration_ms > 0 AND start_time < toDateTime(?)
    )) AS unbilled_init,
    toInt64(toUnixTimestamp(max(start_time))) AS latest_start
FROM invocations
WHERE start_time >= toDateTime(?) AND start_time < toDateTime(?)
GROUP BY tenant, provider, account, region, function, arch, runtime, memory_mb, observed, day
