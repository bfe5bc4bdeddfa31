-- Reminders already recorded for $period_id and round $round (the idempotency check).
-- Grain: one row per unit x period x round (reminders).
SELECT unit_code, status, attempts, recipients, eml_path, sent_at
FROM reminders
WHERE period_id = $period_id AND round = $round
ORDER BY unit_code;
