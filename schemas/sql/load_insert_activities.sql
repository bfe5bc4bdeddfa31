-- All activity lines of one submission version at once, from the frame registered as _activities_in (grain of activities: one row per line per version).
INSERT INTO activities (
    unit_code, period_id, version, line_no, activity_date, activity_type, channel, title,
    quantity, reach, cost, evidence_url
)
SELECT
    unit_code, period_id, version, line_no, CAST(activity_date AS DATE), activity_type, channel,
    CAST(title AS VARCHAR), quantity, reach, cost, CAST(evidence_url AS VARCHAR)
FROM _activities_in;
