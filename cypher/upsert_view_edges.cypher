// Writes the DERIVES_FROM edges of a view, derived column -> source column.
UNWIND $edges AS edge
MATCH (d:Column {id: edge.from})
MATCH (src:Column {id: edge.to})
MERGE (d)-[e:DERIVES_FROM {view: edge.view, type: edge.type, subtype: edge.subtype}]->(src)
SET e.expression = edge.expression,
    e.masking = edge.masking,
    e.verification = edge.verification,
    e.steps = edge.steps,
    e.stepRelations = edge.stepRelations
RETURN count(e) AS written
