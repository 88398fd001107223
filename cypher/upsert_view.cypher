// Writes a view node with its database and schema. A node of the same id that exists as a
// placeholder :Table (created because another view read from it first) becomes this :View.
// updatedAt only moves when the content hash changes, so rewriting the same view is a no-op.
MERGE (d:Database {id: $databaseId})
  ON CREATE SET d.name = $database
MERGE (s:Schema {id: $schemaId})
  ON CREATE SET s.name = $schema
MERGE (d)-[:HAS_SCHEMA]->(s)
MERGE (v:Dataset {id: $id})
WITH s, v, coalesce(v.lineageHash <> $hash, true) AS changed
SET v:View,
    v.name = $name,
    v += $search,
    v.definition = $definition,
    v.status = $status,
    v.message = $message,
    v.lastAltered = $lastAltered,
    v.lineageHash = $hash,
    v.updatedAt = CASE WHEN changed OR v.updatedAt IS NULL THEN datetime() ELSE v.updatedAt END
REMOVE v:Table, v.placeholder
WITH s, v
OPTIONAL MATCH (s)-[old:HAS_TABLE]->(v)
DELETE old
WITH DISTINCT s, v
MERGE (s)-[:HAS_VIEW]->(v)
RETURN v.id AS id
