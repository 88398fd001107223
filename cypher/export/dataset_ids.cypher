// One page of the ids of the tables and views an export selects, in id order after $after.
// $databases (database names), $schemas (schema ids) and $ids (dataset ids) narrow the
// selection when not null.
MATCH (d:Database)-[:HAS_SCHEMA]->(s:Schema)-[:HAS_TABLE|HAS_VIEW]->(o:Dataset)
WHERE o.id > $after
  AND ($databases IS NULL OR d.name IN $databases)
  AND ($schemas IS NULL OR s.id IN $schemas)
  AND ($ids IS NULL OR o.id IN $ids)
RETURN DISTINCT o.id AS id
ORDER BY id
LIMIT $limit
