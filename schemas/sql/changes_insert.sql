-- One changed value of a resubmission (grain of submission_changes: unit x period x version x seq).
INSERT INTO submission_changes (
    unit_code, period_id, version, seq, sheet, cell, field, label, old_json, new_json
)
VALUES (
    $unit_code, $period_id, $version, $seq, $sheet, $cell, $field, $label, $old_json, $new_json
);
