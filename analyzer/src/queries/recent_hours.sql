-- One function's invocations per hour over a time range, newest first,
-- from the hourly rollup: where its latest invocations lie, so that
-- recent_invocations.sql reads only those hours of raw rows and not the
-- whole range (its ORDER BY ... LIMIT must otherwise sort every
-- invocation of the function in the range).
-- params: provider = 'aws_lambda'; account = '1'; region = 'us-east-1'; function = 'f'; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    toInt64(toUInt32(hour)) AS hour_start,
    toUInt64(countMerge(invocations)) AS calls
FROM invocations_hourly
WHERE provider = ? AND account = ? AND region = ? AND function = ?
  AND tenant = ? AND hour >= toDateTime(?) AND hour < toDateTime(?)
GROUP BY hour
ORDER BY hour DESC
