// Sizes of what one source ingested: its views (by status), their columns and the DERIVES_FROM
// edges recorded for them; its statements (query history), the failed ones and the
// DERIVES_FROM edges they wrote.
MATCH (v:View {source: $source})
WITH collect(v) AS views
OPTIONAL MATCH (st:Statement {source: $source})
WITH views, collect(st) AS statements
RETURN size(views) AS views,
       size([v IN views WHERE v.status = 'failed']) AS failed,
       size([v IN views WHERE v.status = 'hidden']) AS hidden,
       reduce(n = 0, v IN views | n + COUNT { (v)-[:HAS_COLUMN]->(:Column) }) AS columns,
       reduce(n = 0, v IN views | n + COUNT { (v)-[:HAS_COLUMN]->(:Column)-[e:DERIVES_FROM]->(:Column) WHERE e.view = v.id }) AS edges,
       size(statements) AS statements,
       size([s IN statements WHERE s.status = 'failed']) AS failedStatements,
       reduce(n = 0, s IN statements | n + COUNT { (s)-[:WRITES]->(:Dataset)-[:HAS_COLUMN]->(:Column)-[e:DERIVES_FROM]->(:Column)
                                                   WHERE e.origin = s.origin AND e.statement = s.statement }) AS statementEdges
