-- Each function's invocations in the window and its latest configuration:
-- what its time costs (analyzer/src/reports/insights.rs prices it) and how
-- many invocations each traced one stands for.
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    provider,
    account,
    region,
    function,
    toUInt64(count()) AS invocations,
    argMax(memory_mb, start_time_ms) AS memory_mb,
    argMax(arch, start_time_ms) AS arch,
    argMax(runtime, start_time_ms) AS runtime
FROM invocations
WHERE tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
GROUP BY provider, account, region, function
ORDER BY provider, account, region, function
