-- Step 2 of rebuilding one rollup key from the base table: the same SELECT
-- as invocations_hourly_mv (migrations/0003_invocations_hourly.sql), for
-- one (tenant, provider, function, hour). The collector's pipeline tests
-- check that a rebuilt rollup agrees with one the view built.
-- params: tenant='default'; provider='aws_lambda'; function='f'; from=1767229200; to=1767229200
INSERT INTO invocations_hourly
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
WHERE tenant = ? AND provider = ? AND function = ?
    AND start_time >= toDateTime(?, 'UTC') AND start_time < toDateTime(?, 'UTC') + 3600
GROUP BY tenant, provider, account, region, function, version, runtime, arch, memory_mb, hour
