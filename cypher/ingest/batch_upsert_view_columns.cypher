// Writes the output columns of many views: one row per view in $views with its columns.
UNWIND $views AS w
MATCH (v:View {id: w.id})
UNWIND w.columns AS col
MERGE (c:Column {id: col.id})
SET c.name = col.name,
    c += col.search,
    c.ordinal = col.ordinal,
    c.dataType = col.dataType
MERGE (v)-[:HAS_COLUMN]->(c)
RETURN count(c) AS written
