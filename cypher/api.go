package cypher

import _ "embed"

// Statements of the reads the API adds (package graph's impact, view lookup and search paging),
// in api/. They live in a subfolder so the one-file-one-variable test of this folder stays as it is.
var (
	//go:embed api/find_views.cypher
	APIFindViews string
	//go:embed api/dataset_columns.cypher
	APIDatasetColumns string
	//go:embed api/search_names_page.cypher
	APISearchNamesPage string
)
