-- Grain: one row per unit x period x data element with a value, from the newest accepted version,
-- for the units in $unit_codes and the periods before $before (the history the plausibility checks
-- compare a submission with: a stock's last value, a flow's median of recent quarters).
SELECT unit_code, period_id, element_code, value
FROM current_values
WHERE list_contains($unit_codes, unit_code)
  AND period_id < $before
  AND value IS NOT NULL;
