-- The positions (batch_row) of one write batch's rows already in a table.
-- {table} is filled in by the collector from a fixed list.
-- params: batch_id='b1'
SELECT batch_row
FROM {table}
WHERE batch_id = ?
