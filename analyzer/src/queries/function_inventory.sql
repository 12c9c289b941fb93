-- Function configuration snapshots seen before the end of the billed
-- period, oldest first per function (migrations/0006_function_inventory.sql).
-- params: tenant = 'default'; to_epoch = 1769904000
SELECT
    provider,
    account,
    region,
    function,
    qualifier,
    kind,
    memory_mb,
    timeout_ms,
    runtime,
    arch,
    package_type,
    ephemeral_storage_mb,
    snapstart_apply_on,
    provisioned_requested,
    provisioned_allocated,
    toInt64(toUnixTimestamp(seen_at)) AS seen_at
FROM function_inventory
WHERE tenant = ? AND seen_at < toDateTime(?)
ORDER BY provider, account, region, function, qualifier, kind, seen_at
LIMIT 200000
