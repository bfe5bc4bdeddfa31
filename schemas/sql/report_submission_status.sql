-- Grain: one row per unit with at least one accepted submission or one rejected arrival for
-- $period_id. current_* come from the newest accepted version (current_submissions); first_timeliness
-- is the timeliness of the first accepted version (a late correction does not make an on-time unit
-- late); rejected_arrivals counts arrivals of that unit x period with status 'rejected'.
WITH accepted AS (
    SELECT unit_code,
           min(version)                      AS first_version,
           arg_min(timeliness, version)      AS first_timeliness,
           min(received_at)                  AS first_received_at
    FROM submissions
    WHERE period_id = $period_id
    GROUP BY unit_code
),
cur AS (
    SELECT unit_code, version AS current_version, received_at AS current_received_at,
           timeliness AS current_timeliness
    FROM current_submissions
    WHERE period_id = $period_id
),
rejected AS (
    SELECT unit_code, count(*) AS rejected_arrivals, max(received_at) AS last_rejected_at
    FROM arrivals
    WHERE period_id = $period_id AND status = 'rejected' AND unit_code IS NOT NULL
    GROUP BY unit_code
)
SELECT coalesce(c.unit_code, r.unit_code)   AS unit_code,
       c.current_version,
       c.current_received_at,
       c.current_timeliness,
       a.first_timeliness,
       a.first_received_at,
       coalesce(r.rejected_arrivals, 0)     AS rejected_arrivals,
       r.last_rejected_at
FROM cur c
JOIN accepted a USING (unit_code)
FULL OUTER JOIN rejected r ON r.unit_code = c.unit_code
ORDER BY 1;
