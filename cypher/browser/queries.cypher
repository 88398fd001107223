// Tributary: saved queries for Neo4j Browser. Drop this file on the Favorites drawer (the star
// in the sidebar) to import each statement as a favorite; the first comment line of each is its
// name. Set the column or view first, for example (a column of a table that a scheduled INSERT
// fills from a dbt model's table over RAW, and a reporting view reads):
//   :param id => 'ANALYTICS.ETL.DAILY_ORDER_TOTALS.NET_REVENUE'
//   :param view => 'ANALYTICS.MARTS.CUSTOMER_LTV'
//   :param table => 'RAW.SHOP.ORDERS'

// Tributary: upstream of column $id (depth 5) with owning tables and views
MATCH p = (c:Column {id: $id})-[:DERIVES_FROM*1..5]->(:Column)
UNWIND nodes(p) AS n
MATCH (o:Dataset)-[h:HAS_COLUMN]->(n)
RETURN p, o, h;

// Tributary: upstream of column $id across tables built by dbt models and query-history statements (depth 10), with the datasets and the statements that write them
MATCH p = (c:Column {id: $id})-[:DERIVES_FROM*1..10]->(:Column)
WHERE any(r IN relationships(p) WHERE r.origin IN ['dbt', 'query_history'])
UNWIND nodes(p) AS n
MATCH (o:Dataset)-[h:HAS_COLUMN]->(n)
OPTIONAL MATCH (st:Statement)-[w:WRITES]->(o)
WHERE st.key IN [r IN relationships(p) | r.origin + ':' + r.statement]
RETURN p, o, h, st, w;

// Tributary: upstream of column $id hop by hop: each dataset's kind, each edge's origin (view, dbt, dynamic_table, query_history, openlineage) and statement
MATCH p = (c:Column {id: $id})-[:DERIVES_FROM*1..10]->(leaf:Column)
WHERE NOT (leaf)-[:DERIVES_FROM]->()
UNWIND range(0, length(p) - 1) AS i
WITH i, nodes(p)[i] AS d, relationships(p)[i] AS r, nodes(p)[i + 1] AS s
MATCH (dd:Dataset)-[:HAS_COLUMN]->(d)
MATCH (sd:Dataset)-[:HAS_COLUMN]->(s)
RETURN DISTINCT i + 1 AS hop, d.id AS column,
       coalesce(dd.kind, CASE WHEN dd:View THEN 'view' ELSE 'table' END) AS kind,
       r.subtype AS subtype, r.origin AS origin, r.statement AS statement, s.id AS source,
       coalesce(sd.kind, CASE WHEN sd:View THEN 'view' ELSE 'table' END) AS source_kind
ORDER BY hop, column, source;

// Tributary: downstream of column $id (depth 5)
MATCH p = (c:Column {id: $id})<-[:DERIVES_FROM*1..5]-(:Column)
RETURN p;

// Tributary: views affected by a change of column $id
MATCH (c:Column {id: $id})<-[:DERIVES_FROM*1..10]-(d:Column)<-[:HAS_COLUMN]-(v:View)
RETURN v.id AS view, collect(DISTINCT d.name) AS columns
ORDER BY view;

// Tributary: direct (value-carrying) upstream of column $id
MATCH p = (c:Column {id: $id})-[:DERIVES_FROM*1..10]->(:Column)
WHERE all(r IN relationships(p) WHERE r.type = 'DIRECT')
RETURN p;

// Tributary: what view $view reads, column by column
MATCH (v:View {id: $view})-[:HAS_COLUMN]->(c:Column)
OPTIONAL MATCH (c)-[e:DERIVES_FROM]->(s:Column)<-[:HAS_COLUMN]-(o:Dataset)
RETURN c.ordinal AS ordinal, c.name AS column, e.type AS type, e.subtype AS subtype,
       o.id AS from_object, s.name AS from_column, e.expression AS expression
ORDER BY ordinal, from_object, from_column;

// Tributary: tables and views that view $view reads
MATCH (v:View {id: $view})-[:HAS_COLUMN]->()-[:DERIVES_FROM]->()<-[:HAS_COLUMN]-(o:Dataset)
WHERE o <> v
RETURN DISTINCT o.id AS reads, labels(o) AS labels
ORDER BY reads;

// Tributary: impact of a change of table $table (views reading it, at any depth up to 10)
MATCH (t:Dataset {id: $table})-[:HAS_COLUMN]->(c:Column)<-[:DERIVES_FROM*1..10]-(d:Column)<-[:HAS_COLUMN]-(v:View)
RETURN v.id AS view, count(DISTINCT d) AS affected_columns, collect(DISTINCT c.name) AS via_columns
ORDER BY view;

// Tributary: impact of table $table drawn as a graph (depth 3)
MATCH p = (t:Dataset {id: $table})-[:HAS_COLUMN]->(:Column)<-[:DERIVES_FROM*1..3]-(:Column)<-[:HAS_COLUMN]-(:View)
RETURN p
LIMIT 200;

// Tributary: columns of parsed views with no sources
MATCH (v:View {status: 'ok'})-[:HAS_COLUMN]->(c:Column)
WHERE NOT (c)-[:DERIVES_FROM]->()
RETURN v.id AS view, c.name AS column
ORDER BY view, column;

// Tributary: longest derivation chains in database ANALYTICS (bounded; expensive on large graphs)
MATCH p = (top:Column)-[:DERIVES_FROM*1..10]->(leaf:Column)
WHERE top.id STARTS WITH 'ANALYTICS.'
  AND NOT ()-[:DERIVES_FROM]->(top) AND NOT (leaf)-[:DERIVES_FROM]->()
RETURN [n IN nodes(p) | n.id] AS chain, length(p) AS hops
ORDER BY hops DESC
LIMIT 10;

// Tributary: views that failed to parse, and why
MATCH (v:View {status: 'failed'})
RETURN v.id AS view, v.message AS message, v.updatedAt AS updated
ORDER BY view;

// Tributary: tables by whether the catalog lists them (placeholder: only a view reads it)
MATCH (t:Table)
RETURN coalesce(t.placeholder, false) AS placeholder, count(t) AS tables,
       collect(t.id)[..5] AS some_tables
ORDER BY placeholder DESC;

// Tributary: find by name (names are split into words: CUSTOMER_LTV is customer, ltv; each word whole, as a prefix or one typo away)
CALL db.index.fulltext.queryNodes('tributary_search', '(searchName:customer^8 OR searchName:customer*^2 OR searchName:customer~1) AND (searchName:ltv^8 OR searchName:ltv*^2)') YIELD node, score
RETURN labels(node) AS labels, node.id AS id, score
ORDER BY score DESC
LIMIT 20;

// Tributary: find by dotted path (schema.view, view.column or a full id)
CALL db.index.fulltext.queryNodes('tributary_search', 'searchPath:marts.fct_orders^8 OR searchPath:marts.fct_orders*^2') YIELD node, score
RETURN labels(node) AS labels, node.id AS id, score
ORDER BY score DESC
LIMIT 20;

// Tributary: sizes
RETURN COUNT { (:View) } AS views, COUNT { (:Table) } AS tables, COUNT { (:Column) } AS columns,
       COUNT { ()-[:DERIVES_FROM]->() } AS edges;
