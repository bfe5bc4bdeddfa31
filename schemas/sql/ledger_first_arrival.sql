-- The first arrival of these bytes ($sha256) that counts (counted_arrivals: at most one row returned).
SELECT receipt_name, unit_code, period_id
FROM counted_arrivals
WHERE sha256 = $sha256
ORDER BY arrival_no
LIMIT 1;
