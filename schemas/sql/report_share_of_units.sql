-- Grain: one row for the whole city: among the units in $unit_codes whose newest accepted version
-- for $period_id reports every element of $element_codes (yes/no elements, 1 = yes), how many have
-- all of them = 1 (units_meeting) out of how many reported all of them (units_reporting).
WITH per_unit AS (
    SELECT unit_code,
           count(value)       AS n_reported,
           bool_and(value = 1) AS all_yes
    FROM current_values
    WHERE period_id = $period_id
      AND list_contains($unit_codes, unit_code)
      AND list_contains($element_codes, element_code)
    GROUP BY unit_code
)
SELECT count(*) FILTER (WHERE all_yes)                         AS units_meeting,
       count(*)                                                AS units_count,
       coalesce(list(unit_code ORDER BY unit_code), [])        AS units_reporting
FROM per_unit
WHERE n_reported = len($element_codes);
