-- The collector tags every row with the id of the write batch that carried
-- it. When a batch is replayed from the on-disk spool after a failed or
-- timed-out insert, the collector first looks for its id: if ClickHouse did
-- receive the batch, it is not inserted (nor rolled up) a second time.
ALTER TABLE invocations ADD COLUMN batch_id String;
ALTER TABLE spans ADD COLUMN batch_id String;
ALTER TABLE logs ADD COLUMN batch_id String
