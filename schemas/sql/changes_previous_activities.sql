-- Grain: activities, one row per activity line of $unit_code x $period_id version $version.
SELECT line_no, activity_date, activity_type, channel, title, quantity, reach, cost, evidence_url
FROM activities
WHERE unit_code = $unit_code AND period_id = $period_id AND version = $version
ORDER BY line_no;
