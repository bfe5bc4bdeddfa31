-- Grain: narratives, one row per narrative section of $unit_code x $period_id version $version.
SELECT section, body
FROM narratives
WHERE unit_code = $unit_code AND period_id = $period_id AND version = $version
ORDER BY section;
