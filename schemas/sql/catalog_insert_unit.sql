-- Grain: catalog_units, one row per unit of the catalogue snapshot.
INSERT INTO catalog_units (unit_code, name, unit_type, valid_from, valid_to)
VALUES ($code, $name, $type, $valid_from, $valid_to);
