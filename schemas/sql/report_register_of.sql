-- Grain: one row per issued report of $period_id (issued_reports), newest issue first.
SELECT period_id, issue_no, doc_number, doc_number_text, signer, issued_on, issued_at, pdf_path,
       pdf_sha256, manifest_path, data_sha256, replaces
FROM issued_reports
WHERE period_id = $period_id
ORDER BY issue_no DESC;
