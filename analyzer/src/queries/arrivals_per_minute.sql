-- Invocations per function and minute, for the keep-alive replay.
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    function,
    toUInt32(intDiv(toUInt32(start_time), 60)) AS minute,
    toUInt32(count()) AS n
FROM invocations
WHERE tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
GROUP BY function, minute
ORDER BY function, minute
