-- One narrative section of a submission version (grain of narratives: unit x period x version x section).
INSERT INTO narratives (unit_code, period_id, version, section, body)
VALUES ($unit_code, $period_id, $version, $section, $body);
