-- What telemetry accounts for in one month of AWS Lambda, for setting
-- against the invoice: per account, region, architecture, function and
-- memory size, the requests, Σ billed duration (× memory_mb: MB-ms) and
-- Σ per-invocation list prices, from the hourly rollup.
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    account,
    region,
    arch,
    function,
    memory_mb,
    toUInt64(countMerge(invocations)) AS requests,
    toUInt64(sumMerge(billed_duration_ms_sum)) AS billed_ms,
    toString(sumMerge(cost_usd)) AS list_cost
FROM invocations_hourly
WHERE tenant = ? AND provider = 'aws_lambda' AND hour >= toDateTime(?) AND hour < toDateTime(?)
GROUP BY account, region, arch, function, memory_mb
ORDER BY account, region, arch, function, memory_mb
