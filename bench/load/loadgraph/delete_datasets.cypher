// Deletes the tables and views of one load-test database, in batches.
MATCH (o:Dataset) WHERE o.id STARTS WITH $prefix
CALL (o) { DETACH DELETE o } IN TRANSACTIONS OF 5000 ROWS
