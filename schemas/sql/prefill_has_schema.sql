-- Grain: one row: whether the warehouse has the views the starting values are read from (a
-- warehouse file without dxreport's schema gives no starting values).
SELECT count(*) = 2 AS ready
FROM duckdb_views()
WHERE view_name IN ('current_values', 'current_submissions');
