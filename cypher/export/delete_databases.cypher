// Deletes everything under the databases named in $databases (schemas, tables, views,
// columns and their relationships), in batches of transactions. Runs as an auto-commit query.
MATCH (d:Database)
WHERE d.name IN $databases
OPTIONAL MATCH (d)-[:HAS_SCHEMA]->(s:Schema)
OPTIONAL MATCH (s)-[:HAS_TABLE|HAS_VIEW]->(o:Dataset)
OPTIONAL MATCH (o)-[:HAS_COLUMN]->(c:Column)
WITH collect(DISTINCT d) + collect(DISTINCT s) + collect(DISTINCT o) + collect(DISTINCT c) AS nodes
UNWIND nodes AS n
CALL (n) {
  DETACH DELETE n
} IN TRANSACTIONS OF 5000 ROWS
RETURN count(*) AS deleted
