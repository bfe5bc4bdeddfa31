-- Grain: one row per changed value per accepted version >= 2 of $unit_code x $period_id
-- (submission_changes), in version order, then in the receipt's order.
SELECT version, seq, sheet, cell, field, label, old_json, new_json
FROM submission_changes
WHERE unit_code = $unit_code AND period_id = $period_id
ORDER BY version, seq;
