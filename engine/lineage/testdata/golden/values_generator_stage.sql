-- options: default-database=DB default-schema=S
-- VALUES rows have no upstream columns; GENERATOR has no columns at all; a
-- stage's columns are unknown (warning).
SELECT v.id, v.label FROM VALUES (1, 'a'), (2, 'b') AS v (id, label);
SELECT SEQ4() AS n, UNIFORM(1, 10, RANDOM()) AS r FROM TABLE(GENERATOR(ROWCOUNT => 10));
SELECT $1 AS raw_col, METADATA$FILENAME AS file FROM @raw_stage/2024/
