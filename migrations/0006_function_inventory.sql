-- Function configuration inventory: what `aws lambda list-functions` and
-- `aws lambda list-provisioned-concurrency-configs` print, one row per
-- function version or alias and import. Rows are never updated: each
-- import adds a snapshot with the time it was seen, so the bill can tell
-- which configuration was in force when (Provisioned Concurrency, ephemeral
-- storage, SnapStart), and right-sizing and cold-start causes can compare
-- the configured with the observed.
--
-- `kind` is `function` (a list-functions entry: memory, timeout, runtime,
-- architecture, package type, ephemeral storage, SnapStart) or
-- `provisioned_concurrency` (a list-provisioned-concurrency-configs entry:
-- the alias or version in `qualifier` and its concurrency).
CREATE TABLE IF NOT EXISTS function_inventory
(
    tenant String,
    provider String,
    account String,
    region String,
    function String,
    qualifier String,
    kind String,
    memory_mb UInt32,
    timeout_ms UInt32,
    runtime String,
    arch String,
    package_type String,
    ephemeral_storage_mb UInt32,
    snapstart_apply_on String,
    snapstart_status String,
    provisioned_requested UInt32,
    provisioned_allocated UInt32,
    provisioned_status String,
    last_modified String,
    seen_at DateTime('UTC'),
    source String
)
ENGINE = MergeTree()
PARTITION BY toYYYYMM(seen_at)
ORDER BY (tenant, provider, account, region, function, qualifier, kind, seen_at)
