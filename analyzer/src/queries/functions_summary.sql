-- Per-function totals over a time range, from the hourly rollup.
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    provider,
    function,
    region,
    account,
    toUInt64(countMerge(invocations)) AS invocations,
    toUInt64(sumMerge(errors)) AS errors,
    toUInt64(sumMerge(cold_starts)) AS cold_starts,
    toFloat64(arrayElement(quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_ms_quantiles), 2)) AS p95_duration_ms,
    toString(sumMerge(cost_usd)) AS cost_usd
FROM invocations_hourly
WHERE tenant = ? AND hour >= toDateTime(?) AND hour < toDateTime(?)
GROUP BY provider, function, region, account
ORDER BY provider, function, region, account
