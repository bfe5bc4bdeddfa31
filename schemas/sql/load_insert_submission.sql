-- One accepted submission version (grain of submissions: unit x period x version).
INSERT INTO submissions (
    unit_code, period_id, version, arrival_no, sha256, received_at, timeliness, has_warnings,
    unit_name_given, preparer, phone, email, prepared_on, template_version
)
VALUES (
    $unit_code, $period_id, $version, $arrival_no, $sha256, $received_at, $timeliness, $has_warnings,
    $unit_name_given, $preparer, $phone, $email, $prepared_on, $template_version
);
