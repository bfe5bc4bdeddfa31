-- Receipts written and inbox files removed: mark these arrivals finished (arrivals: one row each).
UPDATE arrivals SET finished = TRUE WHERE arrival_no IN (SELECT unnest($arrival_no));
