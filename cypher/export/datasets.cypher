// Tables and views by id ($ids) with everything an export writes: properties, columns, the
// DERIVES_FROM edges out of their columns, and a view's INDIRECT_INPUT relationships.
UNWIND $ids AS id
MATCH (s:Schema)-[:HAS_TABLE|HAS_VIEW]->(o:Dataset {id: id})
RETURN o {.id, .definition, .status, .message, .lastAltered, .updatedAt, .placeholder, .source,
          .sourceVersion, .columnDeps, .origin, schema: s.id,
          kind: coalesce(o.kind, CASE WHEN o:View THEN 'view' ELSE 'table' END),
          columns: COLLECT {
            MATCH (o)-[:HAS_COLUMN]->(c:Column)
            RETURN c {.name, .ordinal, .dataType} AS c ORDER BY c.ordinal, c.name
          },
          edges: COLLECT {
            MATCH (o)-[:HAS_COLUMN]->(c:Column)-[e:DERIVES_FROM]->(src:Column)
            RETURN e {from: c.id, to: src.id, .type, .subtype, .view, .expression, .masking, .verification, .steps, .stepRelations, .origin, .statement, .run, .lastSeen} AS e
          },
          inputs: COLLECT {
            MATCH (o)-[r:INDIRECT_INPUT]->(c:Column)
            RETURN r {column: c.id, .subtype} AS r
          }} AS o
