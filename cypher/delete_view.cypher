// Deletes a view, its columns and every edge touching them, then its schema and database when
// nothing is left in them.
MATCH (v:View {id: $id})
OPTIONAL MATCH (s:Schema)-[:HAS_VIEW]->(v)
OPTIONAL MATCH (v)-[:HAS_COLUMN]->(c:Column)
WITH v, s, collect(c) AS columns
FOREACH (c IN columns | DETACH DELETE c)
DETACH DELETE v
WITH s
OPTIONAL MATCH (s)-[left:HAS_VIEW|HAS_TABLE]->()
WITH s, count(left) AS objects
OPTIONAL MATCH (d:Database)-[:HAS_SCHEMA]->(s)
FOREACH (x IN CASE WHEN s IS NOT NULL AND objects = 0 THEN [s] ELSE [] END | DETACH DELETE x)
WITH d, objects
OPTIONAL MATCH (d)-[others:HAS_SCHEMA]->()
WITH d, objects, count(others) AS schemas
FOREACH (x IN CASE WHEN d IS NOT NULL AND objects = 0 AND schemas = 0 THEN [d] ELSE [] END | DETACH DELETE x)
RETURN count(*) AS deleted
