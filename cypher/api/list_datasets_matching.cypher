// list_datasets.cypher restricted to the objects a search matches: $query is the full-text
// query graph.Store.Search builds from the name filter's words.
CALL db.index.fulltext.queryNodes('tributary_search', $query) YIELD node AS o
WITH o
WHERE (CASE $kind WHEN 'view' THEN o:View ELSE o:Table END)
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
