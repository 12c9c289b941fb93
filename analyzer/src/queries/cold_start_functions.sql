-- The function keys behind cold_start_sequence.sql's function_id, with
-- their provider (whose platform keep-alive is the default estimate). The key
-- is not aliased `function`: that alias would replace the column in the hash.
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    cityHash64(provider, account, region, function) AS function_id,
    concat(provider, '/', account, '/', region, '/', function) AS function_key,
    provider
FROM invocations
WHERE tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
GROUP BY provider, account, region, function
ORDER BY function_key
