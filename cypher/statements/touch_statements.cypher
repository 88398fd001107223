// Marks statements ($keys) as seen again at $seen: the statement, its edges and its inputs.
UNWIND $keys AS key
MATCH (st:Statement {key: key})
WHERE st.lastSeen < $seen
SET st.lastSeen = $seen
WITH st
CALL (st) {
  MATCH (st)-[:WRITES]->(:Dataset)-[:HAS_COLUMN]->(:Column)-[e:DERIVES_FROM]->(:Column)
  WHERE e.origin = st.origin AND e.statement = st.statement
  SET e.lastSeen = st.lastSeen
  RETURN count(*) AS edges
}
RETURN count(st) AS touched
