// Before base tables are written: a :View whose id the catalog now reports as a table loses its
// view edges, view properties and HAS_VIEW link, and becomes a :Table.
UNWIND $ids AS id
MATCH (v:View {id: id})
OPTIONAL MATCH (v)-[:HAS_COLUMN]->(:Column)-[e:DERIVES_FROM]->(:Column)
WHERE e.view = id
DELETE e
WITH DISTINCT v
OPTIONAL MATCH (:Schema)-[hv:HAS_VIEW]->(v)
DELETE hv
WITH DISTINCT v
REMOVE v:View, v.definition, v.status, v.message, v.updatedAt, v.lastAltered, v.lineageHash
SET v:Table
RETURN count(v) AS demoted
