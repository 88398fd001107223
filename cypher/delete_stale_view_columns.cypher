// Removes the columns of a view that its new definition no longer has, with all their edges.
MATCH (v:View {id: $id})-[:HAS_COLUMN]->(c:Column)
WHERE NOT c.id IN $columnIds
DETACH DELETE c
RETURN count(*) AS deleted
