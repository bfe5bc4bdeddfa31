-- Record a batch's arrivals, not yet finished, from one list per column (grain of arrivals: one row per file received).
INSERT INTO arrivals (
    arrival_no, receipt_name, file_name, inbox_mtime_ns, sha256, size_bytes, archive_path,
    received_at, unit_code, period_id, version, status, timeliness, duplicate_of, receipt_json,
    finished
)
SELECT
    unnest($arrival_no), unnest($receipt_name), unnest($file_name), unnest($inbox_mtime_ns),
    unnest($sha256), unnest($size_bytes), unnest($archive_path), unnest($received_at),
    unnest($unit_code), unnest($period_id), unnest($version), unnest($status),
    unnest($timeliness), unnest($duplicate_of), unnest($receipt_json), FALSE;
