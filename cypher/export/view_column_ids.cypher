// The column ids of a table or view ($id), the roots of a view's closure.
MATCH (:Dataset {id: $id})-[:HAS_COLUMN]->(c:Column)
RETURN c.id AS id
ORDER BY id
