-- Invocations, cold starts, errors and cost per time bucket, from the hourly rollup.
-- params: bucket_seconds = 3600; bucket_seconds = 3600; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    toUInt32(intDiv(toUInt32(hour), ?) * ?) AS bucket,
    toUInt64(countMerge(invocations)) AS invocations,
    toUInt64(sumMerge(cold_starts)) AS cold_starts,
    toUInt64(sumMerge(errors)) AS errors,
    toString(sumMerge(cost_usd)) AS cost_usd
FROM invocations_hourly
WHERE tenant = ? AND hour >= toDateTime(?) AND hour < toDateTime(?)
GROUP BY bucket
ORDER BY bucket
