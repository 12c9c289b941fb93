-- Functions that ran before a day's look-back (from the hourly rollup,
-- which keeps every function-hour), with the configuration of their last
-- hour: their first cold start after it waited longer than any keep-alive,
-- and another configuration after it is a deploy.
-- params: before_epoch = 1767240000
SELECT
    cityHash64(tenant, provider, account, region, function) AS function_id,
    argMax(version, hour) AS version,
    toInt64(argMax(memory_mb, hour)) AS memory_mb
FROM invocations_hourly
WHERE hour < toDateTime(?)
GROUP BY tenant, provider, account, region, function
