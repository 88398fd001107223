// Views named $name, optionally in schema $schema and database $database (null = any), for
// resolving a partly qualified view name. Uses the view_name index.
MATCH (v:View {name: $name})
MATCH (d:Database)-[:HAS_SCHEMA]->(s:Schema)-[:HAS_VIEW]->(v)
WHERE ($schema IS NULL OR s.name = $schema)
  AND ($database IS NULL OR d.name = $database)
RETURN v.id AS id
ORDER BY id
LIMIT $limit
