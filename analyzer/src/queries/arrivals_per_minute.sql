-- Invocations per function name and minute over a window, from the
-- materialized function_minutes (migration 0008): the days the window
-- touches, whose minutes outside it the caller drops. Functions of the same
-- name in several accounts or regions are added up.
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    function,
    minutes,
    counts
FROM function_minutes
WHERE tenant = ? AND day >= toDate(toDateTime(?)) AND day <= toDate(toDateTime(?) - 1)
ORDER BY function, day
