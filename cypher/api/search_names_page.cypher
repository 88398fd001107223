// One page of a full-text search over column, table and view names. $query is a Lucene query
// built by the store from escaped user terms; $kind is '', 'column', 'table' or 'view'.
// The order is total (score, then name length, then id), so $skip pages are stable.
CALL db.index.fulltext.queryNodes('tributary_names', $query) YIELD node, score
WITH node, score,
     CASE WHEN node:Column THEN 'column' WHEN node:View THEN 'view' ELSE 'table' END AS kind
WHERE $kind = '' OR kind = $kind
WITH node, score, kind
ORDER BY score DESC, size(node.name) ASC, node.id ASC
SKIP $skip
LIMIT $limit
RETURN node.id AS id, node.name AS name, kind, score,
       head(COLLECT { MATCH (p)-[:HAS_COLUMN|HAS_TABLE|HAS_VIEW]->(node) RETURN p.id }) AS parentId
