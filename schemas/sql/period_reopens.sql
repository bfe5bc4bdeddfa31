-- Grain: one row per reopening of $period_id (period_reopens), oldest first (`dxreport history`;
-- the report a new one replaces is the last row's report_path).
SELECT reopened_at, reopened_by, reason, locked_at, report_path, last_arrival_no
FROM period_reopens
WHERE period_id = $period_id
ORDER BY reopened_at, last_arrival_no;
