// Removes, for each output in $targets, the DERIVES_FROM edges and INDIRECT_INPUT relationships
// the job ($statement, origin 'openlineage') wrote into it earlier that its latest run no
// longer has. Edges of other jobs and of view definitions into the same output stay.
UNWIND $targets AS t
MATCH (o:Dataset {id: t.id})
CALL (o, t) {
  MATCH (o)-[:HAS_COLUMN]->(d:Column)-[e:DERIVES_FROM]->(src:Column)
  WHERE e.origin = 'openlineage' AND e.statement = $statement
    AND NOT [d.id, src.id, e.type, e.subtype] IN t.edgeKeys
  DELETE e
  RETURN count(e) AS edges
}
CALL (o, t) {
  MATCH (o)-[r:INDIRECT_INPUT]->(c:Column)
  WHERE r.origin = 'openlineage' AND r.statement = $statement
    AND NOT [c.id, r.subtype] IN t.inputKeys
  DELETE r
  RETURN count(r) AS inputs
}
RETURN sum(edges + inputs) AS deleted
