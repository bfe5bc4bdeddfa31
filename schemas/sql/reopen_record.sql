-- Record one reopening of $period_id (grain of period_reopens: one row per reopening); the arrivals
-- numbered up to $last_arrival_no came before it (counted_arrivals sets their after_lock files aside).
INSERT INTO period_reopens (
    period_id, reopened_at, reason, locked_at, reopened_by, report_path, last_arrival_no
)
VALUES (
    $period_id, $reopened_at, $reason, $locked_at, $reopened_by, $report_path,
    (SELECT coalesce(max(arrival_no), 0) FROM arrivals)
);
