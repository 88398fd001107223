// Removes the DERIVES_FROM edges recorded for a view that its new definition no longer has.
// An edge is identified by [derived id, source id, type, subtype] within the view.
MATCH (v:View {id: $id})-[:HAS_COLUMN]->(d:Column)-[e:DERIVES_FROM]->(src:Column)
WHERE e.view = $id
  AND NOT [d.id, src.id, e.type, e.subtype] IN $edgeKeys
DELETE e
RETURN count(*) AS deleted
