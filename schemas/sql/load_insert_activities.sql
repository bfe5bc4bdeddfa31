-- The activity lines of a batch's submission versions, one list per column (grain of activities: one row per line per version).
INSERT INTO activities (
    unit_code, period_id, version, line_no, activity_date, activity_type, channel, title,
    quantity, reach, cost, evidence_url
)
SELECT
    unnest($unit_code), unnest($period_id), unnest($version), unnest($line_no),
    CAST(unnest($activity_date) AS DATE), unnest($activity_type), unnest($channel), unnest($title),
    unnest($quantity), unnest($reach), unnest($cost), unnest($evidence_url);
