// Package tables embeds the demo's tables built by statements (examples/tables): a dbt
// project's compiled manifest and catalog, an export of Snowflake's query history, and the
// reporting view that reads the table the query history fills. See README.md for the chain
// they make between RAW and the reporting layer.
package tables

import "embed"

// FS holds the inputs the demo ingests, in this order: the dbt manifest (DBTManifest, with
// catalog.json beside it), the query history (QueryHistory), then the views (Views), after
// examples/warehouse.
//
//go:embed dbt/target/manifest.json dbt/target/catalog.json query_history.jsonl views
var FS embed.FS

// Paths in FS.
const (
	DBTManifest  = "dbt/target/manifest.json"
	QueryHistory = "query_history.jsonl"
	Views        = "views"
)

// Retention is the query-lineage retention the demo runs with: the query history is a fixed
// export (2026-11-30 and 2026-12-01), which the default of 30 days would age out.
const Retention = "3650d"
