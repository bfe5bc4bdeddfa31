-- Grain: one row for the whole city: Σ $element over the units in $unit_codes and the periods in
-- $period_ids (year to date: the year's quarters up to the report's period), newest accepted
-- version of each unit x period. units_reporting lists the units with a value in any of those
-- periods: the coverage matches the sum (a unit reorganised during the year still counts).
SELECT sum(value) AS total,
       coalesce(list(DISTINCT unit_code ORDER BY unit_code), []) AS units_reporting
FROM current_values
WHERE list_contains($period_ids, period_id)
  AND list_contains($unit_codes, unit_code)
  AND element_code = $element
  AND value IS NOT NULL;
