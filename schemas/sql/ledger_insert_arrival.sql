-- Record one arrival, not yet finished (grain of arrivals: one row per file received).
INSERT INTO arrivals (
    arrival_no, receipt_name, file_name, inbox_mtime_ns, sha256, size_bytes, archive_path,
    received_at, unit_code, period_id, version, status, timeliness, duplicate_of, receipt_json,
    finished
)
VALUES (
    $arrival_no, $receipt_name, $file_name, $inbox_mtime_ns, $sha256, $size_bytes, $archive_path,
    $received_at, $unit_code, $period_id, $version, $status, $timeliness, $duplicate_of,
    $receipt_json, FALSE
);
