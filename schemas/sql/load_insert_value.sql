-- The data element values of a batch's submission versions, one list per column (grain of element_values: unit x period x version x element).
INSERT INTO element_values (unit_code, period_id, version, element_code, value, note)
SELECT
    unnest($unit_code), unnest($period_id), unnest($version), unnest($element_code),
    unnest($value), unnest($note);
