// Makes sure every source column a view reads exists with its parent chain. A parent that is
// not known yet is created as a placeholder :Table {placeholder: true}; an existing :Table or
// :View of that id is reused (merge on the shared :Dataset label).
UNWIND $sources AS src
MERGE (d:Database {id: src.databaseId})
  ON CREATE SET d.name = src.database
MERGE (s:Schema {id: src.schemaId})
  ON CREATE SET s.name = src.schema
MERGE (d)-[:HAS_SCHEMA]->(s)
MERGE (o:Dataset {id: src.datasetId})
  ON CREATE SET o:Table, o.name = src.dataset, o.placeholder = true, o += src.datasetSearch
FOREACH (_ IN CASE WHEN o:View THEN [] ELSE [1] END |
  MERGE (s)-[:HAS_TABLE]->(o))
MERGE (c:Column {id: src.id})
  ON CREATE SET c.name = src.name, c += src.search
MERGE (o)-[:HAS_COLUMN]->(c)
RETURN count(c) AS written
