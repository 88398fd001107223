// Versions of the migrations recorded in the graph.
MATCH (m:Migration)
RETURN m.version AS version
ORDER BY version
