// Writes the output columns of a view (one row per column in $columns).
MATCH (v:View {id: $id})
UNWIND $columns AS col
MERGE (c:Column {id: col.id})
SET c.name = col.name,
    c += col.search,
    c.ordinal = col.ordinal,
    c.dataType = col.dataType
MERGE (v)-[:HAS_COLUMN]->(c)
RETURN count(c) AS written
