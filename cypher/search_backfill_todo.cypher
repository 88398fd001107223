// Up to $limit columns and up to $limit tables or views whose id starts with $prefix ('' for
// all) without the derived search properties (written before migration 004_search), for
// Store.Migrate to fill.
MATCH (n:Column) WHERE n.searchName IS NULL AND n.id STARTS WITH $prefix
RETURN n.id AS id, n.name AS name, true AS column
LIMIT $limit
UNION ALL
MATCH (n:Dataset) WHERE n.searchName IS NULL AND n.id STARTS WITH $prefix
RETURN n.id AS id, n.name AS name, false AS column
LIMIT $limit
