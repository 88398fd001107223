// Deletes the OpenLineage jobs of one job namespace with their runs (a retired producer; the
// load benchmark's cleanup). The lineage they wrote stays: it belongs to their outputs.
MATCH (j:Job {namespace: $namespace})
OPTIONAL MATCH (j)-[:HAS_RUN]->(r:Run)
WITH j, collect(r) AS runs
FOREACH (r IN runs | DETACH DELETE r)
DETACH DELETE j
RETURN count(*) AS deleted
