// Test helper: removes what TestConcurrentMigrateAppliesOnce creates (negative versions, so the
// real migration level is never affected).
DROP INDEX tributary_test_mig_a IF EXISTS;
DROP CONSTRAINT tributary_test_mig_b IF EXISTS;
DROP INDEX tributary_test_mig_c IF EXISTS;
MATCH (m:Migration) WHERE m.version < 0 DELETE m;
