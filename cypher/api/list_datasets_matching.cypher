// list_datasets.cypher restricted to the objects a search matches: $query is the full-text
// query graph.Store.Search builds from the name filter's words.
CALL db.index.fulltext.queryNodes('tributary_search', $query) YIELD node AS o
WITH o
WHERE (CASE WHEN o:View AND coalesce(o.kind, 'view') IN ['view', 'materialized_view'] THEN 'view' ELSE 'table' END) = $kind
  AND ($status IS NULL OR o.status = $status)
MATCH (d:Database)-[:HAS_SCHEMA]->(s:Schema)-[:HAS_VIEW|HAS_TABLE]->(o)
WHERE ($database IS NULL OR d.name = $database)
  AND ($schema IS NULL OR s.name = $schema)
WITH DISTINCT o
ORDER BY o.id
SKIP $skip
LIMIT $limit
RETURN o.id AS id, o.status AS status, o.message AS message, coalesce(o.placeholder, false) AS placeholder,
       o.updatedAt AS updatedAt, COUNT { (o)-[:HAS_COLUMN]->(:Column) } AS columns
