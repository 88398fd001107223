// Deletes the OpenLineage jobs of one job namespace with their runs and their :Statement nodes
// (a retired producer; the load benchmark's and tests' cleanup). The edges they wrote stay:
// they belong to their outputs.
MATCH (j:Job {namespace: $namespace})
OPTIONAL MATCH (j)-[:HAS_RUN]->(r:Run)
OPTIONAL MATCH (st:Statement {key: 'openlineage:' + j.namespace + '/' + j.name})
WITH j, collect(DISTINCT r) AS runs, collect(DISTINCT st) AS statements
FOREACH (n IN runs + statements | DETACH DELETE n)
DETACH DELETE j
RETURN count(*) AS deleted
