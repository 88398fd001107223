// Writes the dataset-level inputs of an OpenLineage job's outputs (JOIN, FILTER, GROUP_BY,
// SORT, ...): one INDIRECT_INPUT from the output to each input column per subtype, keyed by
// the job ($statement).
UNWIND $inputs AS in
MATCH (o:Dataset {id: in.target})
MATCH (c:Column {id: in.column})
MERGE (o)-[r:INDIRECT_INPUT {origin: 'openlineage', statement: $statement, subtype: in.subtype}]->(c)
SET r.run = $run, r.lastSeen = datetime($seen)
RETURN count(r) AS written
