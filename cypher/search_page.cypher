// One page of a search (graph.Store.Search) and its facets. $query is the full-text query the
// store built from the user's words (searchName / searchPath / searchScope clauses, escaped);
// $words are those words as {text, path}; $exact the whole query in lower case; $kind '',
// 'column', 'table' or 'view'. facets counts every hit per kind, whatever $kind. The tier: 0
// the id or name is the query, 1 every word matches a whole token, 2 every word at least as a
// prefix, 3 some word only within one edit. The order is total (tier, tables and views before
// columns, shorter names, id), so $skip pages are stable.
CALL db.index.fulltext.queryNodes('tributary_search', $query) YIELD node, score
WITH node, score, CASE WHEN node:Column THEN 'column' WHEN node:View THEN 'view' ELSE 'table' END AS kind
WITH collect({node: node, score: score, kind: kind}) AS hits
CALL {
  WITH hits
  UNWIND hits AS h
  WITH h.node AS node, h.score AS score, h.kind AS kind
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
  RETURN collect({id: node.id, name: node.name, kind: kind, score: score, tier: tier,
                  parentId: head(COLLECT { MATCH (p)-[:HAS_COLUMN|HAS_TABLE|HAS_VIEW]->(node) RETURN p.id })}) AS page
}
RETURN page,
       {table: size([h IN hits WHERE h.kind = 'table']), view: size([h IN hits WHERE h.kind = 'view']),
        column: size([h IN hits WHERE h.kind = 'column'])} AS facets
