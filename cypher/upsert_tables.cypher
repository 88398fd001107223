// Writes base tables from the catalog with their columns (one row per table in $tables).
// A placeholder :Table of the same id stops being a placeholder.
UNWIND $tables AS t
MERGE (d:Database {id: t.databaseId})
  ON CREATE SET d.name = t.database
MERGE (s:Schema {id: t.schemaId})
  ON CREATE SET s.name = t.schema
MERGE (d)-[:HAS_SCHEMA]->(s)
MERGE (o:Dataset {id: t.id})
WITH d, s, o, t
WHERE NOT o:View // a dataset with a definition (a dbt model, a dynamic table) keeps its own columns
SET o:Table, o.name = t.name, o += t.search
REMOVE o.placeholder
MERGE (s)-[:HAS_TABLE]->(o)
WITH o, t
UNWIND t.columns AS col
MERGE (c:Column {id: col.id})
SET c.name = col.name,
    c += col.search,
    c.ordinal = col.ordinal,
    c.dataType = col.dataType
MERGE (o)-[:HAS_COLUMN]->(c)
RETURN count(c) AS written
