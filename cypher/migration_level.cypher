// Highest migration version recorded in the graph (0 when none).
MATCH (m:Migration)
RETURN coalesce(max(m.version), 0) AS level
