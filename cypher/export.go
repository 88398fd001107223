package cypher

import _ "embed"

// Statements of exports and imports (package graph's export.go), in export/. They live in a
// subfolder so the one-file-one-variable test of this folder stays as it is.
var (
	//go:embed export/dataset_ids.cypher
	ExportDatasetIDs string
	//go:embed export/datasets.cypher
	ExportDatasets string
	//go:embed export/view_column_ids.cypher
	ExportViewColumnIDs string
	//go:embed export/import_tables.cypher
	ExportImportTables string
	//go:embed export/import_views.cypher
	ExportImportViews string
	//go:embed export/import_view_columns.cypher
	ExportImportViewColumns string
	//go:embed export/import_delete_stale.cypher
	ExportImportDeleteStale string
	//go:embed export/delete_databases.cypher
	ExportDeleteDatabases string
	//go:embed export/delete_database_nodes.cypher
	ExportDeleteDatabaseNodes string
)
