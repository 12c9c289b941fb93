-- The functions of a tenant that cost the most over a time range, from the
-- hourly rollup: the overview's top list. Only counts and sums — no
-- percentile digests to merge — so it stays cheap at any volume.
-- The inner names differ from the rollup's columns (`calls`, `cost`):
-- ClickHouse 18.16 would otherwise read an outer alias into the aggregate.
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000; limit = 10
SELECT
    provider,
    account,
    region,
    function,
    calls AS invocations,
    toString(cost) AS cost_usd
FROM
(
    SELECT
        provider,
        account,
        region,
        function,
        toUInt64(countMerge(invocations)) AS calls,
        sumMerge(cost_usd) AS cost
    FROM invocations_hourly
    WHERE tenant = ? AND hour >= toDateTime(?) AND hour < toDateTime(?)
    GROUP BY provider, account, region, function
)
ORDER BY cost DESC, provider, account, region, function
LIMIT ?
