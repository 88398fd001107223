package cypher

import _ "embed"

// Statements of lineage written per statement (query history, OpenLineage runs): graph's
// StatementLineage methods, in statements/.
var (
	//go:embed statements/upsert_targets.cypher
	StatementsUpsertTargets string
	//go:embed statements/delete_stale_edges.cypher
	StatementsDeleteStaleEdges string
	//go:embed statements/upsert_inputs.cypher
	StatementsUpsertInputs string
	//go:embed statements/upsert_statements.cypher
	StatementsUpsertStatements string
	//go:embed statements/prior_edges.cypher
	StatementsPriorEdges string
	//go:embed statements/seen_statements.cypher
	StatementsSeenStatements string
	//go:embed statements/touch_statements.cypher
	StatementsTouchStatements string
	//go:embed statements/expire_statements.cypher
	StatementsExpireStatements string
)
