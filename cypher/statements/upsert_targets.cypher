// Writes the datasets statements write (one row per target in $targets) with their databases,
// schemas and the columns the statements write. A dataset not known yet is created as a :Table
// of kind t.kind; a placeholder stops being one; a dataset with a definition (:View) keeps its
// kind and schema link. Columns are added, never removed, and keep the ordinal and type they
// were first written with unless the statement knows a type.
UNWIND $targets AS t
MERGE (d:Database {id: t.databaseId})
  ON CREATE SET d.name = t.database
MERGE (s:Schema {id: t.schemaId})
  ON CREATE SET s.name = t.schema
MERGE (d)-[:HAS_SCHEMA]->(s)
MERGE (o:Dataset {id: t.id})
  ON CREATE SET o:Table, o.name = t.name, o += t.search, o.kind = t.kind
FOREACH (_ IN CASE WHEN o:View THEN [] ELSE [1] END |
  SET o.kind = coalesce(o.kind, t.kind)
  REMOVE o.placeholder
  MERGE (s)-[:HAS_TABLE]->(o))
WITH o, t
UNWIND t.columns AS col
MERGE (c:Column {id: col.id})
  ON CREATE SET c.name = col.name, c += col.search, c.ordinal = col.ordinal
SET c.dataType = coalesce(col.dataType, c.dataType),
    c.ordinal = coalesce(c.ordinal, col.ordinal)
MERGE (o)-[:HAS_COLUMN]->(c)
RETURN count(c) AS written
