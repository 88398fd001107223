// Sizes of what one source ingested: its views (by status), their columns and the DERIVES_FROM
// edges recorded for them.
MATCH (v:View {source: $source})
WITH collect(v) AS views
RETURN size(views) AS views,
       size([v IN views WHERE v.status = 'failed']) AS failed,
       size([v IN views WHERE v.status = 'hidden']) AS hidden,
       reduce(n = 0, v IN views | n + COUNT { (v)-[:HAS_COLUMN]->(:Column) }) AS columns,
       reduce(n = 0, v IN views | n + COUNT { (v)-[:HAS_COLUMN]->(:Column)-[e:DERIVES_FROM]->(:Column) WHERE e.view = v.id }) AS edges
