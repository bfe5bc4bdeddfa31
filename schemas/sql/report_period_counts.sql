-- Grain: one row per period in $period_ids that has at least one accepted submission: the number of
-- units with a current (newest accepted) submission for it.
SELECT period_id, count(*) AS units_submitted
FROM current_submissions
WHERE list_contains($period_ids, period_id)
GROUP BY period_id
ORDER BY period_id;
