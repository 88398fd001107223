// The DERIVES_FROM edges a downstream (impact) walk of depth N from the columns $ids crosses:
// every edge into a column fewer than N hops from a root. The hop bound (a token) stands for
// N-1 and is filled in by cypher.WithHops: the bound of a variable-length pattern cannot be a
// parameter. Asking only for distinct columns lets Neo4j expand breadth first with pruning
// (each column visited once) instead of enumerating every path; keep it free of path variables.
UNWIND $ids AS id
MATCH (:Column {id: id})<-[:DERIVES_FROM*0..__HOPS__]-(f:Column)
WITH DISTINCT f
MATCH (f)<-[e:DERIVES_FROM]-(d:Column)
RETURN e {from: d.id, to: f.id, .type, .subtype, .view, .expression, .masking, .verification, .steps, .stepRelations, .origin, .statement, .run, .lastSeen} AS edge
