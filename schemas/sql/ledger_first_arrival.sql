-- The first counted arrival of each of these contents ($sha256: a list; counted_arrivals: one row per sha256 returned).
SELECT sha256, arg_min(receipt_name, arrival_no) AS receipt_name,
       arg_min(unit_code, arrival_no) AS unit_code, arg_min(period_id, arrival_no) AS period_id
FROM counted_arrivals
WHERE sha256 IN (SELECT unnest($sha256))
GROUP BY sha256;
