// Removes, for each view in $views, the columns its new definition no longer has, with all
// their edges.
UNWIND $views AS w
MATCH (v:View {id: w.id})-[:HAS_COLUMN]->(c:Column)
WHERE NOT c.id IN w.columnIds
DETACH DELETE c
RETURN count(*) AS deleted
