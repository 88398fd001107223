// Package warehouse embeds the demo Snowflake warehouse of examples/warehouse:
// one CREATE VIEW per .sql file, in a folder per schema, plus the catalog of
// the raw base tables. See README.md for the layers and the columns to trace.
package warehouse

import "embed"

// FS holds the warehouse files: catalog.json, catalog_types.json and the
// view folders (staging, intermediate, marts, reporting, share).
//
//go:embed catalog.json catalog_types.json staging intermediate marts reporting share
var FS embed.FS

// Facts about the demo warehouse that callers (the demo, tests) can rely on.
const (
	// DefaultDatabase is the database that partly qualified names (SCHEMA.VIEW) rely on.
	DefaultDatabase = "ANALYTICS"
	// CatalogFile is the --catalog JSON of the raw base tables.
	CatalogFile = "catalog.json"
	// CatalogTypesFile is the same catalog with a data type per column.
	CatalogTypesFile = "catalog_types.json"
	// BrokenFile is the one view file with a deliberate syntax error.
	BrokenFile = "reporting/broken_view.sql"
)
