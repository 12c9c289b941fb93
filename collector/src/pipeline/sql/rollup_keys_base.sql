-- Invocations per (tenant, provider, function, hour) for the hours a batch
-- touched: what the hourly rollup must count for them.
-- params: batch_id='b1'
SELECT tenant, provider, function, toUInt32(toStartOfHour(start_time)) AS hour_start, count() AS n
FROM invocations
WHERE (tenant, provider, function, toStartOfHour(start_time)) IN
    (SELECT tenant, provider, function, toStartOfHour(start_time) FROM invocations WHERE batch_id = ?)
GROUP BY tenant, provider, function, hour_start
