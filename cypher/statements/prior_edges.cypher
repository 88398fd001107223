// What statement keys ($keys: {target, origin, statement}) wrote before a write replaces it:
// whether the target existed, its columns, and the key's edges into it.
UNWIND $keys AS k
OPTIONAL MATCH (o:Dataset {id: k.target})
RETURN k.target AS target, k.origin AS origin, k.statement AS statement, o IS NOT NULL AS existed,
       COLLECT { MATCH (o)-[:HAS_COLUMN]->(c:Column) RETURN c.name } AS columns,
       COLLECT {
         MATCH (o)-[:HAS_COLUMN]->(d:Column)-[e:DERIVES_FROM]->(src:Column)
         WHERE e.origin = k.origin AND e.statement = k.statement
         RETURN e {from: d.id, to: src.id, .type, .subtype, .view, .expression, .masking, .verification, .steps, .stepRelations, .origin, .statement, .run, .lastSeen} AS e
       } AS edges
