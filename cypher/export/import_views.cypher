// Imports views and other defined datasets (one row per dataset in $views): the node under its
// schema with its properties, kind, definition origin (definedBy) and metadata, ingestion state
// and origin (the import format). A placeholder :Table of the same id becomes the :View; the
// labels :DbtModel, :DynamicTable and :MaterializedView follow definedBy and kind.
UNWIND $views AS v
MERGE (d:Database {id: v.databaseId})
  ON CREATE SET d.name = v.database
MERGE (s:Schema {id: v.schemaId})
  ON CREATE SET s.name = v.schema
MERGE (d)-[:HAS_SCHEMA]->(s)
MERGE (o:Dataset {id: v.id})
WITH s, o, v, coalesce(o.lineageHash <> v.hash, true) AS changed
SET o:View,
    o.name = v.name,
    o += v.search,
    o.definition = v.definition,
    o.status = v.status,
    o.message = v.message,
    o.lastAltered = v.lastAltered,
    o.lineageHash = v.hash,
    o.source = v.source,
    o.sourceVersion = v.sourceVersion,
    o.columnDeps = v.columnDeps,
    o.origin = v.origin,
    o += v.meta,
    o.kind = v.kind,
    o.definedBy = v.definedBy,
    o.updatedAt = CASE WHEN changed OR o.updatedAt IS NULL THEN datetime() ELSE o.updatedAt END
REMOVE o:Table, o.placeholder
FOREACH (_ IN CASE WHEN v.definedBy = 'dbt' THEN [1] ELSE [] END | SET o:DbtModel)
FOREACH (_ IN CASE WHEN v.definedBy <> 'dbt' THEN [1] ELSE [] END | REMOVE o:DbtModel)
FOREACH (_ IN CASE WHEN v.kind = 'dynamic_table' THEN [1] ELSE [] END | SET o:DynamicTable)
FOREACH (_ IN CASE WHEN v.kind <> 'dynamic_table' THEN [1] ELSE [] END | REMOVE o:DynamicTable)
FOREACH (_ IN CASE WHEN v.kind = 'materialized_view' THEN [1] ELSE [] END | SET o:MaterializedView)
FOREACH (_ IN CASE WHEN v.kind <> 'materialized_view' THEN [1] ELSE [] END | REMOVE o:MaterializedView)
WITH s, o
OPTIONAL MATCH (s)-[old:HAS_TABLE]->(o)
DELETE old
WITH DISTINCT s, o
MERGE (s)-[:HAS_VIEW]->(o)
RETURN count(o) AS written
