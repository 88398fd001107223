// Removes, for each view in $views, the DERIVES_FROM edges recorded for it that its new
// definition no longer has ([derived id, source id, type, subtype] not in w.edgeKeys).
UNWIND $views AS w
MATCH (v:View {id: w.id})-[:HAS_COLUMN]->(d:Column)-[e:DERIVES_FROM]->(src:Column)
WHERE e.view = w.id
  AND NOT [d.id, src.id, e.type, e.subtype] IN w.edgeKeys
DELETE e
RETURN count(*) AS deleted
