-- Cold starts, INIT (or SnapStart restore) durations and INIT's share of cost
-- in two groupings from one scan (ARRAY JOIN gives every row both keys):
-- `dimension`, per value of one dimension (function, version, region,
-- runtime, memory, trigger or day), and `init_billing_era`, before / from
-- 2025-08-01, when AWS began billing INIT for on-demand ZIP functions on
-- managed runtimes.
-- A cold start is an on-demand init or a SnapStart restore (as the hourly
-- rollup counts them). INIT cost: for cold starts whose billed duration
-- covers duration + INIT (INIT was billed), the INIT part of that cost,
-- pro rata by time (the request charge is included, a slight overstatement),
-- rounded to the pico-dollar per invocation so the sum is exact and the same
-- on every run; the total cost is the exact Decimal sum.
-- params: dimension = 'function'; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    grouping,
    key,
    invocations,
    cold_starts,
    toFloat64(iq[1]) AS init_ms_p50,
    toFloat64(iq[2]) AS init_ms_p90,
    toFloat64(iq[3]) AS init_ms_p99,
    init_cost_pico,
    total_cost_usd
FROM
(
    WITH ? AS dim
    SELECT
        grouping,
        key,
        toUInt64(count()) AS invocations,
        toUInt64(countIf(start_type IN ('cold', 'snapstart'))) AS cold_starts,
        quantilesExactIf(0.5, 0.9, 0.99)(init_duration_ms + restore_duration_ms, start_type IN ('cold', 'snapstart')) AS iq,
        sumIf(toInt64(round(toFloat64(cost_usd) * 1000000000000 * init_duration_ms / (duration_ms + init_duration_ms))),
              start_type = 'cold' AND init_duration_ms > 0 AND toFloat64(billed_duration_ms) + 1 >= duration_ms + init_duration_ms) AS init_cost_pico,
        toString(sum(cost_usd)) AS total_cost_usd
    FROM invocations
    ARRAY JOIN
        [
            multiIf(
                dim = 'version', concat(function, '@', version),
                dim = 'region', region,
                dim = 'runtime', runtime,
                dim = 'memory', toString(memory_mb),
                dim = 'trigger', trigger,
                dim = 'day', toString(toDate(start_time)),
                concat(provider, '/', account, '/', region, '/', function)
            ),
            if(start_time < toDateTime('2025-08-01 00:00:00', 'UTC'), 'before 2025-08-01', 'from 2025-08-01')
        ] AS key,
        ['dimension', 'init_billing_era'] AS grouping
    WHERE tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
    GROUP BY grouping, key
)
ORDER BY grouping, key
