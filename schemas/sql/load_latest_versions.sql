-- The newest version of each unit x period that has one (submissions: one row per unit x period returned).
SELECT unit_code, period_id, max(version) AS version
FROM submissions
WHERE unit_code IN (SELECT unnest($unit_code))
GROUP BY unit_code, period_id;
