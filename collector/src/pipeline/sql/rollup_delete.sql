-- Step 1 of rebuilding one rollup key (see rollup_rebuild.sql): a mutation,
-- applied in the background; the collector waits for it in system.mutations.
-- params: tenant='default'; provider='aws_lambda'; function='f'; hour=1767229200
ALTER TABLE invocations_hourly DELETE
WHERE tenant = ? AND provider = ? AND function = ? AND hour = toDateTime(?, 'UTC')
