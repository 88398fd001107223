// Upstream of a column ($id) to depth 5, with the table or view owning each column.
MATCH p = (c:Column {id: $id})-[:DERIVES_FROM*1..5]->(:Column)
UNWIND nodes(p) AS n
MATCH (o:Dataset)-[h:HAS_COLUMN]->(n)
RETURN p, o, h
