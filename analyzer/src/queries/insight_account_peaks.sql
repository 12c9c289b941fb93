-- Each account and region's highest concurrency, exact at 1 ms
-- (analyzer/src/insights/concurrency.rs does the same sweep): an
-- invocation holds [start − its INIT (cold start) or restore (SnapStart),
-- start + ceil(duration, ≥ 1 ms)) — an environment counts towards the
-- limit while it initialises; events are
-- encoded as 2·t + 1 for a start and 2·t for an end, so that sorted, an
-- end comes before a start at the same millisecond; the running sum of
-- +1/−1 is the concurrency after each event.
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT provider, account, region, peak, intDiv(peak_event, 2) AS peak_at_ms
FROM
(
    SELECT
        provider,
        account,
        region,
        arraySort(arrayConcat(
            groupArray((toInt64(start_time_ms) - toInt64(ceil(multiIf(start_type = 'cold', init_duration_ms, start_type = 'snapstart', restore_duration_ms, 0)))) * 2 + 1),
            groupArray((toInt64(start_time_ms) + greatest(toInt64(ceil(duration_ms)), 1)) * 2))) AS events,
        arrayCumSum(arrayMap(e -> if(e % 2 = 1, 1, -1), events)) AS running,
        toUInt64(arrayReduce('max', running)) AS peak,
        events[indexOf(running, arrayReduce('max', running))] AS peak_event
    FROM invocations
    WHERE tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
    GROUP BY provider, account, region
)
ORDER BY peak DESC, provider, account, region
