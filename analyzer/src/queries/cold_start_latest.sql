-- The latest classified starts of a window with their causes.
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000; limit = 100
SELECT
    concat(provider, '/', account, '/', region, '/', function) AS function_key,
    request_id,
    start_time_ms,
    start_type,
    cause,
    gap_ms,
    concurrent_busy,
    init_duration_ms
FROM cold_starts
WHERE tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
ORDER BY start_time_ms DESC, request_id DESC
LIMIT ?
