-- Unit result sheets (tasks/unit_pages): like-for-like values over the last quarters. The caller
-- maps each (unit, quarter) to the units whose data count for it (the unit itself and, through
-- successor_of links followed recursively, the predecessors that existed in that quarter), as three
-- parallel lists $map_units / $map_periods / $map_sources; values of the newest accepted versions
-- are summed over those sources.
-- Grain: one row per unit x quarter x element with at least one source that reported a value.
WITH map AS (
    SELECT unnest($map_units) AS unit_code,
           unnest($map_periods) AS period_id,
           unnest($map_sources) AS source_code
)
SELECT m.unit_code, m.period_id, v.element_code, sum(v.value) AS value,
       list(DISTINCT m.source_code ORDER BY m.source_code)
           FILTER (WHERE m.source_code <> m.unit_code) AS predecessors
FROM map m
JOIN current_values v ON v.unit_code = m.source_code AND v.period_id = m.period_id
WHERE v.value IS NOT NULL
GROUP BY m.unit_code, m.period_id, v.element_code
ORDER BY m.unit_code, m.period_id, v.element_code;
