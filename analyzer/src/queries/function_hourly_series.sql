-- One function's cost, invocations, errors and cold starts per hour, from
-- the hourly rollup: the function page's incidents (the same series as
-- hourly_series.sql, for one function).
-- params: provider = 'aws_lambda'; account = '1'; region = 'us-east-1'; function = 'f'; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    concat(provider, '/', account, '/', region, '/', function) AS key,
    toInt64(toUInt32(hour)) AS hour_epoch,
    toUInt64(countMerge(invocations)) AS invocations,
    toUInt64(sumMerge(errors)) AS errors,
    toUInt64(sumMerge(cold_starts)) AS cold_starts,
    toString(sumMerge(cost_usd)) AS cost_usd
FROM invocations_hourly
WHERE provider = ? AND account = ? AND region = ? AND function = ?
  AND tenant = ? AND hour >= toDateTime(?) AND hour < toDateTime(?)
GROUP BY key, hour_epoch
ORDER BY key, hour_epoch
