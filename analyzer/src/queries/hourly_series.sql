-- Cost, invocations, errors and cold starts per function and hour, from the
-- hourly rollup, for the seasonal anomaly scores.
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    concat(provider, '/', account, '/', region, '/', function) AS key,
    toInt64(toUInt32(hour)) AS hour_epoch,
    toUInt64(countMerge(invocations)) AS invocations,
    toUInt64(sumMerge(errors)) AS errors,
    toUInt64(sumMerge(cold_starts)) AS cold_starts,
    toString(sumMerge(cost_usd)) AS cost_usd
FROM invocations_hourly
WHERE tenant = ? AND hour >= toDateTime(?) AND hour < toDateTime(?)
GROUP BY key, hour_epoch
ORDER BY key, hour_epoch
