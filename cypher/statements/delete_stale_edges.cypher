// Removes, for each statement key in $keys ({target, origin, statement, edgeKeys}), the edges
// that key wrote into its target before and does not write now ([derived id, source id, type,
// subtype] not in k.edgeKeys), and its indirect inputs. Edges of other statements stay.
UNWIND $keys AS k
CALL (k) {
  MATCH (:Dataset {id: k.target})-[:HAS_COLUMN]->(d:Column)-[e:DERIVES_FROM]->(src:Column)
  WHERE e.origin = k.origin AND e.statement = k.statement
    AND NOT [d.id, src.id, e.type, e.subtype] IN k.edgeKeys
  DELETE e
  RETURN count(*) AS edges
}
CALL (k) {
  MATCH (:Dataset {id: k.target})-[r:INDIRECT_INPUT]->(:Column)
  WHERE r.origin = k.origin AND r.statement = k.statement
  DELETE r
  RETURN count(*) AS inputs
}
RETURN sum(edges) + sum(inputs) AS deleted
