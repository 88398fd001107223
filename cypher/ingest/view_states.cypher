// Ingestion state of the views a source listed ($ids) or recorded earlier ($source): the source
// version analysed, status, LAST_ALTERED, output column names by ordinal and the objects whose
// column lists the analysis read.
MATCH (v:View)
WHERE v.source = $source OR v.id IN $ids
RETURN v.id AS id, v.source AS source, v.sourceVersion AS version, v.status AS status,
       v.lastAltered AS lastAltered, coalesce(v.columnDeps, []) AS deps,
       COLLECT { MATCH (v)-[:HAS_COLUMN]->(c:Column) RETURN c.name ORDER BY c.ordinal, c.name } AS columns
