-- Empty the catalogue snapshot before it is written again (same transaction as the inserts).
DELETE FROM catalog_units;
DELETE FROM catalog_elements;
