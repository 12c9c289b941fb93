-- Cost per function over a window, from the hourly rollup (exact Decimal
-- sums): the previous period of the cost-increase warning.
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    concat(provider, '/', account, '/', region, '/', function) AS function,
    toString(sumMerge(cost_usd)) AS cost_usd
FROM invocations_hourly
WHERE tenant = ? AND hour >= toDateTime(?) AND hour < toDateTime(?)
GROUP BY function
ORDER BY function
