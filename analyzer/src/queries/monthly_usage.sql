-- Usage per month, provider, account, region, architecture and memory size,
-- for the monthly bill. Azure rows are also split by the memory they used:
-- Consumption bills observed memory, rounded by faasight-pricing's rule (so
-- the rule lives in one place, not here).
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    toString(toStartOfMonth(start_time)) AS month,
    provider,
    account,
    region,
    arch,
    memory_mb,
    if(provider IN ('azure_functions', 'azure_functions_flex'), max_memory_used_mb, toUInt32(0)) AS observed_memory_mb,
    toUInt64(count()) AS requests,
    toUInt64(sum(billed_duration_ms)) AS billed_ms,
    toString(sum(cost_usd)) AS list_cost
FROM invocations
WHERE tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
GROUP BY month, provider, account, region, arch, memory_mb, observed_memory_mb
ORDER BY month, provider, account, region, arch, memory_mb, observed_memory_mb
