// One table or view: its kind, definition and status (views), its columns with their direct
// sources, and the tables and views it reads directly and the views that read it directly.
MATCH (v:Dataset {id: $id})
RETURN
  v {.id, .name, .definition, .status, .message, .updatedAt, .lastAltered, .definedBy, .uniqueId, .description,
     .tags, .owner, .materialization, .path, .targetLag, .warehouse, .refreshMode, .initialize,
     kind: coalesce(v.kind, CASE WHEN v:View THEN 'view' ELSE 'table' END), placeholder: coalesce(v.placeholder, false)} AS view,
  COLLECT {
    MATCH (v)-[:HAS_COLUMN]->(c:Column)
    RETURN c {.id, .name, .ordinal, .dataType,
              sources: COLLECT {
                MATCH (c)-[e:DERIVES_FROM]->(src:Column)
                RETURN e {to: src.id, .type, .subtype, .view, .expression, .masking, .verification, .steps, .stepRelations, .origin, .statement, .run, .lastSeen} AS source
              }} AS col
  } AS columns,
  COLLECT {
    MATCH (v)-[:HAS_COLUMN]->(:Column)-[:DERIVES_FROM]->(:Column)<-[:HAS_COLUMN]-(u:Dataset)
    WHERE u <> v
    WITH DISTINCT u
    RETURN u {.id, kind: coalesce(u.kind, CASE WHEN u:View THEN 'view' ELSE 'table' END)} AS up
  } AS upstream,
  COLLECT {
    MATCH (v)-[:HAS_COLUMN]->(:Column)<-[:DERIVES_FROM]-(:Column)<-[:HAS_COLUMN]-(w:View)
    WHERE w <> v
    WITH DISTINCT w
    RETURN w.id AS down
  } AS downstream
