package cypher

import _ "embed"

// Statements of the reads the API adds (package graph's impact, view lookup),
// in api/. They live in a subfolder so the one-file-one-variable test of this folder stays as it is.
var (
	//go:embed api/find_datasets.cypher
	APIFindDatasets string
	//go:embed api/list_datasets.cypher
	APIListDatasets string
	//go:embed api/list_datasets_matching.cypher
	APIListDatasetsMatching string
	//go:embed api/dataset_columns.cypher
	APIDatasetColumns string
)
