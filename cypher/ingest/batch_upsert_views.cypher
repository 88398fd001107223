// Writes many view nodes with their databases and schemas (one row per view in $views), as
// upsert_view.cypher does for one: a placeholder :Table of the same id becomes the :View, and
// updatedAt only moves when the content hash changes.
UNWIND $views AS w
MERGE (d:Database {id: w.databaseId})
  ON CREATE SET d.name = w.database
MERGE (s:Schema {id: w.schemaId})
  ON CREATE SET s.name = w.schema
MERGE (d)-[:HAS_SCHEMA]->(s)
MERGE (v:Dataset {id: w.id})
WITH s, v, w, coalesce(v.lineageHash <> w.hash, true) AS changed
SET v:View,
    v.name = w.name,
    v += w.search,
    v.definition = w.definition,
    v.status = w.status,
    v.message = w.message,
    v.lastAltered = w.lastAltered,
    v.lineageHash = w.hash,
    v.updatedAt = CASE WHEN changed OR v.updatedAt IS NULL THEN datetime() ELSE v.updatedAt END
REMOVE v:Table, v.placeholder
WITH s, v
OPTIONAL MATCH (s)-[old:HAS_TABLE]->(v)
DELETE old
WITH DISTINCT s, v
MERGE (s)-[:HAS_VIEW]->(v)
RETURN count(v) AS written
