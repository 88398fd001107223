package cypher

import _ "embed"

// OpenLineage intake (POST /api/v1/lineage): the datasets events name, jobs and runs. The
// lineage of a job's latest completed run is written as statements (cypher/statements).
var (
	//go:embed openlineage/upsert_datasets.cypher
	OpenLineageUpsertDatasets string
	//go:embed openlineage/upsert_jobs.cypher
	OpenLineageUpsertJobs string
	//go:embed openlineage/record_runs.cypher
	OpenLineageRecordRuns string
	//go:embed openlineage/delete_jobs.cypher
	OpenLineageDeleteJobs string
	//go:embed openlineage/job_runs.cypher
	OpenLineageJobRuns string
)
