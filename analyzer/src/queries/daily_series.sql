-- Invocations and cost per day for each function, provider, or in total
-- (dimension 'function', 'provider' or 'total'), from the hourly rollup, for
-- forecasts. Days without invocations are absent (the model fills zeros).
-- params: dimension = 'function'; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
WITH ? AS dim
SELECT
    multiIf(
        dim = 'provider', provider,
        dim = 'total', 'total',
        concat(provider, '/', account, '/', region, '/', function)
    ) AS key,
    toString(toDate(hour)) AS day,
    toUInt64(countMerge(invocations)) AS invocations,
    toString(sumMerge(cost_usd)) AS cost_usd
FROM invocations_hourly
WHERE tenant = ? AND hour >= toDateTime(?) AND hour < toDateTime(?)
GROUP BY key, day
ORDER BY key, day
