-- Grain: period_locks, at most one row: the lock of $period_id (when and by which report).
SELECT period_id, locked_at, report_path, locked_by
FROM period_locks
WHERE period_id = $period_id;
