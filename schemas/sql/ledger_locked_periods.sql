-- Grain: one row per locked (issued) period.
SELECT period_id FROM period_locks ORDER BY period_id;
