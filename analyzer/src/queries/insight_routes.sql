-- Routes of each function's traced requests (analyzer/src/insights/routes.rs):
-- SERVER spans of a FaaS resource by `http.route` (else the span name),
-- with the memory used and billed duration of the invocation each belongs
-- to (`faas.invocation_id` = invocations.request_id; a request reported by
-- two sources, e.g. its span and its Lambda REPORT line, counts once with
-- the figures either gave). Only invocations whose id a span names are
-- read into the join. A span's function is its resource's `faas.name`,
-- else its `service.name` (what AWS's OpenTelemetry layer sets it to), on
-- a resource that names its cloud platform.
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    cloud_provider,
    cloud_platform,
    account,
    region,
    function,
    route,
    toUInt64(count()) AS calls,
    quantilesExact(0.5, 0.95)(duration_ms) AS duration_quantiles,
    toUInt64(sum(matched)) AS matched,
    toUInt32(max(memory_used_mb)) AS memory_used_max_mb,
    toUInt64(sum(billed_ms)) AS billed_ms,
    -- The slowest requests make the examples (ties by trace id: the
    -- same answer on every run, whatever the threads' order).
    arrayMap(x -> tupleElement(x, 2), arraySlice(arrayReverseSort(groupArray((duration_ms, trace_id))), 1, 5)) AS example_trace_ids
FROM
(
    SELECT
        trace_id,
        resource_values[indexOf(resource_keys, 'cloud.provider')] AS cloud_provider,
        resource_values[indexOf(resource_keys, 'cloud.platform')] AS cloud_platform,
        resource_values[indexOf(resource_keys, 'cloud.account.id')] AS account,
        resource_values[indexOf(resource_keys, 'cloud.region')] AS region,
        if(has(resource_keys, 'faas.name'), resource_values[indexOf(resource_keys, 'faas.name')], service_name) AS function,
        if(has(attribute_keys, 'http.route'), attribute_values[indexOf(attribute_keys, 'http.route')], name) AS route,
        toFloat64(duration_ns) / 1000000 AS duration_ms,
        attribute_values[indexOf(attribute_keys, 'faas.invocation_id')] AS request_id
    FROM spans
    WHERE tenant = ? AND timestamp >= toDateTime(?) AND timestamp < toDateTime(?)
      AND kind = 2 AND has(resource_keys, 'cloud.platform')
) AS requests
ANY LEFT JOIN
(
    SELECT
        request_id,
        toUInt8(1) AS matched,
        max(max_memory_used_mb) AS memory_used_mb,
        max(billed_duration_ms) AS billed_ms
    FROM invocations
    WHERE tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)
      AND request_id != ''
      AND request_id GLOBAL IN
      (
          SELECT attribute_values[indexOf(attribute_keys, 'faas.invocation_id')]
          FROM spans
          WHERE tenant = ? AND timestamp >= toDateTime(?) AND timestamp < toDateTime(?)
            AND kind = 2 AND has(attribute_keys, 'faas.invocation_id')
      )
    GROUP BY request_id
) AS invoked USING (request_id)
GROUP BY cloud_provider, cloud_platform, account, region, function, route
ORDER BY function, route
LIMIT 100000
