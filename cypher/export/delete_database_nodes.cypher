// Deletes the databases named in $databases with their schemas, tables and views (their
// columns are gone already, see delete_databases.cypher).
MATCH (d:Database)
WHERE d.name IN $databases
OPTIONAL MATCH (d)-[:HAS_SCHEMA]->(s:Schema)
OPTIONAL MATCH (s)-[:HAS_TABLE|HAS_VIEW]->(o:Dataset)
WITH collect(DISTINCT d) + collect(DISTINCT s) + collect(DISTINCT o) AS nodes
UNWIND nodes AS n
DETACH DELETE n
RETURN count(*) AS deleted
