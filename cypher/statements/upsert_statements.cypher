// Records the statements written (one row per statement in $statements: {key, origin,
// statement, source, run, text, status, message, seen, targets}): when each was first and last seen,
// its last outcome, and the datasets it writes.
UNWIND $statements AS row
MERGE (st:Statement {key: row.key})
  ON CREATE SET st.firstSeen = row.seen
SET st.origin = row.origin,
    st.statement = row.statement,
    st.source = row.source,
    st.run = row.run,
    st.text = row.text,
    st.status = row.status,
    st.message = row.message,
    st.lastSeen = CASE WHEN st.lastSeen IS NULL OR st.lastSeen < row.seen THEN row.seen ELSE st.lastSeen END
WITH st, row
CALL (st, row) {
  UNWIND row.targets AS target
  MATCH (o:Dataset {id: target})
  MERGE (st)-[:WRITES]->(o)
  RETURN count(*) AS targets
}
RETURN count(st) AS written
