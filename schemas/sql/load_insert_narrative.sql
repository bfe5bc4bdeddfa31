-- The narrative sections of a batch's submission versions, one list per column (grain of narratives: unit x period x version x section).
INSERT INTO narratives (unit_code, period_id, version, section, body)
SELECT unnest($unit_code), unnest($period_id), unnest($version), unnest($section), unnest($body);
