-- Each row's position within its write batch. An INSERT that the collector
-- abandons (a timeout, a crash of either side) can be committed in part:
-- ClickHouse 18.16 ends a chunked HTTP body that breaks off as if it were
-- complete. Replay asks which positions of a batch are stored and inserts
-- only the others, so a partly stored batch is completed without doubling
-- any row (0 in rows written before this column existed).
ALTER TABLE invocations ADD COLUMN batch_row UInt32;
ALTER TABLE spans ADD COLUMN batch_row UInt32;
ALTER TABLE logs ADD COLUMN batch_row UInt32
