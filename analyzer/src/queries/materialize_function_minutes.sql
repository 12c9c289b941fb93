-- One day of function_minutes, into the job's staging copy: each
-- function's invocations per epoch minute.
-- params: from_epoch = 1767225600; to_epoch = 1767312000
INSERT INTO materialize_stage_function_minutes
SELECT
    tenant,
    provider,
    account,
    region,
    function,
    toDate(start_time) AS day,
    tupleElement(sumMap([toUInt32(intDiv(toUInt32(start_time), 60))], [toUInt64(1)]), 1) AS minute_list,
    tupleElement(sumMap([toUInt32(intDiv(toUInt32(start_time), 60))], [toUInt64(1)]), 2) AS minute_counts
FROM invocations
WHERE start_time >= toDateTime(?) AND start_time < toDateTime(?)
GROUP BY tenant, provider, account, region, function, day
