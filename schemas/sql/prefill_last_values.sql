-- Grain: one row per unit x data element: the last accepted value of each element in
-- $element_codes for each unit in $unit_codes, from the latest period before $period_id whose newest
-- accepted version reports it (not blank), with that version and when it was received.
SELECT v.unit_code,
       v.element_code,
       v.period_id,
       v.version,
       v.value,
       s.received_at
FROM current_values v
JOIN current_submissions s USING (unit_code, period_id, version)
WHERE list_contains($unit_codes, v.unit_code)
  AND list_contains($element_codes, v.element_code)
  AND v.period_id < $period_id
  AND v.value IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY v.unit_code, v.element_code ORDER BY v.period_id DESC) = 1
ORDER BY v.unit_code, v.element_code;
