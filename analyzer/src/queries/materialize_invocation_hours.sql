-- One day of invocation_hours, into the job's staging copy of the table.
-- params: from_epoch = 1767225600; to_epoch = 1767312000
INSERT INTO materialize_stage_invocation_hours
SELECT
    tenant,
    provider,
    account,
    region,
    function,
    version,
    runtime,
    memory_mb,
    trigger,
    toDate(start_time) AS day,
    toStartOfHour(start_time) AS hour,
    toUInt64(count()) AS invocations,
    sum(cost_usd) AS cost_usd
FROM invocations
WHERE start_time >= toDateTime(?) AND start_time < toDateTime(?)
GROUP BY tenant, provider, account, region, function, version, runtime, memory_mb, trigger, day, hour
