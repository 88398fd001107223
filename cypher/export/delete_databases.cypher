// Deletes at most $limit columns (with their relationships) of the databases named in
// $databases; DeleteDatabases repeats it until nothing is left, so each transaction stays small.
MATCH (d:Database)-[:HAS_SCHEMA]->(:Schema)-[:HAS_TABLE|HAS_VIEW]->(:Dataset)-[:HAS_COLUMN]->(c:Column)
WHERE d.name IN $databases
WITH DISTINCT c
LIMIT $limit
DETACH DELETE c
RETURN count(*) AS deleted
