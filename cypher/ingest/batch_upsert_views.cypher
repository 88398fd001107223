// Writes defined datasets (views, dbt models, dynamic tables, materialized views) with their
// databases and schemas (one row per dataset in $views; a single view is a batch of one): a
// placeholder :Table of the same id becomes the :View, and updatedAt only moves when the
// content hash changes. kind says what the dataset is in Snowflake; the labels :DbtModel,
// :DynamicTable and :MaterializedView show it in Neo4j Browser.
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
    v += w.meta,
    v.kind = w.kind,
    v.definedBy = w.origin,
    v.definition = w.definition,
    v.status = w.status,
    v.message = w.message,
    v.lastAltered = w.lastAltered,
    v.lineageHash = w.hash,
    v.updatedAt = CASE WHEN changed OR v.updatedAt IS NULL THEN datetime() ELSE v.updatedAt END
REMOVE v:Table, v.placeholder
FOREACH (_ IN CASE WHEN w.origin = 'dbt' THEN [1] ELSE [] END | SET v:DbtModel)
FOREACH (_ IN CASE WHEN w.origin <> 'dbt' THEN [1] ELSE [] END | REMOVE v:DbtModel)
FOREACH (_ IN CASE WHEN w.kind = 'dynamic_table' THEN [1] ELSE [] END | SET v:DynamicTable)
FOREACH (_ IN CASE WHEN w.kind <> 'dynamic_table' THEN [1] ELSE [] END | REMOVE v:DynamicTable)
FOREACH (_ IN CASE WHEN w.kind = 'materialized_view' THEN [1] ELSE [] END | SET v:MaterializedView)
FOREACH (_ IN CASE WHEN w.kind <> 'materialized_view' THEN [1] ELSE [] END | REMOVE v:MaterializedView)
WITH s, v
OPTIONAL MATCH (s)-[old:HAS_TABLE]->(v)
DELETE old
WITH DISTINCT s, v
MERGE (s)-[:HAS_VIEW]->(v)
RETURN count(v) AS written
