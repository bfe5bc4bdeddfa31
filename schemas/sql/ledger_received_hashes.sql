-- Every file content already in the ledger (grain: one row per distinct sha256 of arrivals).
SELECT DISTINCT sha256 FROM arrivals;
