// While views are imported (after their nodes are written): removes the columns each view ($views: id, columnIds) has in the
// graph but not in the document, the view's own DERIVES_FROM edges, and its INDIRECT_INPUTs,
// so the import replaces the view's lineage.
UNWIND $views AS v
MATCH (o:View {id: v.id})
OPTIONAL MATCH (o)-[:HAS_COLUMN]->(c:Column)
WHERE NOT c.id IN v.columnIds
DETACH DELETE c
WITH DISTINCT o, v
OPTIONAL MATCH (o)-[:HAS_COLUMN]->(:Column)-[e:DERIVES_FROM]->(:Column)
WHERE e.view = v.id
DELETE e
WITH DISTINCT o
OPTIONAL MATCH (o)-[r:INDIRECT_INPUT]->(:Column)
DELETE r
RETURN count(DISTINCT o) AS views
