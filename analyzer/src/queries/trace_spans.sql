-- Every span of one trace (at most 2,000), in start order: the waterfall.
-- params: trace_id = '0af7651916cd43dd8448eb211c80319c'; tenant = 'default'
SELECT
    span_id,
    parent_span_id,
    name,
    service_name,
    toInt8(kind) AS kind,
    toInt8(status_code) AS status_code,
    status_message,
    toUInt64(start_time_unix_nano) AS start_ns,
    toUInt64(end_time_unix_nano) AS end_ns
FROM spans
WHERE trace_id = ? AND tenant = ?
ORDER BY start_ns, span_id
LIMIT 2000
