-- Grain: period_locks, one row per locked period. Lock $period_id once its final report is
-- written; locking an already locked period changes nothing.
INSERT INTO period_locks (period_id, locked_at, report_path, locked_by)
VALUES ($period_id, $locked_at, $report_path, $locked_by)
ON CONFLICT DO NOTHING;
