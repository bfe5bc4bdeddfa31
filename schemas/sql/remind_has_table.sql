-- Grain: one row: whether the warehouse has the reminders table (a dry run opens the warehouse
-- read-only, and a workspace of an earlier version has no reminders recorded yet).
SELECT count(*) = 1 AS ready
FROM duckdb_tables()
WHERE table_name = 'reminders';
