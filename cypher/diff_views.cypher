// The stored views that proposed views would replace, all in one read (analyze's diff): each
// view's status and its columns with their direct sources. Ids with no stored view give no row.
UNWIND $ids AS id
MATCH (v:View {id: id})
RETURN
  v.id AS id,
  v.status AS status,
  COLLECT {
    MATCH (v)-[:HAS_COLUMN]->(c:Column)
    RETURN c {.id, .name, .ordinal, .dataType,
              sources: COLLECT {
                MATCH (c)-[e:DERIVES_FROM]->(src:Column)
                RETURN e {to: src.id, .type, .subtype, .view, .expression, .masking, .verification, .steps, .stepRelations, .origin, .statement, .run, .lastSeen} AS source
              }} AS col
  } AS columns
