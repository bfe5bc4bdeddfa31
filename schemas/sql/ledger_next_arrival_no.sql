-- The number the next arrival gets (arrivals: one row per arrival; 1 on an empty ledger).
SELECT coalesce(max(arrival_no), 0) + 1 AS arrival_no FROM arrivals;
