-- Grain: one row per reviewer decision on a draft of $period_id, in the order decided.
SELECT period_id, decision_no, decided_at, reviewer, approved, reason, draft_pdf, draft_sha256,
       data_sha256, source, flow_run_id
FROM report_decisions
WHERE period_id = $period_id
ORDER BY decision_no;
