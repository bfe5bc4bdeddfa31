-- Grain: one row per unit x data element of $period_id, from the newest accepted version of each
-- unit (current_values), with that version's receipt facts: the CSV attached to the report.
SELECT v.unit_code, v.element_code, v.value, s.version, s.received_at, s.sha256
FROM current_values v
JOIN current_submissions s USING (unit_code, period_id, version)
WHERE v.period_id = $period_id
ORDER BY v.unit_code, v.element_code;
