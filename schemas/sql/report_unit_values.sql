-- Grain: one row per period x unit x data element with a value, from the newest accepted version
-- of each unit x period (current_values), for the periods in $period_ids and the elements in
-- $element_codes: the per-unit values the like-for-like comparisons and trends regroup.
SELECT period_id, unit_code, element_code, value
FROM current_values
WHERE list_contains($period_ids, period_id)
  AND list_contains($element_codes, element_code)
  AND value IS NOT NULL
ORDER BY period_id, unit_code, element_code;
