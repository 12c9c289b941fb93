-- INIT durations of one function's cold starts in bins of `bin_ms`, the
-- last bin holding everything from 59 bins up: the function page's
-- histogram.
-- params: bin_ms = 100; provider = 'aws_lambda'; account = '1'; region = 'us-east-1'; function = 'f'; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
WITH ? AS bin_ms
SELECT
    toUInt32(least(intDiv(toUInt64(init_duration_ms), bin_ms), 59)) AS bin,
    toUInt64(count()) AS cold_starts
FROM invocations
WHERE provider = ? AND account = ? AND region = ? AND function = ?
  AND init_duration_ms > 0
  AND tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
GROUP BY bin
ORDER BY bin
