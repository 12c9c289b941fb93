-- Each account and region's concurrency hour by hour, exact at 1 ms: the
-- sweep of analyzer/src/insights/concurrency.rs pushed down: events
-- encoded as 2·t + 1 for a start and 2·t for an end (sorted, an end
-- comes before a start at the same millisecond), their running sum of
-- +1/−1 the concurrency after each event, unrolled and
-- grouped by the hour of each event. Per hour: the events at its first
-- millisecond and the level after them, the highest level after a later
-- event, and the level after its last event, which the next hours start
-- from (analyzer/src/insights/concurrency.rs, `peaks_from_levels`).
-- "After" goes by position in the sorted array, not by event: invocations
-- starting (or ending) at the same millisecond have equal events, and
-- the level after the last of them is the one that holds. An
-- invocation holds [start − its INIT (cold start) or restore (SnapStart),
-- start + ceil(duration, ≥ 1 ms)) — an environment counts towards the
-- limit while it initialises.
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    provider,
    account,
    region,
    toInt64(intDiv(intDiv(event, 2), 3600000) * 3600) AS hour_epoch,
    toUInt64(countIf(intDiv(event, 2) % 3600000 = 0)) AS start_events,
    toUInt64(argMaxIf(level, position, intDiv(event, 2) % 3600000 = 0)) AS start_level,
    toUInt64(maxIf(level, intDiv(event, 2) % 3600000 != 0)) AS highest_after_start,
    toUInt64(argMax(level, position)) AS last_level
FROM
(
    SELECT
        provider,
        account,
        region,
        events,
        arrayCumSum(arrayMap(e -> if(e % 2 = 1, 1, -1), events)) AS running
    FROM
    (
        SELECT
            provider,
            account,
            region,
            arraySort(arrayConcat(
                groupArray((toInt64(start_time_ms) - toInt64(ceil(multiIf(start_type = 'cold', init_duration_ms, start_type = 'snapstart', restore_duration_ms, 0)))) * 2 + 1),
                groupArray((toInt64(start_time_ms) + greatest(toInt64(ceil(duration_ms)), 1)) * 2))) AS events
        FROM invocations
        WHERE tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
        GROUP BY provider, account, region
    )
)
ARRAY JOIN events AS event, running AS level, arrayEnumerate(events) AS position
GROUP BY provider, account, region, hour_epoch
ORDER BY provider, account, region, hour_epoch
