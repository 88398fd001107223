// Writes the DERIVES_FROM edges of an OpenLineage job into its outputs, derived column ->
// source column, keyed by the job ($statement) with origin 'openlineage': the run that wrote
// them ($run) and when ($seen) are set on every write.
UNWIND $edges AS edge
MATCH (d:Column {id: edge.from})
MATCH (src:Column {id: edge.to})
MERGE (d)-[e:DERIVES_FROM {origin: 'openlineage', statement: $statement, type: edge.type, subtype: edge.subtype}]->(src)
SET e.view = edge.view,
    e.run = $run,
    e.lastSeen = datetime($seen),
    e.expression = edge.expression,
    e.masking = edge.masking,
    e.verification = edge.verification,
    e.steps = edge.steps,
    e.stepRelations = edge.stepRelations
RETURN count(e) AS written
