// The statements among $keys already recorded, with when they were last seen.
UNWIND $keys AS key
MATCH (st:Statement {key: key})
RETURN st.key AS key, st.lastSeen AS lastSeen, st.status AS status
