// One breadth-first step of a downstream (impact) traversal: the DERIVES_FROM edges into the
// frontier columns ($ids) from the columns derived from them.
UNWIND $ids AS id
MATCH (src:Column {id: id})<-[e:DERIVES_FROM]-(d:Column)
RETURN e {from: d.id, to: src.id, .type, .subtype, .view, .expression, .masking, .verification, .steps, .stepRelations, .origin, .statement, .run, .lastSeen} AS edge
