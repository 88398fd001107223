package cypher

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every .cypher file in this folder is embedded as exactly one variable, holds one statement,
// and takes values only as parameters.
func TestEveryFileIsEmbedded(t *testing.T) {
	vars := map[string]string{
		"UpsertView": UpsertView, "UpsertViewColumns": UpsertViewColumns,
		"DeleteStaleViewColumns": DeleteStaleViewColumns, "UpsertSourceColumns": UpsertSourceColumns,
		"DeleteStaleViewEdges": DeleteStaleViewEdges, "UpsertViewEdges": UpsertViewEdges,
		"DeleteView": DeleteView, "DemoteViewsToTables": DemoteViewsToTables, "UpsertTables": UpsertTables,
		"DeleteStaleTableColumns": DeleteStaleTableColumns, "UpstreamStep": UpstreamStep,
		"DownstreamStep": DownstreamStep, "UpstreamClosure": UpstreamClosure,
		"DownstreamClosure": DownstreamClosure, "ColumnNodes": ColumnNodes, "ViewDetail": ViewDetail, "DiffViews": DiffViews,
		"SearchPage": SearchPage, "SearchFacets": SearchFacets,
		"SearchBackfillTodo": SearchBackfillTodo, "SearchBackfill": SearchBackfill, "Counts": Counts, "AppliedMigrations": AppliedMigrations,
		"RecordMigration": RecordMigration, "MigrationLevel": MigrationLevel, "ServerInfo": ServerInfo,
	}
	files, err := filepath.Glob("*.cypher")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(vars) {
		t.Errorf("%d .cypher files, %d variables", len(files), len(vars))
	}
	byContent := map[string]string{}
	for name, v := range vars {
		byContent[v] = name
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := byContent[string(b)]; !ok {
			t.Errorf("%s is not embedded by any variable", f)
		}
		var code []string
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), "//") {
				code = append(code, line)
			}
		}
		body := strings.TrimSpace(strings.Join(code, "\n"))
		if body == "" || strings.Contains(strings.TrimSuffix(body, ";"), ";") {
			t.Errorf("%s: want exactly one statement", f)
		}
	}
	migrations, err := Migrations.ReadDir("migrations")
	if err != nil || len(migrations) == 0 {
		t.Fatalf("embedded migrations: %v, %d files", err, len(migrations))
	}
}

func TestWithHops(t *testing.T) {
	for _, stmt := range []string{UpstreamClosure, DownstreamClosure} {
		if n := strings.Count(stmt, HopsToken); n != 1 {
			t.Errorf("statement holds %s %d times, want once:\n%s", HopsToken, n, stmt)
		}
		got := WithHops(stmt, 9)
		if strings.Contains(got, HopsToken) || !strings.Contains(got, "[:DERIVES_FROM*0..9]") {
			t.Errorf("WithHops(9) = %s", got)
		}
		if got := WithHops(stmt, -3); !strings.Contains(got, "*0..0]") {
			t.Errorf("WithHops(-3) = %s, want a bound of 0", got)
		}
	}
}
