// DERIVES_FROM edges out of the columns of the databases named in $databases, and the views'
// INDIRECT_INPUT relationships.
MATCH (d:Database)-[:HAS_SCHEMA]->(:Schema)-[:HAS_TABLE|HAS_VIEW]->(o:Dataset)-[:HAS_COLUMN]->(c:Column)-[e:DERIVES_FROM]->(src:Column)
WHERE d.name IN $databases
RETURN 'edge' AS kind, c.id AS from, src.id AS to, e {.type, .subtype, .view, .expression, .masking, .verification, .steps, .stepRelations} AS props
UNION ALL
MATCH (d:Database)-[:HAS_SCHEMA]->(:Schema)-[:HAS_VIEW]->(v:View)-[r:INDIRECT_INPUT]->(c:Column)
WHERE d.name IN $databases
RETURN 'input' AS kind, v.id AS from, c.id AS to, r {.subtype} AS props
