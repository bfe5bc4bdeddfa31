-- Grain: one row per unit that sent anything for the period ($period).
-- Newest accepted version (if any), the timeliness of the first accepted version (a correction sent
-- later does not make an on-time unit late; same rule as the report), rejected arrivals.
SELECT
    a.unit_code,
    max(s.version)                                              AS version,
    arg_min(s.timeliness, s.version)                            AS timeliness,
    arg_max(s.received_at, s.version)                           AS received_at,
    count(*) FILTER (WHERE a.status = 'rejected')               AS rejected_arrivals,
    max(a.received_at) FILTER (WHERE a.status = 'rejected')     AS last_rejected_at,
    bool_or(a.timeliness = 'after_lock')                        AS after_lock
FROM arrivals a
LEFT JOIN submissions s ON s.arrival_no = a.arrival_no
WHERE a.period_id = $period AND a.unit_code IS NOT NULL AND a.status <> 'duplicate'
GROUP BY a.unit_code
