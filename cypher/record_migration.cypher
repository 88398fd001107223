// Records a migration as applied; fresh is false when another process recorded it first.
MERGE (m:Migration {version: $version})
WITH m, m.appliedAt IS NULL AS fresh
SET m.name = coalesce(m.name, $name),
    m.appliedAt = coalesce(m.appliedAt, datetime())
RETURN fresh
