// A table or view by id with its kind and the ids of its columns.
MATCH (o:Dataset {id: $id})
RETURN coalesce(o.kind, CASE WHEN o:View THEN 'view' ELSE 'table' END) AS kind,
       COLLECT { MATCH (o)-[:HAS_COLUMN]->(c:Column) RETURN c.id ORDER BY c.ordinal, c.id } AS columns
