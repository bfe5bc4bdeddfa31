-- One data element of the catalogue snapshot (grain of catalog_elements: one row per element).
INSERT INTO catalog_elements (element_code, name, kind, uom)
VALUES ($code, $name, $kind, $uom);
