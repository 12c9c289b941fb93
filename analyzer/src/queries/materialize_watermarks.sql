-- Per UTC day, what `invocations` holds now (all tenants): the figures a
-- day of the derived tables is built from, compared with those it was
-- built from (materialize_built.sql) to find the days to build again.
-- params: none
SELECT
    toString(toDate(start_time)) AS day,
    toUInt64(count()) AS invocations,
    toUInt32(max(ingested_at)) AS max_ingested_at
FROM invocations
GROUP BY day
ORDER BY day
