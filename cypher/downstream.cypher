// Columns derived from a column (impact), up to $depth hops (1..20; the pattern bound is the hard cap).
// Returns the maximal paths (a path stops at $depth or at a column nothing derives from), the distinct
// columns on them with their parent table/view, and the distinct edges. $pathLimit caps paths.
MATCH (start:Column {id: $id})
OPTIONAL MATCH p = (start)<-[:DERIVES_FROM*1..20]-(end:Column)
WHERE length(p) <= $depth
  AND (length(p) = $depth OR NOT EXISTS { (end)<-[:DERIVES_FROM]-(:Column) })
WITH start, collect(p) AS found
WITH start, found[..$pathLimit] AS paths, size(found) > $pathLimit AS truncated
RETURN
  truncated,
  [p IN paths | [n IN nodes(p) | n.id]] AS paths,
  COLLECT {
    UNWIND reduce(acc = [start], p IN paths | acc + nodes(p)) AS n
    WITH DISTINCT n
    OPTIONAL MATCH (o:Dataset)-[:HAS_COLUMN]->(n)
    RETURN n {.id, .name, .ordinal, .dataType, parentId: o.id, parentName: o.name,
              parentKind: CASE WHEN o:View THEN 'view' ELSE 'table' END,
              placeholder: coalesce(o.placeholder, false)} AS node
  } AS nodes,
  COLLECT {
    UNWIND paths AS p
    UNWIND relationships(p) AS r
    WITH DISTINCT r
    RETURN r {from: startNode(r).id, to: endNode(r).id, .type, .subtype, .view, .expression, .masking} AS edge
  } AS edges
