-- options: default-database=DB default-schema=RAW
-- TABLE(FLATTEN(...)) with a positional input; f.* lists all six FLATTEN
-- columns, each traced to the flattened column.
SELECT t.id, f.*
FROM tags t, TABLE(FLATTEN(t.tag_array)) f
