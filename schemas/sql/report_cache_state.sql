-- Grain: one row for the warehouse as a report of $period_id can read it: fingerprints of every
-- period up to $period_id (a report also shows earlier quarters: comparisons, year to date, trend)
-- and of the rejected files without a readable period. Part of the report cache key
-- (tasks/report/cache.py). Duplicate arrivals change nothing a report shows and are left out, so
-- re-sending the same files does not force a new render; nor does anything about a later period.
WITH a AS (
    SELECT * FROM arrivals
    WHERE status <> 'duplicate' AND (period_id IS NULL OR period_id <= $period_id)
)
SELECT
    (SELECT count(*) FROM a) AS arrivals,
    (SELECT coalesce(md5(string_agg(concat_ws('|', arrival_no, sha256, status,
                                              coalesce(unit_code, '~'), coalesce(period_id, '~'),
                                              coalesce(CAST(version AS VARCHAR), '~'),
                                              coalesce(timeliness, '~'), finished,
                                              CAST(received_at AS VARCHAR)),
                                    ',' ORDER BY arrival_no)), '')
     FROM a) AS arrivals_md5,
    (SELECT count(*) FROM arrival_messages m JOIN a USING (arrival_no)) AS messages,
    (SELECT coalesce(md5(string_agg(concat_ws('|', unit_code, period_id, version, arrival_no,
                                              sha256, timeliness, has_warnings),
                                    ',' ORDER BY unit_code, period_id, version)), '')
     FROM submissions WHERE period_id <= $period_id) AS submissions_md5,
    (SELECT count(*) FROM element_values WHERE period_id <= $period_id) AS element_values,
    (SELECT count(*) FROM activities WHERE period_id <= $period_id) AS activities,
    (SELECT count(*) FROM narratives WHERE period_id <= $period_id) AS narratives,
    (SELECT count(*) FROM period_locks WHERE period_id <= $period_id) AS period_locks,
    (SELECT count(*) FROM period_reopens WHERE period_id <= $period_id) AS period_reopens,
    (SELECT count(*) FROM issued_reports WHERE period_id <= $period_id) AS issued_reports;
