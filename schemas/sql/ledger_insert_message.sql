-- One message of an arrival's receipt (grain of arrival_messages: one row per message per arrival).
INSERT INTO arrival_messages (arrival_no, seq, severity, rule, sheet, cell, message_vi, message_en)
VALUES ($arrival_no, $seq, $severity, $rule, $sheet, $cell, $message_vi, $message_en);
