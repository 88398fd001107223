// Deletes the schemas and the database node of one load-test database.
MATCH (n) WHERE (n:Schema AND n.id STARTS WITH $prefix) OR (n:Database AND n.id = $db)
DETACH DELETE n
