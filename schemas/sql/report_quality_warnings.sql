-- Grain: one row per warning message of the arrival that brought the newest accepted version of
-- each unit for $period_id: the warnings still outstanding in the figures the report uses.
SELECT s.unit_code, s.version, m.rule, m.sheet, m.cell, m.message_vi
FROM current_submissions s
JOIN arrival_messages m ON m.arrival_no = s.arrival_no
WHERE s.period_id = $period_id AND m.severity = 'warning'
ORDER BY s.unit_code, m.seq;
