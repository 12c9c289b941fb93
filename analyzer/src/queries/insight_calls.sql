-- Calls from a function to a function in traces, per edge and mode
-- (analyzer/src/insights/calls.rs): CLIENT spans of a FaaS resource that
-- invoke a function (`faas.invoked_name`, or the AWS SDK's
-- rpc.service = 'Lambda', rpc.method = 'Invoke'), joined to the callee's
-- SERVER span when it was traced (its parent is the call). A call is
-- synchronous unless its invocation type is Event or DryRun, Lambda
-- answered 202 (asynchronous), or the callee ended after the call did.
-- Attribute names: OpenTelemetry semantic conventions (faas.*, rpc.*,
-- http.*, cloud.*), https://opentelemetry.io/docs/specs/semconv/faas/.
-- params: tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000; tenant = 'default'; from_epoch = 1767225600; to_epoch = 1769904000
SELECT
    caller_cloud_provider,
    caller_cloud_platform,
    caller_account,
    caller_region,
    caller_function,
    callee_cloud_provider,
    callee_cloud_platform,
    callee_account,
    callee_region,
    callee_function,
    invoked_name,
    toUInt8(multiIf(
        lower(invocation_type) IN ('event', 'dryrun'), 0,
        status_code = '202', 0,
        callee_end_ns > call_end_ns, 0,
        1)) AS synchronous,
    toUInt64(count()) AS calls,
    sum(toFloat64(call_ns)) / 1000000 AS waited_ms,
    -- The slowest calls make the examples (ties by trace id: the same
    -- answer on every run, whatever the threads' order).
    arrayMap(x -> tupleElement(x, 2), arraySlice(arrayReverseSort(groupArray((call_ns, trace_id))), 1, 5)) AS example_trace_ids
FROM
(
    SELECT
        trace_id,
        span_id,
        resource_values[indexOf(resource_keys, 'cloud.provider')] AS caller_cloud_provider,
        resource_values[indexOf(resource_keys, 'cloud.platform')] AS caller_cloud_platform,
        resource_values[indexOf(resource_keys, 'cloud.account.id')] AS caller_account,
        resource_values[indexOf(resource_keys, 'cloud.region')] AS caller_region,
        if(has(resource_keys, 'faas.name'), resource_values[indexOf(resource_keys, 'faas.name')], service_name) AS caller_function,
        if(has(attribute_keys, 'faas.invoked_name'),
           attribute_values[indexOf(attribute_keys, 'faas.invoked_name')],
           attribute_values[indexOf(attribute_keys, 'aws.lambda.function_name')]) AS invoked_name,
        if(has(attribute_keys, 'aws.lambda.invocation_type'),
           attribute_values[indexOf(attribute_keys, 'aws.lambda.invocation_type')],
           attribute_values[indexOf(attribute_keys, 'faas.invocation_type')]) AS invocation_type,
        if(has(attribute_keys, 'http.response.status_code'),
           attribute_values[indexOf(attribute_keys, 'http.response.status_code')],
           attribute_values[indexOf(attribute_keys, 'http.status_code')]) AS status_code,
        end_time_unix_nano AS call_end_ns,
        end_time_unix_nano - start_time_unix_nano AS call_ns
    FROM spans
    WHERE tenant = ? AND timestamp >= toDateTime(?) AND timestamp < toDateTime(?)
      AND kind = 3
      AND has(resource_keys, 'cloud.platform')
      AND (has(attribute_keys, 'faas.invoked_name')
           OR (attribute_values[indexOf(attribute_keys, 'rpc.service')] = 'Lambda'
               AND attribute_values[indexOf(attribute_keys, 'rpc.method')] = 'Invoke'))
) AS calls_made
ANY LEFT JOIN
(
    SELECT
        trace_id,
        parent_span_id AS span_id,
        resource_values[indexOf(resource_keys, 'cloud.provider')] AS callee_cloud_provider,
        resource_values[indexOf(resource_keys, 'cloud.platform')] AS callee_cloud_platform,
        resource_values[indexOf(resource_keys, 'cloud.account.id')] AS callee_account,
        resource_values[indexOf(resource_keys, 'cloud.region')] AS callee_region,
        if(has(resource_keys, 'faas.name'), resource_values[indexOf(resource_keys, 'faas.name')], service_name) AS callee_function,
        end_time_unix_nano AS callee_end_ns
    FROM spans
    WHERE tenant = ? AND timestamp >= toDateTime(?) AND timestamp < toDateTime(?)
      AND kind = 2 AND parent_span_id != '' AND has(resource_keys, 'cloud.platform')
) AS callee_spans USING (trace_id, span_id)
GROUP BY
    caller_cloud_provider, caller_cloud_platform, caller_account, caller_region, caller_function,
    callee_cloud_provider, callee_cloud_platform, callee_account, callee_region, callee_function,
    invoked_name, synchronous
ORDER BY caller_function, callee_function, invoked_name, synchronous
LIMIT 10000
