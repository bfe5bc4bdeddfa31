-- The messages of a batch's receipts, one list per column (grain of arrival_messages: one row per message per arrival).
INSERT INTO arrival_messages (arrival_no, seq, severity, rule, sheet, cell, message_vi, message_en)
SELECT
    unnest($arrival_no), unnest($seq), unnest($severity), unnest($rule), unnest($sheet),
    unnest($cell), unnest($message_vi), unnest($message_en);
