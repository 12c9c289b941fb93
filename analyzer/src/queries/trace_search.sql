-- Traces of a time range, newest first (at most 100): those with a given
-- trace id, or touching a service (function), lasting at least a duration,
-- with errors only when asked. Empty strings and zero turn a filter off.
-- params: trace_id = ''; service = ''; min_duration_ns = 0; errors_only = 0; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
WITH ? AS want_trace, ? AS want_service, ? AS min_duration_ns, ? AS errors_only
SELECT
    trace_id,
    toUInt64(min(start_time_unix_nano)) AS start_ns,
    toUInt64(max(end_time_unix_nano) - min(start_time_unix_nano)) AS duration_ns,
    toUInt64(count()) AS spans,
    toUInt64(countIf(status_code = 2)) AS error_spans,
    argMin(service_name, start_time_unix_nano) AS root_service,
    argMin(name, start_time_unix_nano) AS root_name
FROM spans
WHERE tenant = ? AND timestamp >= toDateTime(?) AND timestamp < toDateTime(?)
  AND (want_trace = '' OR trace_id = want_trace)
GROUP BY trace_id
HAVING (want_service = '' OR has(groupUniqArray(service_name), want_service))
   AND duration_ns >= min_duration_ns
   AND (errors_only = 0 OR error_spans > 0)
ORDER BY start_ns DESC
LIMIT 100
