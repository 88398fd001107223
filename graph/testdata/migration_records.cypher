// Test helper: how many :Migration nodes exist per version.
MATCH (m:Migration)
RETURN m.version AS version, count(*) AS n
ORDER BY version
