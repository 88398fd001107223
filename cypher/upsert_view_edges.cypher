// Writes DERIVES_FROM edges, derived column -> source column, one per
// (dataset, origin, statement, type, subtype) between two columns: a definition's edges and
// those of each query or job that writes the same dataset are kept apart.
UNWIND $edges AS edge
MATCH (d:Column {id: edge.from})
MATCH (src:Column {id: edge.to})
MERGE (d)-[e:DERIVES_FROM {view: edge.view, origin: edge.origin, statement: edge.statement, type: edge.type, subtype: edge.subtype}]->(src)
SET e.expression = edge.expression,
    e.masking = edge.masking,
    e.verification = edge.verification,
    e.steps = edge.steps,
    e.stepRelations = edge.stepRelations,
    e.run = edge.run,
    e.lastSeen = edge.lastSeen
RETURN count(e) AS written
