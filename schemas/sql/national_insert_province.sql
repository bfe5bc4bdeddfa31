-- Copy the province warehouse attached as `province` into the national tables (grains: see national_ddl.sql).
INSERT INTO national_submissions (province, unit_code, period_id, version, received_at, timeliness)
SELECT $province, unit_code, period_id, version, received_at, timeliness
FROM province.current_submissions;
INSERT INTO national_values (province, unit_code, period_id, element_code, value)
SELECT $province, unit_code, period_id, element_code, value
FROM province.current_values;
INSERT INTO national_units (province, unit_code, name, unit_type, valid_from, valid_to)
SELECT $province, unit_code, name, unit_type, valid_from, valid_to
FROM province.catalog_units;
INSERT INTO national_sources (province, source_path, rolled_at, submissions, "values")
SELECT $province, $source_path, $rolled_at,
       (SELECT count(*) FROM national_submissions WHERE province = $province),
       (SELECT count(*) FROM national_values WHERE province = $province);
