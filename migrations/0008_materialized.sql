-- Derived tables that `faasight materialize` (the background job of
-- `collector` and `up`, analyzer/src/materialize) rewrites one UTC day at a
-- time, so that reports read thousands of rows instead of every invocation.
-- Each is partitioned by that day: a pass builds a day in a staging copy of
-- the table and swaps it in with ALTER TABLE ... REPLACE PARTITION (atomic
-- for readers, on 18.16 as on current releases), so a day is never half
-- written and rewriting it after late data never doubles a row.
-- Retention drops their partitions like those of `invocations`.

-- Every classified start (cold, suppressed, snapstart, provisioned) with its
-- cause and the dimensions the rates break down by. `gap_ms` is -1 when
-- nothing of the function ran before it within the pass's look-back.
CREATE TABLE IF NOT EXISTS cold_starts
(
    tenant String,
    provider String,
    account String,
    region String,
    function String,
    version String,
    runtime String,
    memory_mb UInt32,
    trigger String,
    day Date,
    start_time DateTime('UTC'),
    start_time_ms Int64,
    request_id String,
    start_type String,
    cause String,
    gap_ms Int64,
    concurrent_busy UInt32,
    init_duration_ms Float64,
    restore_duration_ms Float64,
    init_cost_pico Int64
)
ENGINE = MergeTree()
PARTITION BY day
ORDER BY (tenant, provider, function, start_time_ms);

-- Per function and day: the keep-alive the day's causes were told with, and
-- the idle periods and deploys behind it. `max_instance_idle_ms` is -1 when
-- no instance was seen idle and then warm.
CREATE TABLE IF NOT EXISTS cold_start_days
(
    tenant String,
    provider String,
    account String,
    region String,
    function String,
    day Date,
    invocations UInt64,
    deploys UInt64,
    keep_alive_ms Int64,
    keep_alive_basis String,
    idle_periods_warm UInt64,
    idle_periods_cold UInt64,
    idle_periods_unexplained UInt64,
    max_instance_idle_ms Int64
)
ENGINE = MergeTree()
PARTITION BY day
ORDER BY (tenant, provider, function, day);

-- Invocations, list cost, cold starts (on-demand inits and SnapStart
-- restores), their INIT cost (see materialize_sequence.sql) and a histogram
-- of their INIT + restore durations (the buckets of `function_hours`
-- below), per hour and every dimension the cold-start rates break down by
-- (the hourly rollup of 0003 has no trigger). A report's window is whole
-- hours, so its rates are exact sums of these rows.
CREATE TABLE IF NOT EXISTS invocation_hours
(
    tenant String,
    provider String,
    account String,
    region String,
    function String,
    version String,
    runtime String,
    memory_mb UInt32,
    trigger String,
    day Date,
    hour DateTime('UTC'),
    invocations UInt64,
    cost_usd Decimal(38, 12),
    cold_starts UInt64,
    init_cost_pico Int64,
    init_buckets Array(UInt16),
    init_counts Array(UInt64)
)
ENGINE = MergeTree()
PARTITION BY day
ORDER BY (tenant, provider, function, hour, version, memory_mb);

-- Per function, memory size and architecture, per hour (`function_hours`)
-- and per day (`function_days`, the same columns with `hour` at midnight):
-- what right-sizing and warnings read. Reports take whole days from
-- `function_days` and the hours at a window's ragged ends from
-- `function_hours`. Durations are kept as a histogram of 0.5 %-wide
-- logarithmic buckets (bucket k ≥ 1 holds 0.001 ms × 1.005^(k−1) to
-- × 1.005^k; 0 holds ≤ 0.001 ms), which merges exactly across hours and
-- days and gives every quantile within 0.25 %; memory used (whole MB) is
-- kept exactly, value by value. The mean duration is an exact Decimal sum.
-- `runtime` and `timeout_ms_last` are those of the latest invocation
-- (`last_seen`, epoch ms).
CREATE TABLE IF NOT EXISTS function_hours
(
    tenant String,
    provider String,
    account String,
    region String,
    function String,
    memory_mb UInt32,
    arch String,
    day Date,
    hour DateTime('UTC'),
    runtime String,
    last_seen Int64,
    timeout_ms_max UInt32,
    timeout_ms_last UInt32,
    invocations UInt64,
    cold_starts UInt64,
    timeouts UInt64,
    oom_errors UInt64,
    duration_sum Decimal(38, 6),
    duration_max Float64,
    billed_ms UInt64,
    cost_usd Decimal(38, 12),
    max_memory_max UInt32,
    duration_buckets Array(UInt16),
    duration_counts Array(UInt64),
    memory_values Array(UInt32),
    memory_counts Array(UInt64)
)
ENGINE = MergeTree()
PARTITION BY day
ORDER BY (tenant, provider, function, hour, memory_mb, arch);

CREATE TABLE IF NOT EXISTS function_days AS function_hours;

-- Per day and billed configuration: what the monthly bill reads (a bill
-- covers whole months, so whole days). `observed_memory_mb` is the memory
-- an invocation used on Azure Functions (Consumption bills observed memory)
-- and 0 elsewhere; `unbilled_init_ms` is the INIT time of cold starts
-- before AWS billed INIT for every function that their billed duration
-- does not hold (see function_month_usage.sql); `last_start` is in epoch
-- seconds.
CREATE TABLE IF NOT EXISTS usage_days
(
    tenant String,
    provider String,
    account String,
    region String,
    function String,
    arch String,
    runtime String,
    memory_mb UInt32,
    observed_memory_mb UInt32,
    day Date,
    requests UInt64,
    billed_ms UInt64,
    list_cost Decimal(38, 12),
    snapstart_restores UInt64,
    unbilled_init_ms UInt64,
    last_start Int64
)
ENGINE = MergeTree()
PARTITION BY day
ORDER BY (tenant, provider, account, region, function, day, arch, runtime, memory_mb, observed_memory_mb);

-- Invocations per function and minute (epoch minutes, sparse: only minutes
-- with calls), one row per function and day: the arrivals the keep-alive
-- what-if replays.
CREATE TABLE IF NOT EXISTS function_minutes
(
    tenant String,
    provider String,
    account String,
    region String,
    function String,
    day Date,
    minutes Array(UInt32),
    counts Array(UInt64)
)
ENGINE = MergeTree()
PARTITION BY day
ORDER BY (tenant, function, day, provider, account, region);

-- What each day was built from: the day's invocation count and latest
-- `ingested_at` (all tenants) when the pass read it. A day whose current
-- figures differ was written to since (late data, an import, retention) and
-- is built again; the latest row per day wins, by `build_us` (epoch
-- microseconds: two builds of a day can fall in the same second).
CREATE TABLE IF NOT EXISTS materialized_days
(
    day Date,
    invocations UInt64,
    max_ingested_at DateTime('UTC'),
    built_at DateTime('UTC'),
    build_us UInt64
)
ENGINE = ReplacingMergeTree(build_us)
ORDER BY day;

-- The job's staging copies, one per derived table: a day is built here and
-- swapped in. The job recreates them from their table at the start of each
-- pass, so a column added to a table later reaches its copy.
CREATE TABLE IF NOT EXISTS materialize_stage_cold_starts AS cold_starts;
CREATE TABLE IF NOT EXISTS materialize_stage_cold_start_days AS cold_start_days;
CREATE TABLE IF NOT EXISTS materialize_stage_invocation_hours AS invocation_hours;
CREATE TABLE IF NOT EXISTS materialize_stage_function_hours AS function_hours;
CREATE TABLE IF NOT EXISTS materialize_stage_function_days AS function_hours;
CREATE TABLE IF NOT EXISTS materialize_stage_usage_days AS usage_days;
CREATE TABLE IF NOT EXISTS materialize_stage_function_minutes AS function_minutes
