-- What the hourly rollup counts for the hours a batch touched.
-- params: batch_id='b1'
SELECT tenant, provider, function, toUInt32(hour) AS hour_start, countMerge(invocations) AS n
FROM invocations_hourly
WHERE (tenant, provider, function, hour) IN
    (SELECT tenant, provider, function, toStartOfHour(start_time) FROM invocations WHERE batch_id = ?)
GROUP BY tenant, provider, function, hour_start
