// Test helper: labels and placeholder flag of a table/view node.
MATCH (o:Dataset {id: $id})
OPTIONAL MATCH (s:Schema)-[r:HAS_TABLE|HAS_VIEW]->(o)
RETURN labels(o) AS labels, coalesce(o.placeholder, false) AS placeholder, collect(type(r)) AS parents
