-- When the days a window touches were last built: the oldest of their
-- latest builds, epoch seconds (0 when none was built).
-- params: from_epoch = 1767225600; to_epoch = 1769904000
SELECT toUInt32(min(built)) AS built_at
FROM
(
    SELECT day, max(built_at) AS built
    FROM materialized_days
    WHERE day >= toDate(toDateTime(?)) AND day <= toDate(toDateTime(?) - 1)
    GROUP BY day
)
