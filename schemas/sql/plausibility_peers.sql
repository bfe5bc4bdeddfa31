-- Grain: one row per unit x period x data element with a value, from the newest accepted version,
-- for the periods in $period_ids (the peers the plausibility checks compare a submission with).
SELECT unit_code, period_id, element_code, value
FROM current_values
WHERE list_contains($period_ids, period_id)
  AND value IS NOT NULL;
