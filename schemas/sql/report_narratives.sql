-- Grain: one row per unit x narrative section (ket_qua | kho_khan | de_xuat | nhiem_vu) of the
-- newest accepted version for $period_id, non-blank bodies only. The text is untrusted unit input.
SELECT unit_code, section, body
FROM current_narratives
WHERE period_id = $period_id
  AND body IS NOT NULL
  AND length(trim(body)) > 0
ORDER BY section, unit_code;
