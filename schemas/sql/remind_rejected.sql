-- Reminders (tasks/remind): what was wrong with the last rejected file of each unit that has no
-- accepted submission for $period_id: the file, when it came, and its first error (receipt order).
-- Grain: one row per unit with rejected arrivals and no accepted version for $period_id.
WITH last_rejected AS (
    SELECT unit_code, max(arrival_no) AS arrival_no
    FROM arrivals
    WHERE period_id = $period_id AND status = 'rejected' AND unit_code IS NOT NULL
      AND unit_code NOT IN (SELECT unit_code FROM current_submissions WHERE period_id = $period_id)
    GROUP BY unit_code
)
SELECT l.unit_code, a.file_name, a.received_at, a.timeliness,
       m.rule, m.sheet, m.cell, m.message_vi,
       (SELECT count(*) FROM arrival_messages e
        WHERE e.arrival_no = l.arrival_no AND e.severity = 'error') AS errors
FROM last_rejected l
JOIN arrivals a USING (arrival_no)
LEFT JOIN arrival_messages m
       ON m.arrival_no = l.arrival_no
      AND m.seq = (SELECT min(seq) FROM arrival_messages f
                   WHERE f.arrival_no = l.arrival_no AND f.severity = 'error')
ORDER BY l.unit_code;
