-- The tenant and key behind materialize_sequence.sql's function_id, with
-- the provider (whose platform keep-alive is the default estimate).
-- params: from_epoch = 1767218400; to_epoch = 1767312000
SELECT
    cityHash64(tenant, provider, account, region, function) AS function_id,
    tenant,
    provider,
    account,
    region,
    function
FROM invocations
WHERE start_time >= toDateTime(?) AND start_time < toDateTime(?)
GROUP BY tenant, provider, account, region, function
