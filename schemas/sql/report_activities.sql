-- Grain: one row per activity type: activity lines of the newest accepted version of every unit for
-- $period_id, with their count of lines, Σ quantity, Σ reach, Σ cost (triệu đồng) and the number of
-- distinct units that reported such an activity.
SELECT activity_type,
       count(*)                  AS lines,
       sum(quantity)             AS quantity,
       sum(reach)                AS reach,
       sum(cost)                 AS cost,
       count(DISTINCT unit_code) AS units
FROM current_activities
WHERE period_id = $period_id
GROUP BY activity_type
ORDER BY activity_type;
