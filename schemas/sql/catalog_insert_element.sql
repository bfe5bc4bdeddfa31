-- Grain: catalog_elements, one row per data element of the catalogue snapshot (all at once, one list per column).
INSERT INTO catalog_elements (element_code, name, kind, uom)
SELECT unnest($code), unnest($name), unnest($kind), unnest($uom);
