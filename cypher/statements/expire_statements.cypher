// Removes the statements of origin $origin written by source $source last seen before $before, with their edges and
// indirect inputs (at most $limit statements per call). Returns how many it removed.
MATCH (st:Statement {origin: $origin, source: $source})
WHERE st.lastSeen < $before
WITH st LIMIT $limit
CALL (st) {
  OPTIONAL MATCH (st)-[:WRITES]->(o:Dataset)
  OPTIONAL MATCH (o)-[:HAS_COLUMN]->(:Column)-[e:DERIVES_FROM]->(:Column)
  WHERE e.origin = st.origin AND e.statement = st.statement
  DELETE e
  WITH DISTINCT o, st
  OPTIONAL MATCH (o)-[r:INDIRECT_INPUT]->(:Column)
  WHERE r.origin = st.origin AND r.statement = st.statement
  DELETE r
  RETURN count(*) AS removed
}
DETACH DELETE st
RETURN count(*) AS expired
