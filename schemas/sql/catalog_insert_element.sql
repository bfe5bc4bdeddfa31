-- Grain: catalog_elements, one row per data element of the catalogue snapshot.
INSERT INTO catalog_elements (element_code, name, kind, uom)
VALUES ($code, $name, $kind, $uom);
