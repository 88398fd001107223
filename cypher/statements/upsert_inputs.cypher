// Writes the dataset-level (indirect) inputs of statements: one row per input in $inputs
// ({target, column, subtype, origin, statement, lastSeen}).
UNWIND $inputs AS in
MATCH (o:Dataset {id: in.target})
MATCH (c:Column {id: in.column})
MERGE (o)-[r:INDIRECT_INPUT {origin: in.origin, statement: in.statement, subtype: in.subtype}]->(c)
SET r.lastSeen = in.lastSeen
RETURN count(r) AS written
