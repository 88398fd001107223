// Writes the datasets an OpenLineage event names (one row per dataset in $datasets): the
// Snowflake ones by their graph id, the others as external datasets (kind 'external', their
// namespace as database, schema EXTERNAL) with the event's namespace and name kept. A dataset
// seen only as a name is a placeholder :Table until an event lists its columns (ds.known) or a
// job writes it (cypher/statements/upsert_targets.cypher). Columns are added, never removed
// (an event lists what it saw), and never added to a :View, whose columns come from its
// analysed definition.
UNWIND $datasets AS ds
MERGE (d:Database {id: ds.databaseId})
  ON CREATE SET d.name = ds.database
MERGE (s:Schema {id: ds.schemaId})
  ON CREATE SET s.name = ds.schema
MERGE (d)-[:HAS_SCHEMA]->(s)
MERGE (o:Dataset {id: ds.id})
  ON CREATE SET o:Table, o.name = ds.name, o += ds.search, o.placeholder = true, o.kind = ds.kind
SET o.namespace = ds.namespace,
    o.olName = ds.olName
FOREACH (_ IN CASE WHEN o:View THEN [] ELSE [1] END |
  SET o.kind = coalesce(o.kind, ds.kind)
  MERGE (s)-[:HAS_TABLE]->(o))
FOREACH (_ IN CASE WHEN ds.known THEN [1] ELSE [] END |
  REMOVE o.placeholder)
FOREACH (col IN CASE WHEN o:View THEN [] ELSE ds.columns END |
  MERGE (c:Column {id: col.id})
    ON CREATE SET c.name = col.name, c += col.search
  SET c.ordinal = coalesce(col.ordinal, c.ordinal),
      c.dataType = coalesce(col.dataType, c.dataType)
  MERGE (o)-[:HAS_COLUMN]->(c))
RETURN count(o) AS written
