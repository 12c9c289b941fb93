-- Line items of AWS Cost and Usage Reports (legacy CUR and CUR 2.0) for
-- AWS Lambda, imported with `faasight import --format aws-cur`, so that
-- the invoice can be set against what telemetry accounts for.
--
-- Re-imports replace, they never add. AWS re-delivers a billing period's
-- report whole as the month goes on, and its line item ids are not stable
-- across deliveries, so neither a key on the line item id nor a
-- ReplacingMergeTree could recognise the same charge twice. Each import
-- instead carries an `import_id` that sorts by time (epoch milliseconds,
-- zero-padded), and readers keep, per tenant, billing period and usage
-- account, only the rows of the latest import that holds that account.
-- This needs no mutation (18.16 has no lightweight DELETE and runs ALTER
-- DELETE asynchronously, which would let a re-import be counted twice
-- until it finished) and is exact from the moment the INSERT returns.
-- `unblended_cost` has the same exact representation as
-- invocations.cost_usd.
CREATE TABLE IF NOT EXISTS cur_line_items
(
    tenant String,
    import_id String,
    source_file String,
    imported_at DateTime('UTC'),
    billing_period Date,
    usage_start DateTime('UTC'),
    account String,
    region String,
    usage_type String,
    kind String,
    arch String,
    operation String,
    resource_id String,
    function String,
    line_item_type String,
    line_item_id String,
    usage_amount Float64,
    unblended_cost Decimal(18, 12)
)
ENGINE = MergeTree()
PARTITION BY toYYYYMM(billing_period)
ORDER BY (tenant, billing_period, account, import_id, region, usage_type)
