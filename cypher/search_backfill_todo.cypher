// Up to $limit columns and up to $limit tables or views without the derived search properties
// (written before migration 004_search), for Store.Migrate to fill.
MATCH (n:Column) WHERE n.searchName IS NULL
RETURN n.id AS id, true AS column
LIMIT $limit
UNION ALL
MATCH (n:Dataset) WHERE n.searchName IS NULL
RETURN n.id AS id, false AS column
LIMIT $limit
