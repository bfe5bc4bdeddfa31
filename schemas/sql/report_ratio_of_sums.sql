-- Grain: one row for the whole city: Σ $numerator and Σ $denominator over the units in $unit_codes
-- that reported BOTH elements, taken from the newest accepted version of each unit x period for the
-- periods in $period_ids (one period for a cut-off indicator). Never an average of unit ratios.
-- units_reporting lists the units that contributed (for the "n/N đơn vị báo cáo" coverage).
WITH per_unit_period AS (
    SELECT unit_code,
           period_id,
           any_value(value) FILTER (WHERE element_code = $numerator)   AS num,
           any_value(value) FILTER (WHERE element_code = $denominator) AS den
    FROM current_values
    WHERE list_contains($period_ids, period_id)
      AND list_contains($unit_codes, unit_code)
      AND element_code IN ($numerator, $denominator)
    GROUP BY unit_code, period_id
)
SELECT sum(num)                                      AS numerator,
       sum(den)                                      AS denominator,
       coalesce(list(DISTINCT unit_code ORDER BY unit_code), []) AS units_reporting
FROM per_unit_period
WHERE num IS NOT NULL AND den IS NOT NULL;
