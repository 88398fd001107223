// Tables and views named $name, optionally in schema $schema and database $database (null =
// any), with their kind, for resolving a partly qualified name. Uses the view_name and
// table_name indexes.
CALL {
  MATCH (o:View {name: $name}) RETURN o
  UNION
  MATCH (o:Table {name: $name}) RETURN o
}
MATCH (d:Database)-[:HAS_SCHEMA]->(s:Schema)-[:HAS_VIEW|HAS_TABLE]->(o)
WHERE ($schema IS NULL OR s.name = $schema)
  AND ($database IS NULL OR d.name = $database)
RETURN DISTINCT o.id AS id, coalesce(o.kind, CASE WHEN o:View THEN 'view' ELSE 'table' END) AS kind
ORDER BY id
LIMIT $limit
