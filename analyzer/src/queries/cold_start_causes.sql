-- Classified starts per function and cause in a window, from the
-- materialized `cold_starts` (see analyzer/src/materialize).
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    concat(provider, '/', account, '/', region, '/', function) AS function_key,
    cause,
    toUInt64(count()) AS starts
FROM cold_starts
WHERE tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
GROUP BY function_key, cause
ORDER BY function_key, cause
