-- Every invocation of a window in order per function, for cold-start causes
-- (which need the warm invocations around each cold start: busy and idle time).
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    concat(provider, '/', account, '/', region, '/', function) AS function,
    provider,
    version,
    memory_mb,
    instance_id,
    request_id,
    toInt64(start_time_ms) AS start_time_ms,
    duration_ms,
    start_type,
    init_duration_ms
FROM invocations
WHERE tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
ORDER BY function, start_time_ms
