-- Every file content already in the ledger that counts as received (grain: one row per distinct
-- sha256 of counted_arrivals).
SELECT DISTINCT sha256 FROM counted_arrivals;
