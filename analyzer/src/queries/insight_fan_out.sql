-- Same-named children of each traced request, where a request has at least
-- four (analyzer/src/insights/fan_out.rs judges whether they ran one after
-- another): per trace, SERVER span of a FaaS resource and child name.
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    cloud_provider,
    cloud_platform,
    account,
    region,
    function,
    child_name,
    trace_id,
    parent_duration_ns,
    starts,
    ends
FROM
(
    SELECT
        trace_id,
        parent_span_id AS span_id,
        name AS child_name,
        groupArray(start_time_unix_nano) AS starts,
        groupArray(end_time_unix_nano) AS ends
    FROM spans
    WHERE tenant = ? AND timestamp >= toDateTime(?) AND timestamp < toDateTime(?)
      AND parent_span_id != ''
    GROUP BY trace_id, parent_span_id, name
    HAVING count() >= 4
) AS child_groups
ANY INNER JOIN
(
    SELECT
        trace_id,
        span_id,
        resource_values[indexOf(resource_keys, 'cloud.provider')] AS cloud_provider,
        resource_values[indexOf(resource_keys, 'cloud.platform')] AS cloud_platform,
        resource_values[indexOf(resource_keys, 'cloud.account.id')] AS account,
        resource_values[indexOf(resource_keys, 'cloud.region')] AS region,
        if(has(resource_keys, 'faas.name'), resource_values[indexOf(resource_keys, 'faas.name')], service_name) AS function,
        duration_ns AS parent_duration_ns
    FROM spans
    WHERE tenant = ? AND timestamp >= toDateTime(?) AND timestamp < toDateTime(?)
      AND kind = 2 AND has(resource_keys, 'cloud.platform')
) AS parents USING (trace_id, span_id)
ORDER BY function, child_name, trace_id
LIMIT 200000
