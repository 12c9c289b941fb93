-- One function's invocations in the window, start and duration (cold
-- starts only when asked): what the sweeps of
-- analyzer/src/insights/concurrency.rs run over.
-- params: cold_only = 0; provider = 'aws_lambda'; account = '1'; region = 'us-east-1'; function = 'f'; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
WITH toUInt8(?) AS cold_only
SELECT toInt64(start_time_ms) AS start_ms, duration_ms
FROM invocations
WHERE provider = ? AND account = ? AND region = ? AND function = ?
  AND tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
  AND (cold_only = 0 OR start_type IN ('cold', 'snapstart'))
ORDER BY start_ms
