-- Usage per month and function configuration of one provider, for the
-- bill's configuration charges: billed time (ephemeral storage), SnapStart
-- restores, and the INIT time a container image was billed for before
-- AWS billed INIT for every function (the `init_billed_from` parameter,
-- from faasight-pricing): duration + INIT rounded up to 1 ms, less what the
-- row's billed duration already holds (a REPORT line's Billed Duration
-- includes it; a duration faasight rounded does not).
-- params: init_billed_from = 1754006400; provider = 'aws_lambda'; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    toString(toStartOfMonth(start_time)) AS month,
    account,
    region,
    function,
    arch,
    runtime,
    memory_mb,
    toUInt64(count()) AS requests,
    toUInt64(sum(billed_duration_ms)) AS billed_ms,
    toUInt64(countIf(start_type = 'snapstart')) AS snapstart_restores,
    toUInt64(sumIf(
        greatest(ceil(duration_ms + init_duration_ms - 0.000001) - toFloat64(billed_duration_ms), 0),
        start_type = 'cold' AND init_duration_ms > 0 AND start_time < toDateTime(?)
    )) AS unbilled_init_ms,
    toInt64(toUnixTimestamp(max(start_time))) AS last_start
FROM invocations
WHERE provider = ? AND tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
GROUP BY month, account, region, function, arch, runtime, memory_mb
ORDER BY month, account, region, function, arch, runtime, memory_mb
