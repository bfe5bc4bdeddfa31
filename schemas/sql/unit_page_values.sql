-- Unit result sheets (tasks/unit_pages): every unit's own value of every element in the period, from
-- its newest accepted version (NULL = not reported).
-- Grain: one row per unit x element of the current submissions of period $period_id.
SELECT unit_code, element_code, value
FROM current_values
WHERE period_id = $period_id
ORDER BY unit_code, element_code;
