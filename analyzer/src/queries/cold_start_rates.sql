-- Cold starts, INIT (or SnapStart restore) durations and INIT's share of cost
-- in three groupings from one pass (ARRAY JOIN gives every row each key):
-- `dimension`, per value of one dimension (function, version, region,
-- runtime, memory, trigger or day); `init_billing_era`, before / from
-- 2025-08-01, when AWS began billing INIT for on-demand ZIP functions on
-- managed runtimes; and `function`, the invocations of each function.
-- Read from the materialized `invocation_hours` (migration 0008), never
-- from every invocation: a report's window is whole hours (see TimeRange),
-- so the counts and sums are exact; the INIT quantiles come from the merged
-- histograms (within 0.25 %, analyzer/src/reports/cold_starts.rs).
-- A cold start is an on-demand init or a SnapStart restore (as the hourly
-- rollup counts them). INIT cost: see materialize_sequence.sql; the total
-- cost is the exact Decimal sum.
-- params: dimension = 'function'; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    grouping,
    key,
    invocations,
    cold_starts,
    init_cost_pico,
    total_cost_usd,
    tupleElement(init, 1) AS init_buckets,
    tupleElement(init, 2) AS init_counts
FROM
(
    WITH ? AS dim
    SELECT
        grouping,
        key,
        toUInt64(sum(n)) AS invocations,
        toUInt64(sum(cold)) AS cold_starts,
        sum(init_cost) AS init_cost_pico,
        toString(sum(cost)) AS total_cost_usd,
        sumMap(ib, ic) AS init
    FROM
    (
        SELECT provider, account, region, function, version, runtime, memory_mb, trigger,
               hour AS t, invocations AS n, cost_usd AS cost, cold_starts AS cold,
               init_cost_pico AS init_cost, init_buckets AS ib, init_counts AS ic
        FROM invocation_hours
        WHERE tenant = ? AND hour >= toDateTime(?) AND hour < toDateTime(?)
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
