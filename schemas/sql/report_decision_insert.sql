-- Grain: one row inserted: a reviewer decision on a draft report (report_decisions: period x
-- decision number, numbered in order per period).
INSERT INTO report_decisions (period_id, decision_no, decided_at, reviewer, approved, reason,
                              draft_pdf, draft_sha256, data_sha256, source, flow_run_id)
SELECT $period_id, coalesce(max(decision_no), 0) + 1, $decided_at, $reviewer, $approved, $reason,
       $draft_pdf, $draft_sha256, $data_sha256, $source, $flow_run_id
FROM report_decisions
WHERE period_id = $period_id;
