-- Grain: element_values, one row per data element of $unit_code x $period_id version $version.
SELECT element_code, value, note
FROM element_values
WHERE unit_code = $unit_code AND period_id = $period_id AND version = $version
ORDER BY element_code;
