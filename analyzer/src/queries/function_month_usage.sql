-- Usage per month and function configuration of one provider, for the
-- bill's configuration charges, from the materialized usage_days (whole
-- days; migration 0008): billed time (ephemeral storage), SnapStart
-- restores, and the INIT time a container image was billed for before AWS
-- billed INIT for every function (computed when the day was built; see
-- materialize_usage_days.sql).
-- params: provider = 'aws_lambda'; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    toString(toStartOfMonth(day)) AS month,
    account,
    region,
    function,
    arch,
    runtime,
    memory_mb,
    toUInt64(sum(requests)) AS requests,
    toUInt64(sum(billed_ms)) AS billed_ms,
    toUInt64(sum(snapstart_restores)) AS snapstart_restores,
    toUInt64(sum(unbilled_init_ms)) AS unbilled_init_ms,
    max(last_start) AS last_start
FROM usage_days
WHERE provider = ? AND tenant = ? AND day >= toDate(toDateTime(?)) AND day < toDate(toDateTime(?))
GROUP BY month, account, region, function, arch, runtime, memory_mb
ORDER BY month, account, region, function, arch, runtime, memory_mb
