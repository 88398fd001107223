// Columns by id ($ids) with the table or view each belongs to.
UNWIND $ids AS id
MATCH (c:Column {id: id})
OPTIONAL MATCH (o:Dataset)-[:HAS_COLUMN]->(c)
RETURN c {.id, .name, .ordinal, .dataType, parentId: o.id, parentName: o.name,
          parentKind: coalesce(o.kind, CASE WHEN o:View THEN 'view' ELSE 'table' END),
          placeholder: coalesce(o.placeholder, false)} AS node
