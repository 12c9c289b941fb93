-- List cost per day by provider, region, account or function (dimension),
-- from the hourly rollup: the cost page's stacked chart.
-- params: dimension = 'provider'; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
WITH ? AS dim
SELECT
    multiIf(
        dim = 'provider', provider,
        dim = 'region', concat(provider, '/', region),
        dim = 'account', concat(provider, '/', account),
        concat(provider, '/', account, '/', region, '/', function)
    ) AS key,
    toString(toDate(hour)) AS day,
    toString(sumMerge(cost_usd)) AS cost_usd
FROM invocations_hourly
WHERE tenant = ? AND hour >= toDateTime(?) AND hour < toDateTime(?)
GROUP BY key, day
ORDER BY day, key
