-- Every invocation of a window in order per function, for cold-start causes
-- (which need the warm invocations around each cold start: busy and idle time).
-- Millions of rows: request ids only where a cause is given, and instances as
-- a hash (they are only compared), to keep the rows short.
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    concat(provider, '/', account, '/', region, '/', function) AS function,
    provider,
    version,
    memory_mb,
    toString(cityHash64(instance_id)) AS instance,
    if(start_type IN ('cold', 'suppressed', 'snapstart', 'provisioned'), request_id, '') AS request,
    toInt64(start_time_ms) AS start_time_ms,
    duration_ms,
    start_type,
    init_duration_ms
FROM invocations
WHERE tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
ORDER BY function, start_time_ms
