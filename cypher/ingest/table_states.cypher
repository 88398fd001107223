// Base tables by id ($ids) with their columns by ordinal; placeholders say so.
UNWIND $ids AS id
MATCH (t:Table {id: id})
RETURN t.id AS id, coalesce(t.placeholder, false) AS placeholder,
       COLLECT { MATCH (t)-[:HAS_COLUMN]->(c:Column) RETURN c {.name, .ordinal, .dataType} AS c ORDER BY c.ordinal, c.name } AS columns
