-- Unit result sheets (tasks/unit_pages): a unit's open points for the period. The warnings of the
-- arrival of its current (newest accepted) version; for a unit without an accepted version, the
-- errors of its last rejected file.
-- Grain: one row per message of the one arrival picked per unit in period $period_id.
WITH cur AS (
    SELECT unit_code, arrival_no, 'warning' AS severity
    FROM current_submissions
    WHERE period_id = $period_id
),
last_rejected AS (
    SELECT unit_code, max(arrival_no) AS arrival_no, 'error' AS severity
    FROM arrivals
    WHERE period_id = $period_id AND status = 'rejected' AND unit_code IS NOT NULL
      AND unit_code NOT IN (SELECT unit_code FROM cur)
    GROUP BY unit_code
),
picked AS (
    SELECT * FROM cur
    UNION ALL
    SELECT * FROM last_rejected
)
SELECT p.unit_code, m.severity, m.rule, m.sheet, m.cell, m.message_vi
FROM picked p
JOIN arrival_messages m ON m.arrival_no = p.arrival_no AND m.severity = p.severity
ORDER BY p.unit_code, m.seq;
