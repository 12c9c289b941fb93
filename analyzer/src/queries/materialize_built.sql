-- Per UTC day, the figures its derived tables were last built from (the
-- latest build wins, to the microsecond).
-- params: none
SELECT
    toString(day) AS day,
    argMax(invocations, build_us) AS invocations,
    toUInt32(argMax(max_ingested_at, build_us)) AS max_ingested_at
FROM materialized_days
GROUP BY day
ORDER BY day
