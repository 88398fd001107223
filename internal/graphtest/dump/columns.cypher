// Columns of the tables and views of the databases named in $databases.
MATCH (d:Database)-[:HAS_SCHEMA]->(:Schema)-[:HAS_TABLE|HAS_VIEW]->(o:Dataset)-[:HAS_COLUMN]->(c:Column)
WHERE d.name IN $databases
RETURN o.id AS parent, c {.id, .name, .ordinal, .dataType} AS c
