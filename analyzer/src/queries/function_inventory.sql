-- Function configuration snapshots seen before a time, whole rows
-- (migrations/0006_function_inventory.sql), oldest first per function.
-- params: tenant = 'default'; to_epoch = 1769904000
SELECT
    tenant,
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
    snapstart_status,
    provisioned_requested,
    provisioned_allocated,
    provisioned_status,
    last_modified,
    seen_at,
    source
FROM function_inventory
WHERE tenant = ? AND seen_at < toDateTime(?)
ORDER BY provider, account, region, function, qualifier, kind, seen_at
LIMIT 200000
