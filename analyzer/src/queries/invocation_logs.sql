-- Log records of a trace or of an invocation (request id), in time order
-- (at most 1,000).
-- params: trace_id = '0af7651916cd43dd8448eb211c80319c'; request_id = ''; tenant = 'default'
WITH ? AS want_trace, ? AS want_request
SELECT
    toUInt64(time_unix_nano) AS time_ns,
    severity_text,
    body,
    service_name,
    function,
    request_id,
    trace_id,
    span_id
FROM logs
WHERE ((want_trace != '' AND trace_id = want_trace) OR (want_request != '' AND request_id = want_request))
  AND tenant = ?
ORDER BY time_ns
LIMIT 1000
