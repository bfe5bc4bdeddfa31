-- A batch's accepted submission versions, one list per column (grain of submissions: unit x period x version).
INSERT INTO submissions (
    unit_code, period_id, version, arrival_no, sha256, received_at, timeliness, has_warnings,
    unit_name_given, preparer, phone, email, prepared_on, template_version
)
SELECT
    unnest($unit_code), unnest($period_id), unnest($version), unnest($arrival_no),
    unnest($sha256), unnest($received_at), unnest($timeliness), unnest($has_warnings),
    unnest($unit_name_given), unnest($preparer), unnest($phone), unnest($email),
    unnest($prepared_on), unnest($template_version);
