-- One data element's value of a submission version (grain of element_values: unit x period x version x element).
INSERT INTO element_values (unit_code, period_id, version, element_code, value, note)
VALUES ($unit_code, $period_id, $version, $element_code, $value, $note);
