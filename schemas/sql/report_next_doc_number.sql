-- Grain: one row: the highest document number registered (issued_reports) for reports dated in
-- $year, NULL when none (the next report then takes the configured first number).
SELECT max(TRY_CAST(doc_number AS INTEGER)) AS last_number
FROM issued_reports
WHERE year(issued_on) = $year;
