-- Unit result sheets (tasks/unit_pages): what a unit's figures are compared with. The median over the
-- units of a type that reported the element this period (newest accepted versions), and the city
-- total over all units. $unit_codes / $unit_types: the catalogue's units and their types, as two
-- parallel lists (the catalogue is the YAML files, not the warehouse snapshot).
-- Grain: one row per unit type x element reported in period $period_id (city_total repeats per type;
-- a unit not in the catalogue counts in the city total under unit_type NULL).
WITH units AS (
    SELECT unnest($unit_codes) AS unit_code, unnest($unit_types) AS unit_type
),
reported AS (
    SELECT v.unit_code, u.unit_type, v.element_code, v.value
    FROM current_values v
    LEFT JOIN units u USING (unit_code)
    WHERE v.period_id = $period_id AND v.value IS NOT NULL
),
totals AS (
    SELECT element_code, sum(value) AS city_total, count(*) AS city_units
    FROM reported
    GROUP BY element_code
)
SELECT r.unit_type, r.element_code, median(r.value) AS type_median, count(*) AS type_units,
       any_value(t.city_total) AS city_total, any_value(t.city_units) AS city_units
FROM reported r
JOIN totals t USING (element_code)
GROUP BY r.unit_type, r.element_code
ORDER BY r.unit_type NULLS LAST, r.element_code;
