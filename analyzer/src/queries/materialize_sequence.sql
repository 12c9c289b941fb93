-- Every invocation from a look-back before a day to the day's end, all
-- tenants, for the cold-start cause rule (which needs the warm invocations
-- around each cold start). Not sorted here: the job orders rows by
-- (function_id, start_time_ms) as they arrive, so ClickHouse streams them
-- while it reads. Kept short, as there are millions: the function as a
-- 64-bit hash of its tenant and key (names from materialize_functions.sql),
-- instances as a 48-bit hash (12 hex digits, empty stays empty; compared
-- only within one function, where a collision is about 1 in 10^10 even for
-- 1,000 instances), and the request id, runtime and trigger only where a
-- cause is given. INIT cost: for cold starts whose billed duration covers
-- duration + INIT (INIT was billed), the INIT part of the invocation's cost
-- pro rata by time (the request charge included, a slight overstatement),
-- rounded to the pico-dollar so that sums are exact.
-- params: from_epoch = 1767218400; to_epoch = 1767312000
SELECT
    cityHash64(tenant, provider, account, region, function) AS function_id,
    version,
    memory_mb,
    if(instance_id = '', '', substring(hex(cityHash64(instance_id)), 1, 12)) AS instance,
    if(classified, request_id, '') AS request,
    toInt64(start_time_ms) AS start_time_ms,
    duration_ms,
    start_type,
    init_duration_ms,
    if(classified, runtime, '') AS runtime_if_classified,
    if(classified, trigger, '') AS trigger_if_classified,
    restore_duration_ms,
    if(start_type = 'cold' AND init_duration_ms > 0 AND toFloat64(billed_duration_ms) + 1 >= duration_ms + init_duration_ms,
       toInt64(round(toFloat64(cost_usd) * 1000000000000 * init_duration_ms / (duration_ms + init_duration_ms))),
       toInt64(0)) AS init_cost_pico
FROM
(
    SELECT *, start_type IN ('cold', 'suppressed', 'snapstart', 'provisioned') AS classified
    FROM invocations
    WHERE start_time >= toDateTime(?) AND start_time < toDateTime(?)
)
