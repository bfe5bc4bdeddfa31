-- Arrivals committed by a run that was killed before finishing them (arrivals: one row per arrival).
SELECT arrival_no, receipt_name, file_name, sha256, archive_path, receipt_json
FROM arrivals
WHERE NOT finished
ORDER BY arrival_no;
