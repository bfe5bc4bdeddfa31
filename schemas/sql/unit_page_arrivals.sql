-- Unit result sheets (tasks/unit_pages): every file received for the period, oldest first (counted
-- or not: the history shows all of them; duplicates carry the unit and period of the first arrival).
-- Grain: one row per arrival with unit_code and period_id = $period_id.
SELECT arrival_no, unit_code, received_at, file_name, status, version, timeliness
FROM arrivals
WHERE period_id = $period_id AND unit_code IS NOT NULL
ORDER BY unit_code, arrival_no;
