-- Grain: submissions, at most one row: the header fields of $unit_code x $period_id version $version
-- (the previous accepted version a resubmission is compared with).
SELECT unit_name_given, preparer, phone, email, prepared_on
FROM submissions
WHERE unit_code = $unit_code AND period_id = $period_id AND version = $version;
