-- One function's activity per time bucket, from the hourly rollup: the
-- function page's charts (invocations, errors, cold starts, cost, duration
-- percentiles, memory used against memory configured).
-- params: bucket_seconds = 3600; bucket_seconds = 3600; provider = 'aws_lambda'; account = '1'; region = 'us-east-1'; function = 'f'; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    toUInt32(intDiv(toUInt32(hour), ?) * ?) AS bucket,
    toUInt64(countMerge(invocations)) AS invocations,
    toUInt64(sumMerge(errors)) AS errors,
    toUInt64(sumMerge(cold_starts)) AS cold_starts,
    toString(sumMerge(cost_usd)) AS cost_usd,
    toFloat64(arrayElement(quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_ms_quantiles), 1)) AS p50_duration_ms,
    toFloat64(arrayElement(quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_ms_quantiles), 2)) AS p95_duration_ms,
    toFloat64(arrayElement(quantilesTDigestMerge(0.5, 0.95, 0.99)(duration_ms_quantiles), 3)) AS p99_duration_ms,
    toUInt32(maxMerge(max_memory_used_mb)) AS max_memory_used_mb,
    toUInt32(max(memory_mb)) AS memory_mb
FROM invocations_hourly
WHERE provider = ? AND account = ? AND region = ? AND function = ?
  AND tenant = ? AND hour >= toDateTime(?) AND hour < toDateTime(?)
GROUP BY bucket
ORDER BY bucket
