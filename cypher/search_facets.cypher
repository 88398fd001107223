// How many hits of each kind a search has ($query as in search_page.cypher, all hits, without
// the kind filter), counted as they stream.
CALL db.index.fulltext.queryNodes('tributary_search', $query) YIELD node
RETURN CASE WHEN node:Column THEN 'column' WHEN node:View AND coalesce(node.kind, 'view') IN ['view', 'materialized_view'] THEN 'view' ELSE 'table' END AS kind,
       count(*) AS hits
