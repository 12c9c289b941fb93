-- Totals of a tenant over a time range, from the hourly rollup: the
-- overview's cards (invocations, errors, cold starts, cost, duration
-- percentiles across every function).
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    toUInt64(countMerge(invocations)) AS invocations,
    toUInt64(sumMerge(errors)) AS errors,
    toUInt64(sumMerge(cold_starts)) AS cold_starts,
    toString(sumMerge(cost_usd)) AS cost_usd,
    toFloat64(arrayElement(quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_ms_quantiles), 1)) AS p50_duration_ms,
    toFloat64(arrayElement(quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_ms_quantiles), 2)) AS p95_duration_ms,
    toFloat64(arrayElement(quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_ms_quantiles), 3)) AS p99_duration_ms
FROM invocations_hourly
WHERE tenant = ? AND hour >= toDateTime(?) AND hour < toDateTime(?)
