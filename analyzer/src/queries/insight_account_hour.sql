-- One account and region's invocations that hold an environment during
-- [from_ms, to_ms) — its busiest hour, where
-- analyzer/src/insights/concurrency.rs (`first_at_least`) finds the first
-- millisecond of its peak. Occupancy as in insight_account_concurrency.sql:
-- [start − INIT or restore, start + ceil(duration, ≥ 1 ms)). Read from a
-- day before the hour (no invocation runs longer) to an hour after it (an
-- invocation starting after the hour may have held an environment in it
-- for its INIT).
-- params: from_ms = 1767229200000; to_ms = 1767232800000; provider = 'aws_lambda'; account = '1'; region = 'us-east-1'; tenant = 'default'; from_epoch = 1767139200; to_epoch = 1767236400
WITH toInt64(?) AS from_ms, toInt64(?) AS to_ms
SELECT start_ms, end_ms
FROM
(
    SELECT
        toInt64(start_time_ms) - toInt64(ceil(multiIf(start_type = 'cold', init_duration_ms, start_type = 'snapstart', restore_duration_ms, 0))) AS start_ms,
        toInt64(start_time_ms) + greatest(toInt64(ceil(duration_ms)), 1) AS end_ms
    FROM invocations
    WHERE provider = ? AND account = ? AND region = ?
      AND tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
)
WHERE end_ms > from_ms AND start_ms < to_ms
ORDER BY start_ms
