-- Grain: catalog_units and catalog_elements, emptied before the snapshot is written again (in the
-- same transaction as the inserts).
DELETE FROM catalog_units;
DELETE FROM catalog_elements;
