// Before base tables are written: a :View whose id the catalog now reports as a table loses its
// view edges, every other outgoing relationship but HAS_COLUMN, its HAS_VIEW link and all
// properties but id, name and the search properties, and becomes a :Table. Only a plain view
// is demoted: a dbt model or a dynamic table is a table in the catalog and keeps its definition.
UNWIND $ids AS id
MATCH (v:View {id: id})
WHERE coalesce(v.definedBy, 'view') = 'view'
OPTIONAL MATCH (v)-[:HAS_COLUMN]->(:Column)-[e:DERIVES_FROM]->(:Column)
WHERE e.view = id
DELETE e
WITH DISTINCT v
OPTIONAL MATCH (v)-[out]->()
WHERE NOT out:HAS_COLUMN
DELETE out
WITH DISTINCT v
OPTIONAL MATCH (:Schema)-[hv:HAS_VIEW]->(v)
DELETE hv
WITH DISTINCT v
SET v = {id: v.id, name: v.name, searchName: v.searchName, searchPath: v.searchPath, searchScope: v.searchScope}
REMOVE v:View:MaterializedView
SET v:Table
RETURN count(v) AS demoted
