// Test helper: names of indexes (constraints own an index of the same name) starting with $prefix.
SHOW INDEXES YIELD name WHERE name STARTS WITH $prefix RETURN name ORDER BY name
