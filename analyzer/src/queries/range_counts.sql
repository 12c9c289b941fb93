-- Counts and list cost of a tenant over a time range, from the hourly
-- rollup: the overview's comparison with the previous range, which shows
-- no percentiles (merging every hour's duration digest is most of what
-- range_totals.sql costs).
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    toUInt64(countMerge(invocations)) AS invocations,
    toUInt64(sumMerge(errors)) AS errors,
    toUInt64(sumMerge(cold_starts)) AS cold_starts,
    toString(sumMerge(cost_usd)) AS cost_usd
FROM invocations_hourly
WHERE tenant = ? AND hour >= toDateTime(?) AND hour < toDateTime(?)
