-- Every invocation of a window, for cold-start causes (which need the warm
-- invocations around each cold start: busy and idle time). Not sorted here:
-- the analyzer orders them by (function_id, start_time_ms) as they arrive,
-- which lets ClickHouse stream rows while it reads. Millions of rows, so they
-- are kept short: the function as a 64-bit hash of its key (names come from cold_start_functions.sql),
-- request ids only where a cause is given, and instances as a 48-bit hash
-- (12 hex digits, empty stays empty): they are only compared within one
-- function, where a collision is about 1 in 10^10 even for 1,000 instances.
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    cityHash64(provider, account, region, function) AS function_id,
    version,
    memory_mb,
    if(instance_id = '', '', substring(hex(cityHash64(instance_id)), 1, 12)) AS instance,
    if(start_type IN ('cold', 'suppressed', 'snapstart', 'provisioned'), request_id, '') AS request,
    toInt64(start_time_ms) AS start_time_ms,
    duration_ms,
    start_type,
    init_duration_ms
FROM invocations
WHERE tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
