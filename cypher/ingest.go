package cypher

import _ "embed"

// Statements of ingestion (package ingest through graph's ingestion methods), in ingest/.
// They live in a subfolder so the one-file-one-variable test of this folder stays as it is.
var (
	//go:embed ingest/view_states.cypher
	IngestViewStates string
	//go:embed ingest/table_states.cypher
	IngestTableStates string
	//go:embed ingest/delete_indirect_inputs.cypher
	IngestDeleteIndirectInputs string
	//go:embed ingest/upsert_indirect_inputs.cypher
	IngestUpsertIndirectInputs string
	//go:embed ingest/set_view_states.cypher
	IngestSetViewStates string
)

// IngestSourceCounts sizes what one source ingested.
//
//go:embed ingest/source_counts.cypher
var IngestSourceCounts string

// Batched view writes (ReplaceViewsLineage).
var (
	//go:embed ingest/batch_upsert_views.cypher
	IngestBatchUpsertViews string
	//go:embed ingest/batch_upsert_view_columns.cypher
	IngestBatchUpsertViewColumns string
	//go:embed ingest/batch_delete_stale_view_columns.cypher
	IngestBatchDeleteStaleViewColumns string
	//go:embed ingest/batch_delete_stale_view_edges.cypher
	IngestBatchDeleteStaleViewEdges string
)

// IngestBatchUpsertNewSourceColumns creates the source columns of a batch that do not exist.
//
//go:embed ingest/batch_upsert_new_source_columns.cypher
var IngestBatchUpsertNewSourceColumns string
