-- AWS Lambda functions that may have started more new environments in
-- 10 s than Lambda's scaling rate allows (analyzer/src/insights/limits.rs):
-- those with more than half the rate in some aligned 10-s bucket. Any
-- 10-s window spans at most two buckets, so a function below half in
-- every bucket cannot exceed the rate; the candidates' cold starts are
-- then counted in sliding windows (insight_cold_start_times.sql).
-- params: half_rate = 0; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
WITH toUInt64(?) AS half_rate
SELECT provider, account, region, function
FROM
(
    SELECT provider, account, region, function, intDiv(start_time_ms, 10000) AS bucket, count() AS starts
    FROM invocations
    WHERE tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
      AND provider = 'aws_lambda' AND start_type IN ('cold', 'snapstart')
    GROUP BY provider, account, region, function, bucket
)
GROUP BY provider, account, region, function
HAVING max(starts) > half_rate
ORDER BY provider, account, region, function
