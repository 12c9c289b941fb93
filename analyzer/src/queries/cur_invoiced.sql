-- Invoiced AWS Lambda usage and cost of one billing period, per account,
-- region, usage type, line item type and function, from the Cost and
-- Usage Report line items of `faasight import --format aws-cur`. Of each
-- account's imports for the period only the latest counts: a re-import
-- replaces (see migrations/0007_cur_line_items.sql).
-- params: tenant = 'default'; period = '2026-01-01'; tenant = 'default'; period = '2026-01-01'
SELECT
    account,
    region,
    usage_type,
    kind,
    arch,
    line_item_type,
    function,
    sum(usage_amount) AS usage_amount,
    toString(sum(unblended_cost)) AS unblended_cost,
    toUInt64(count()) AS line_items
FROM cur_line_items
WHERE tenant = ? AND billing_period = toDate(?)
    AND (account, import_id) IN (
        SELECT account, max(import_id)
        FROM cur_line_items
        WHERE tenant = ? AND billing_period = toDate(?)
        GROUP BY account
    )
GROUP BY account, region, usage_type, kind, arch, line_item_type, function
ORDER BY account, region, usage_type, kind, arch, line_item_type, function
