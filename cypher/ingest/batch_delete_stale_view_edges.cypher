// Removes, for each defined dataset in $views, the definition edges recorded for it that its
// new definition no longer has ([derived id, source id, type, subtype, origin, statement] not in
// w.edgeKeys), and the edges written before edges had an origin (the write adds them again
// with one). Edges of query history and OpenLineage into the dataset stay.
UNWIND $views AS w
MATCH (v:View {id: w.id})-[:HAS_COLUMN]->(d:Column)-[e:DERIVES_FROM]->(src:Column)
WHERE e.view = w.id
  AND (e.origin IS NULL
       OR (e.origin IN ['view', 'dbt', 'dynamic_table']
           AND NOT [d.id, src.id, e.type, e.subtype, e.origin, e.statement] IN w.edgeKeys))
DELETE e
RETURN count(*) AS deleted
