// Package cypher holds every Cypher statement Tributary runs, one statement per .cypher file,
// embedded as named variables so a missing file fails to compile. Statements take parameters
// only; labels and relationship types are written in the files. It imports nothing of Tributary.
package cypher

import (
	"embed"
	"strconv"
	"strings"
)

// Migrations holds the schema migrations, migrations/NNN_name.cypher, applied in NNN order.
//
//go:embed migrations/*.cypher
var Migrations embed.FS

// Writes.
var (
	//go:embed upsert_view.cypher
	UpsertView string
	//go:embed upsert_view_columns.cypher
	UpsertViewColumns string
	//go:embed delete_stale_view_columns.cypher
	DeleteStaleViewColumns string
	//go:embed upsert_source_columns.cypher
	UpsertSourceColumns string
	//go:embed delete_stale_view_edges.cypher
	DeleteStaleViewEdges string
	//go:embed upsert_view_edges.cypher
	UpsertViewEdges string
	//go:embed delete_view.cypher
	DeleteView string
	//go:embed demote_views_to_tables.cypher
	DemoteViewsToTables string
	//go:embed upsert_tables.cypher
	UpsertTables string
	//go:embed delete_stale_table_columns.cypher
	DeleteStaleTableColumns string
)

// Reads.
var (
	//go:embed upstream_step.cypher
	UpstreamStep string
	//go:embed downstream_step.cypher
	DownstreamStep string
	//go:embed upstream_closure.cypher
	UpstreamClosure string
	//go:embed downstream_closure.cypher
	DownstreamClosure string
	//go:embed column_nodes.cypher
	ColumnNodes string
	//go:embed view_detail.cypher
	ViewDetail string
	//go:embed diff_views.cypher
	DiffViews string
	//go:embed search_page.cypher
	SearchPage string
	//go:embed search_facets.cypher
	SearchFacets string
	//go:embed counts.cypher
	Counts string
)

// Operations.
var (
	//go:embed applied_migrations.cypher
	AppliedMigrations string
	//go:embed record_migration.cypher
	RecordMigration string
	//go:embed migration_level.cypher
	MigrationLevel string
	//go:embed server_info.cypher
	ServerInfo string
	//go:embed search_backfill_todo.cypher
	SearchBackfillTodo string
	//go:embed search_backfill.cypher
	SearchBackfill string
)

// HopsToken stands for the upper bound of the variable-length pattern in UpstreamClosure and
// DownstreamClosure: a bound cannot be a parameter. Unfilled, it is a syntax error.
const HopsToken = "__HOPS__"

// WithHops returns stmt with HopsToken replaced by n (negative n counts as 0). The result is
// one of few distinct statements (one per depth), so Neo4j's plan cache still serves them.
func WithHops(stmt string, n int) string {
	return strings.ReplaceAll(stmt, HopsToken, strconv.Itoa(max(n, 0)))
}
