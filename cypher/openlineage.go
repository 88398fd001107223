package cypher

import _ "embed"

// OpenLineage intake (POST /api/v1/lineage): datasets, jobs and runs, and the lineage of a
// job's latest completed run.
var (
	//go:embed openlineage/upsert_datasets.cypher
	OpenLineageUpsertDatasets string
	//go:embed openlineage/upsert_job.cypher
	OpenLineageUpsertJob string
	//go:embed openlineage/record_run.cypher
	OpenLineageRecordRun string
	//go:embed openlineage/delete_stale_job_edges.cypher
	OpenLineageDeleteStaleJobEdges string
	//go:embed openlineage/upsert_job_edges.cypher
	OpenLineageUpsertJobEdges string
	//go:embed openlineage/upsert_job_inputs.cypher
	OpenLineageUpsertJobInputs string
	//go:embed openlineage/job_runs.cypher
	OpenLineageJobRuns string
)
