// Lineage through tables (docs/sources.md): statements from query history and OpenLineage jobs
// are recorded as :Statement nodes by key (origin and identity), and their edges are found by
// the statement property of DERIVES_FROM.
CREATE CONSTRAINT statement_key_unique IF NOT EXISTS FOR (s:Statement) REQUIRE s.key IS UNIQUE;
CREATE INDEX statement_source_seen IF NOT EXISTS FOR (s:Statement) ON (s.source, s.lastSeen);
CREATE INDEX derives_from_statement IF NOT EXISTS FOR ()-[e:DERIVES_FROM]-() ON (e.statement);
