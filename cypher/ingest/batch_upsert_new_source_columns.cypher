// upsert_source_columns.cypher for the source columns in $sources that do not exist yet: a
// column is always written together with its table or view, schema and database, so one that
// exists needs nothing. Most sources of a batch (base table columns, columns of views written
// earlier) exist, and this skips their seven MERGEs.
UNWIND $sources AS src
WITH src
WHERE NOT EXISTS { MATCH (:Column {id: src.id}) }
MERGE (d:Database {id: src.databaseId})
  ON CREATE SET d.name = src.database
MERGE (s:Schema {id: src.schemaId})
  ON CREATE SET s.name = src.schema
MERGE (d)-[:HAS_SCHEMA]->(s)
MERGE (o:Dataset {id: src.datasetId})
  ON CREATE SET o:Table, o.name = src.dataset, o.placeholder = true, o += src.datasetSearch
FOREACH (_ IN CASE WHEN o:View THEN [] ELSE [1] END |
  MERGE (s)-[:HAS_TABLE]->(o))
MERGE (c:Column {id: src.id})
  ON CREATE SET c.name = src.name, c += src.search
MERGE (o)-[:HAS_COLUMN]->(c)
RETURN count(c) AS written
