-- Per UTC day, the figures its derived tables were last built from (the
-- latest build wins).
-- params: none
SELECT
    toString(day) AS day,
    argMax(invocations, built_at) AS invocations,
    toUInt32(argMax(max_ingested_at, built_at)) AS max_ingested_at
FROM materialized_days
GROUP BY day
ORDER BY day
