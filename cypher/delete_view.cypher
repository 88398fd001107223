// Deletes a view, its columns and every edge touching them.
MATCH (v:View {id: $id})
OPTIONAL MATCH (v)-[:HAS_COLUMN]->(c:Column)
WITH v, collect(c) AS columns
FOREACH (c IN columns | DETACH DELETE c)
DETACH DELETE v
RETURN count(*) AS deleted
