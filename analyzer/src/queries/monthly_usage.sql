-- Usage per month, provider, account, region, architecture and memory size,
-- for the monthly bill, from the materialized usage_days (a bill covers
-- whole months, so whole days; migration 0008). Azure rows are also split
-- by the memory they used: Consumption bills observed memory, rounded by
-- faasight-pricing's rule (so the rule lives in one place, not here).
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    toString(toStartOfMonth(day)) AS month,
    provider,
    account,
    region,
    arch,
    memory_mb,
    observed_memory_mb,
    toUInt64(sum(requests)) AS requests,
    toUInt64(sum(billed_ms)) AS billed_ms,
    toString(sum(list_cost)) AS list_cost
FROM usage_days
WHERE tenant = ? AND day >= toDate(toDateTime(?)) AND day < toDate(toDateTime(?))
GROUP BY month, provider, account, region, arch, memory_mb, observed_memory_mb
ORDER BY month, provider, account, region, arch, memory_mb, observed_memory_mb
