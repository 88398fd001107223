// Imports tables (one row per table in $tables) with their columns, kind (when not 'table':
// external datasets) and metadata. A table that is a view in the graph stays a view (only its
// columns are merged). A placeholder stays a placeholder only when both the graph and the
// document say so.
UNWIND $tables AS t
MERGE (d:Database {id: t.databaseId})
  ON CREATE SET d.name = t.database
MERGE (s:Schema {id: t.schemaId})
  ON CREATE SET s.name = t.schema
MERGE (d)-[:HAS_SCHEMA]->(s)
MERGE (o:Dataset {id: t.id})
  ON CREATE SET o:Table, o.name = t.name, o.placeholder = t.placeholder, o += t.search
FOREACH (_ IN CASE WHEN o:View THEN [] ELSE [1] END |
  SET o:Table, o.name = t.name, o.kind = coalesce(t.kind, o.kind), o += t.meta
  MERGE (s)-[:HAS_TABLE]->(o))
SET o.placeholder = CASE WHEN o:Table AND o.placeholder AND t.placeholder THEN true ELSE null END
WITH o, t
UNWIND t.columns AS col
MERGE (c:Column {id: col.id})
  ON CREATE SET c.name = col.name, c += col.search
SET c.ordinal = coalesce(col.ordinal, c.ordinal),
    c.dataType = coalesce(col.dataType, c.dataType)
MERGE (o)-[:HAS_COLUMN]->(c)
RETURN count(c) AS written
