// Deletes the columns of one load-test database (ids start with "DB."), in batches.
MATCH (c:Column) WHERE c.id STARTS WITH $prefix
CALL (c) { DETACH DELETE c } IN TRANSACTIONS OF 5000 ROWS
