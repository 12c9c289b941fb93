-- Cold starts, INIT (or SnapStart restore) durations and INIT's share of cost
-- in three groupings from one pass (ARRAY JOIN gives every row each key):
-- `dimension`, per value of one dimension (function, version, region,
-- runtime, memory, trigger or day); `init_billing_era`, before / from
-- 2025-08-01, when AWS began billing INIT for on-demand ZIP functions on
-- managed runtimes; and `function`, the invocations of each function.
-- Read from the materialized tables (migration 0008), never from every
-- invocation: invocations and list cost per hour from `invocation_hours`
-- (a report's window is whole hours, see TimeRange), cold starts with their
-- INIT durations and INIT cost from `cold_starts`.
-- A cold start is an on-demand init or a SnapStart restore (as the hourly
-- rollup counts them). Constants are materialize()d: 18.16 refuses a UNION
-- ALL whose branches disagree on a column being constant. INIT cost: see materialize_sequence.sql; the total
-- cost is the exact Decimal sum.
-- params: dimension = 'function'; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
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
        toUInt64(sum(n)) AS invocations,
        toUInt64(sum(cold)) AS cold_starts,
        quantilesExactIf(0.5, 0.9, 0.99)(init_ms, cold = 1) AS iq,
        sum(init_cost) AS init_cost_pico,
        toString(sum(cost)) AS total_cost_usd
    FROM
    (
        SELECT provider, account, region, function, version, runtime, memory_mb, trigger,
               hour AS t, toUInt64(invocations) AS n, toDecimal128(cost_usd, 12) AS cost,
               materialize(toUInt8(0)) AS cold, materialize(toFloat64(0)) AS init_ms, materialize(toInt64(0)) AS init_cost
        FROM invocation_hours
        WHERE tenant = ? AND hour >= toDateTime(?) AND hour < toDateTime(?)
        UNION ALL
        SELECT provider, account, region, function, version, runtime, memory_mb, trigger,
               start_time AS t, materialize(toUInt64(0)) AS n, materialize(toDecimal128(0, 12)) AS cost,
               toUInt8(start_type IN ('cold', 'snapstart')) AS cold,
               toFloat64(init_duration_ms + restore_duration_ms) AS init_ms, toInt64(init_cost_pico) AS init_cost
        FROM cold_starts
        WHERE tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
    )
    ARRAY JOIN
        [
            multiIf(
                dim = 'version', concat(function, '@', version),
                dim = 'region', region,
                dim = 'runtime', runtime,
                dim = 'memory', toString(memory_mb),
                dim = 'trigger', trigger,
                dim = 'day', toString(toDate(t)),
                concat(provider, '/', account, '/', region, '/', function)
            ),
            if(t < toDateTime('2025-08-01 00:00:00', 'UTC'), 'before 2025-08-01', 'from 2025-08-01'),
            concat(provider, '/', account, '/', region, '/', function)
        ] AS key,
        ['dimension', 'init_billing_era', 'function'] AS grouping
    GROUP BY grouping, key
)
ORDER BY grouping, key
