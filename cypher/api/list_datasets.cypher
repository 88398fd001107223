// One page of the views ($kind 'view') or tables ($kind 'table') in database $database and
// schema $schema (null = any) with view status $status (null = any), by id, with their column
// counts. Used when the list has no name filter (list_datasets_matching.cypher has one).
MATCH (d:Database)-[:HAS_SCHEMA]->(s:Schema)-[:HAS_VIEW|HAS_TABLE]->(o:Dataset)
WHERE (CASE WHEN o:View AND coalesce(o.kind, 'view') IN ['view', 'materialized_view'] THEN 'view' ELSE 'table' END) = $kind
  AND ($database IS NULL OR d.name = $database)
  AND ($schema IS NULL OR s.name = $schema)
  AND ($status IS NULL OR o.status = $status)
WITH DISTINCT o
ORDER BY o.id
SKIP $skip
LIMIT $limit
RETURN o.id AS id, o.status AS status, o.message AS message, coalesce(o.placeholder, false) AS placeholder,
       o.updatedAt AS updatedAt, COUNT { (o)-[:HAS_COLUMN]->(:Column) } AS columns
