-- Grain: one row per arrival of $unit_code x $period_id (arrivals; duplicates carry the unit and
-- period of the first arrival of their bytes), in order of arrival, with its number of messages.
SELECT a.arrival_no, a.receipt_name, a.file_name, a.received_at, a.status, a.version,
       a.timeliness, a.duplicate_of,
       (SELECT count(*) FROM arrival_messages m WHERE m.arrival_no = a.arrival_no) AS messages
FROM arrivals a
WHERE a.unit_code = $unit_code AND a.period_id = $period_id
ORDER BY a.arrival_no;
