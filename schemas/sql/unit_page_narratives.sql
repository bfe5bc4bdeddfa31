-- Unit result sheets (tasks/unit_pages): the "kết quả" narrative of each unit's newest accepted
-- version (an excerpt is shown).
-- Grain: one row per unit with a non-empty ket_qua narrative in period $period_id.
SELECT unit_code, body
FROM current_narratives
WHERE period_id = $period_id AND section = 'ket_qua' AND body IS NOT NULL AND trim(body) <> ''
ORDER BY unit_code;
