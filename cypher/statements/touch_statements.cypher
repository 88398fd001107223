// Marks statements as seen again (one row per statement in $rows: {key, seen}): the statement
// and its edges move their lastSeen forward to row.seen, never back.
UNWIND $rows AS row
MATCH (st:Statement {key: row.key})
WHERE st.lastSeen < row.seen
SET st.lastSeen = row.seen
WITH st
CALL (st) {
  MATCH (st)-[:WRITES]->(:Dataset)-[:HAS_COLUMN]->(:Column)-[e:DERIVES_FROM]->(:Column)
  WHERE e.origin = st.origin AND e.statement = st.statement
  SET e.lastSeen = st.lastSeen
  RETURN count(*) AS edges
}
RETURN count(st) AS touched
