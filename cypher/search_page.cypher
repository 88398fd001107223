// One page of a search (graph.Store.Search). $query is the full-text query the store built from
// the user's words (searchName / searchPath / searchScope clauses, escaped, whole words boosted
// above prefixes above typos); $cap bounds the full-text hits ranked (the best by Lucene score);
// $words are the words as {text, path}; $exact the whole query in lower case; $kind '',
// 'column', 'table' or 'view'. The tier: 0 the id or name is the query, 1 every word matches a
// whole token, 2 every word at least as a prefix, 3 some word only within one edit. The order is
// total (tier, tables and views before columns, shorter names, id), so $skip pages are stable.
CALL db.index.fulltext.queryNodes('tributary_search', $query, {limit: $cap}) YIELD node, score
WITH node, score,
     CASE WHEN node:Column THEN 'column' WHEN node:View AND coalesce(node.kind, 'view') IN ['view', 'materialized_view'] THEN 'view' ELSE 'table' END AS kind
WHERE $kind = '' OR kind = $kind
WITH node, score, kind, split(node.searchName, ' ') AS names, split(node.searchPath, ' ') AS paths
WITH node, score, kind,
     CASE WHEN toLower(node.id) = $exact OR toLower(node.name) = $exact THEN 0
          ELSE reduce(tier = 1, w IN $words |
            CASE WHEN w.text IN (CASE WHEN w.path THEN paths ELSE names END) THEN tier
                 WHEN any(t IN (CASE WHEN w.path THEN paths ELSE names END) WHERE t STARTS WITH w.text)
                   THEN CASE WHEN tier < 2 THEN 2 ELSE tier END
                 ELSE 3 END)
     END AS tier
ORDER BY tier ASC, CASE kind WHEN 'column' THEN 1 ELSE 0 END ASC, size(node.name) ASC, node.id ASC
SKIP $skip
LIMIT $limit
RETURN node.id AS id, node.name AS name, kind, score, tier,
       head(COLLECT { MATCH (p)-[:HAS_COLUMN|HAS_TABLE|HAS_VIEW]->(node) RETURN p.id }) AS parentId
