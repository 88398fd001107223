// Identifier-aware search: a full-text index over the derived properties searchName (the name
// and its words), searchPath (dotted paths ending at the object) and searchScope (database= and
// schema=), written by every upsert (graph.searchProps) and backfilled by Store.Migrate for
// nodes written before this migration. Tokens are written lower case, separated by spaces.
CREATE FULLTEXT INDEX tributary_search IF NOT EXISTS FOR (n:Column|Table|View) ON EACH [n.searchName, n.searchPath, n.searchScope] OPTIONS {indexConfig: {`fulltext.analyzer`: 'whitespace'}};
