-- Per function, over the days a window touches: the keep-alive its latest
-- day's causes were told with (each day is estimated from that day and its
-- look-back), and the deploys and idle periods of all of them.
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    concat(provider, '/', account, '/', region, '/', function) AS function_key,
    argMax(keep_alive_ms, day) AS keep_alive_ms,
    argMax(keep_alive_basis, day) AS keep_alive_basis,
    toUInt64(sum(deploys)) AS deploys,
    toUInt64(sum(idle_periods_warm)) AS idle_periods_warm,
    toUInt64(sum(idle_periods_cold)) AS idle_periods_cold,
    toUInt64(sum(idle_periods_unexplained)) AS idle_periods_unexplained,
    max(max_instance_idle_ms) AS max_instance_idle_ms
FROM cold_start_days
WHERE tenant = ? AND day >= toDate(toDateTime(?)) AND day <= toDate(toDateTime(?) - 1)
GROUP BY function_key
ORDER BY function_key
