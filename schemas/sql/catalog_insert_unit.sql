-- Grain: catalog_units, one row per unit of the catalogue snapshot (all units at once, one list per column).
INSERT INTO catalog_units (unit_code, name, unit_type, valid_from, valid_to)
SELECT unnest($code), unnest($name), unnest($type), unnest($valid_from), unnest($valid_to);
