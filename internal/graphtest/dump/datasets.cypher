// Tables and views of the databases named in $databases, for a canonical dump.
MATCH (d:Database)-[:HAS_SCHEMA]->(s:Schema)-[r:HAS_TABLE|HAS_VIEW]->(o:Dataset)
WHERE d.name IN $databases
RETURN o {.id, .name, .status, .message, .definition, .lastAltered, .placeholder, .source,
          .sourceVersion, .columnDeps, labels: labels(o), schema: s.id, link: type(r)} AS o
