-- The version the next accepted submission of $unit_code x $period_id gets (submissions: 1 if none).
SELECT coalesce(max(version), 0) + 1 AS version
FROM submissions
WHERE unit_code = $unit_code AND period_id = $period_id;
