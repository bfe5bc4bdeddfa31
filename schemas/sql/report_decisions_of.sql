-- Grain: one row per reviewer decision on a draft of $period_id, oldest first.
SELECT period_id, decided_at, reviewer, approved, reason, draft_pdf, draft_sha256, data_sha256,
       source, flow_run_id
FROM report_decisions
WHERE period_id = $period_id
ORDER BY decided_at;
