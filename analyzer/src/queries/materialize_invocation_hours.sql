-- One day of invocation_hours, into the job's staging copy of the table
-- (INIT cost as in materialize_sequence.sql; INIT buckets as durations'
-- in materialize_function_hours.sql).
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
    toUInt64(count()) AS calls,
    sum(cost_usd) AS list_cost,
    toUInt64(countIf(cold)) AS cold_start_count,
    sum(if(start_type = 'cold' AND init_duration_ms > 0 AND toFloat64(billed_duration_ms) + 1 >= duration_ms + init_duration_ms,
           toInt64(round(toFloat64(cost_usd) * 1000000000000 * init_duration_ms / (duration_ms + init_duration_ms))),
           toInt64(0))) AS init_cost,
    tupleElement(sumMapIf([init_bucket], [toUInt64(1)], cold), 1) AS buckets,
    tupleElement(sumMapIf([init_bucket], [toUInt64(1)], cold), 2) AS bucket_counts
FROM
(
    SELECT
        *,
        start_type IN ('cold', 'snapstart') AS cold,
        toUInt16(if(init_duration_ms + restore_duration_ms <= 0.001, 0,
                    floor(log((init_duration_ms + restore_duration_ms) / 0.001) / log(1.005)) + 1)) AS init_bucket
    FROM invocations
    WHERE start_time >= toDateTime(?) AND start_time < toDateTime(?)
)
GROUP BY tenant, provider, account, region, function, version, runtime, memory_mb, trigger, day, hour
