// Imports the output columns of views (one row per column in $columns, each naming its view).
UNWIND $columns AS col
MATCH (v:View {id: col.view})
MERGE (c:Column {id: col.id})
SET c.name = col.name,
    c += col.search,
    c.ordinal = col.ordinal,
    c.dataType = col.dataType
MERGE (v)-[:HAS_COLUMN]->(c)
RETURN count(c) AS written
