-- Grain: one row per rejected arrival that cannot be attributed to a unit of the catalogue (no
-- readable unit code, or a code not in $unit_codes) and that declared $period_id or no readable
-- period while received between $from_ts and $to_ts; with its first error message.
SELECT a.arrival_no, a.receipt_name, a.file_name, a.received_at, a.unit_code, a.period_id,
       (SELECT m.message_vi FROM arrival_messages m
        WHERE m.arrival_no = a.arrival_no AND m.severity = 'error' ORDER BY m.seq LIMIT 1) AS first_error
FROM arrivals a
WHERE a.status = 'rejected'
  AND (a.unit_code IS NULL OR NOT list_contains($unit_codes, a.unit_code))
  AND (a.period_id = $period_id
       OR (a.period_id IS NULL AND a.received_at >= $from_ts AND a.received_at <= $to_ts))
ORDER BY a.arrival_no;
