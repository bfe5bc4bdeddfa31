-- One reviewer decision on a draft report (report_decisions; grain: period x decision time).
INSERT INTO report_decisions (period_id, decided_at, reviewer, approved, reason, draft_pdf,
                              draft_sha256, data_sha256, source, flow_run_id)
VALUES ($period_id, $decided_at, $reviewer, $approved, $reason, $draft_pdf, $draft_sha256,
        $data_sha256, $source, $flow_run_id);
