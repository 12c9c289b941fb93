-- One function's latest invocations (at most 50), newest first: the
-- function page's list, each linking to its trace and logs.
-- params: provider = 'aws_lambda'; account = '1'; region = 'us-east-1'; function = 'f'; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    toUInt64(start_time_ms) AS start_time_ms,
    request_id,
    trace_id,
    duration_ms,
    billed_duration_ms,
    init_duration_ms,
    memory_mb,
    max_memory_used_mb,
    start_type,
    status,
    error_type,
    toString(cost_usd) AS cost_usd
FROM invocations
WHERE provider = ? AND account = ? AND region = ? AND function = ?
  AND tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
ORDER BY start_time_ms DESC
LIMIT 50
