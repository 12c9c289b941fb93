-- One line per function over a time range, from the hourly rollup: the
-- functions page. Runtime, architecture and memory are those of the latest
-- hour with invocations (a function's configuration can change).
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    provider,
    account,
    region,
    function,
    argMax(runtime, hour) AS runtime,
    argMax(arch, hour) AS arch,
    argMax(memory_mb, hour) AS memory_mb,
    toUInt64(countMerge(invocations)) AS invocations,
    toUInt64(sumMerge(errors)) AS errors,
    toUInt64(sumMerge(cold_starts)) AS cold_starts,
    toFloat64(arrayElement(quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_ms_quantiles), 1)) AS p50_duration_ms,
    toFloat64(arrayElement(quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_ms_quantiles), 2)) AS p95_duration_ms,
    toFloat64(arrayElement(quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_ms_quantiles), 3)) AS p99_duration_ms,
    toUInt32(maxMerge(max_memory_used_mb)) AS max_memory_used_mb,
    toString(sumMerge(cost_usd)) AS cost_usd
FROM invocations_hourly
WHERE tenant = ? AND hour >= toDateTime(?) AND hour < toDateTime(?)
GROUP BY provider, account, region, function
ORDER BY provider, account, region, function
