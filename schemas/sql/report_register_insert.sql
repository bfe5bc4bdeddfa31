-- Grain: issued_reports, one row per issued report (period x issue number). Registers one.
INSERT INTO issued_reports (period_id, issue_no, doc_number, doc_number_text, signer, issued_on,
                            issued_at, pdf_path, pdf_sha256, manifest_path, data_sha256, replaces)
VALUES ($period_id, $issue_no, $doc_number, $doc_number_text, $signer, $issued_on, $issued_at,
        $pdf_path, $pdf_sha256, $manifest_path, $data_sha256, $replaces);
