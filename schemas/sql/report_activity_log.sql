-- Grain: one row per activity type x channel of $period_id over the activity lines of the newest
-- accepted versions (current_activities): lines, units, quantity, reach and cost.
SELECT activity_type, channel,
       count(*)                  AS lines,
       count(DISTINCT unit_code) AS units,
       sum(quantity)             AS quantity,
       sum(reach)                AS reach,
       sum(cost)                 AS cost
FROM current_activities
WHERE period_id = $period_id
GROUP BY activity_type, channel
ORDER BY activity_type, channel;
