// One breadth-first step of an upstream traversal: the DERIVES_FROM edges from the frontier
// columns ($ids) to the columns they derive from.
UNWIND $ids AS id
MATCH (d:Column {id: id})-[e:DERIVES_FROM]->(src:Column)
RETURN e {from: d.id, to: src.id, .type, .subtype, .view, .expression, .masking, .verification, .steps, .stepRelations, .origin, .statement, .run, .lastSeen} AS edge
