// OpenLineage jobs and runs (docs/openlineage.md): a job is identified by namespace and name,
// a run by its run id.
CREATE CONSTRAINT job_key_unique IF NOT EXISTS FOR (j:Job) REQUIRE (j.namespace, j.name) IS UNIQUE;
CREATE CONSTRAINT run_id_unique IF NOT EXISTS FOR (r:Run) REQUIRE r.runId IS UNIQUE;
CREATE INDEX job_namespace IF NOT EXISTS FOR (j:Job) ON (j.namespace);
