// Removes columns of a base table that the catalog no longer lists, unless a view still derives
// from them or a statement wrote lineage into them (those stay, so no lineage is silently cut).
// t.columnIds is null when the caller gave no column list: then nothing is removed.
UNWIND $tables AS t
MATCH (o:Table {id: t.id})-[:HAS_COLUMN]->(c:Column)
WHERE NOT c.id IN t.columnIds
  AND NOT EXISTS { (c)<-[:DERIVES_FROM]-(:Column) }
  AND NOT EXISTS { (c)-[:DERIVES_FROM]->(:Column) }
DETACH DELETE c
RETURN count(*) AS deleted
