-- Grain: one row per period x unit type x data element: the sum of the element over the units of
-- that type (newest accepted version of each unit x period) and how many units reported it, for the
-- periods in $period_ids and the elements in $element_codes. Unit types come from the catalogue as
-- two parallel lists ($unit_codes[i] has type $unit_types[i]).
WITH unit_type AS (
    SELECT unnest($unit_codes) AS unit_code, unnest($unit_types) AS unit_type
)
SELECT v.period_id,
       t.unit_type,
       v.element_code,
       sum(v.value)   AS total,
       count(v.value) AS units_reporting
FROM current_values v
JOIN unit_type t USING (unit_code)
WHERE list_contains($period_ids, v.period_id)
  AND list_contains($element_codes, v.element_code)
  AND v.value IS NOT NULL
GROUP BY v.period_id, t.unit_type, v.element_code
ORDER BY v.period_id, t.unit_type, v.element_code;
