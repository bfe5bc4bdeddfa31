-- Record a reminder letter and its sending (grain of reminders: unit x period x round): a new row, or
-- the outcome of another try of the same letter.
INSERT OR REPLACE INTO reminders (period_id, round, unit_code, cause, recipients, status, eml_path,
                                  message_id, attempts, error, written_at, sent_at)
VALUES ($period_id, $round, $unit_code, $cause, $recipients, $status, $eml_path,
        $message_id, $attempts, $error, $written_at, $sent_at);
