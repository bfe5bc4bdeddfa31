-- Per province, for $period_id: units in its catalogue snapshot, units with a current submission, on time (one row per province).
SELECT u.province,
       count(DISTINCT u.unit_code) AS units,
       count(DISTINCT s.unit_code) AS submitted,
       count(DISTINCT s.unit_code) FILTER (WHERE s.timeliness = 'on_time') AS on_time
FROM national_units u
LEFT JOIN national_submissions s
       ON s.province = u.province AND s.unit_code = u.unit_code AND s.period_id = $period_id
GROUP BY u.province
ORDER BY u.province;
