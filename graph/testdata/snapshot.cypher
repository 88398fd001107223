// Test helper: every node under one database and every relationship touching them, with labels,
// types and all properties, so two snapshots can be compared.
MATCH (d:Database {id: $db})
OPTIONAL MATCH (d)-[:HAS_SCHEMA]->(s:Schema)
OPTIONAL MATCH (s)-[:HAS_TABLE|HAS_VIEW]->(o)
OPTIONAL MATCH (o)-[:HAS_COLUMN]->(c:Column)
WITH collect(DISTINCT d) + collect(DISTINCT s) + collect(DISTINCT o) + collect(DISTINCT c) AS scope
UNWIND scope AS n
WITH scope, n
OPTIONAL MATCH (n)-[r]-(m)
WITH scope, n, collect(DISTINCT r) AS rels
WITH collect({labels: labels(n), props: properties(n)}) AS nodes,
     reduce(acc = [], rs IN collect(rels) | acc + rs) AS allRels
UNWIND CASE WHEN size(allRels) = 0 THEN [null] ELSE allRels END AS r
WITH nodes, collect(DISTINCT r) AS rels
RETURN nodes,
       [r IN rels | {type: type(r), from: startNode(r).id, to: endNode(r).id, props: properties(r)}] AS rels
