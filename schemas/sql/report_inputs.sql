-- Grain: one row per unit with an accepted submission for $period_id: the newest version, when it
-- was received and the sha256 of the file it came from (the report manifest's inputs).
SELECT unit_code, version, sha256, received_at
FROM current_submissions
WHERE period_id = $period_id
ORDER BY unit_code;
