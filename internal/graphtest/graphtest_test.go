package graphtest_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// recorder is a testing.TB whose failures and cleanups are recorded instead of acted on, so
// tests can check what graphtest reports.
type recorder struct {
	testing.TB
	errors   []string
	fatal    string
	cleanups []func()
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

// runCleanups runs the recorded cleanups last in, first out, as testing does.
func (r *recorder) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// call runs f on its own goroutine, so a Fatalf (Goexit) ends f only.
func call(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}

// fakeDeleter records the deletions asked for and fails with err.
type fakeDeleter struct {
	names    [][]string
	deadline time.Duration
	ctxErr   error
	err      error
}

func (f *fakeDeleter) DeleteDatabases(ctx context.Context, names []string) (int64, error) {
	f.names = append(f.names, names)
	if d, ok := ctx.Deadline(); ok {
		f.deadline = time.Until(d)
	}
	f.ctxErr = ctx.Err()
	return int64(len(names)), f.err
}

func TestNameIsUniqueAndShaped(t *testing.T) {
	shape := regexp.MustCompile(`^TX_[0-9A-F]{10}$`)
	seen := map[string]bool{}
	for range 1000 {
		n := graphtest.Name(t, "TX_")
		if !shape.MatchString(n) {
			t.Fatalf("Name = %q, want TX_ and ten upper-case hex digits", n)
		}
		if seen[n] {
			t.Fatalf("Name repeated %q", n)
		}
		seen[n] = true
	}
}

func TestNameRejectsBadPrefixes(t *testing.T) {
	for _, prefix := range []string{"", "tt_", "1X_", "T-", `T"`, "T T"} {
		r := &recorder{TB: t}
		call(func() { graphtest.Name(r, prefix) })
		if !strings.Contains(r.fatal, "is not an upper-case unquoted identifier") {
			t.Errorf("Name(%q): fatal %q, want a prefix error", prefix, r.fatal)
		}
	}
}

func TestCleanupDeletesWhenTheTestEnds(t *testing.T) {
	r := &recorder{TB: t}
	d := &fakeDeleter{}
	db := graphtest.Database(r, d, "TX_")
	graphtest.Cleanup(r, d, "A", "B")
	if len(d.names) != 0 {
		t.Fatalf("deleted before the test ended: %v", d.names)
	}
	r.runCleanups()
	// Last in, first out, each with a live context bounded by DeleteTimeout.
	if want := fmt.Sprint([][]string{{"A", "B"}, {db}}); fmt.Sprint(d.names) != want {
		t.Errorf("deleted %v, want %s", d.names, want)
	}
	if d.ctxErr != nil || d.deadline <= graphtest.DeleteTimeout-time.Minute || d.deadline > graphtest.DeleteTimeout {
		t.Errorf("deletion context: err %v, deadline in %s; want live, within %s", d.ctxErr, d.deadline, graphtest.DeleteTimeout)
	}
	if len(r.errors) != 0 {
		t.Errorf("errors reported: %v", r.errors)
	}
}

func TestFailedDeletionFailsTheTest(t *testing.T) {
	r := &recorder{TB: t}
	d := &fakeDeleter{err: errors.New("transaction memory limit reached")}
	db := graphtest.Database(r, d, "TX_")
	r.runCleanups()
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], db) || !strings.Contains(r.errors[0], "transaction memory limit reached") {
		t.Errorf("errors = %q, want one naming %s and the cause", r.errors, db)
	}
}

func TestDropWithoutNamesDoesNothing(t *testing.T) {
	d := &fakeDeleter{}
	graphtest.Drop(t, d)
	if len(d.names) != 0 {
		t.Errorf("deleted %v", d.names)
	}
}

// countUnder counts the nodes under database db: the database, its schemas, tables, views
// and columns.
func countUnder(t *testing.T, driver neo4j.DriverWithContext, db string) int64 {
	t.Helper()
	res, err := neo4j.ExecuteQuery(context.Background(), driver,
		`MATCH (d:Database {name: $db})
		 OPTIONAL MATCH (d)-[:HAS_SCHEMA]->(s)
		 OPTIONAL MATCH (s)-[:HAS_TABLE|HAS_VIEW]->(o)
		 OPTIONAL MATCH (o)-[:HAS_COLUMN]->(c)
		 WITH collect(DISTINCT d) + collect(DISTINCT s) + collect(DISTINCT o) + collect(DISTINCT c) AS nodes
		 RETURN size(nodes) AS n`,
		map[string]any{"db": db}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(graphtest.Neo4jDatabase()))
	if err != nil {
		t.Fatal(err)
	}
	n, _, err := neo4j.GetRecordValue[int64](res.Records[0], "n")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDatabaseIsGoneAfterTheSubtest writes a table and a view through graph.Store in a subtest
// under a graphtest.Database name; once the subtest has ended, nothing is left under it.
func TestDatabaseIsGoneAfterTheSubtest(t *testing.T) {
	driver := graphtest.Driver(t)
	store := graph.NewStore(driver, graphtest.Neo4jDatabase())
	ctx := context.Background()
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var db string
	t.Run("writes", func(t *testing.T) {
		db = graphtest.Database(t, store, "GT_")
		tbl := graph.ObjectID{Database: db, Schema: "RAW", Name: "T"}
		view := graph.ObjectID{Database: db, Schema: "S", Name: "V"}
		if err := store.UpsertTables(ctx, []graph.Table{{ID: tbl, Columns: []graph.Column{{Name: "A", Ordinal: 1}}}}); err != nil {
			t.Fatal(err)
		}
		err := store.ReplaceViewLineage(ctx, graph.View{ID: view, Status: graph.StatusOK, Columns: []graph.Column{{Name: "X", Ordinal: 1}},
			Edges: []graph.Edge{{From: view.Column("X"), To: tbl.Column("A"), Type: graph.EdgeDirect, Subtype: graph.SubtypeIdentity}}})
		if err != nil {
			t.Fatal(err)
		}
		// database, 2 schemas, table, view, 2 columns
		if n := countUnder(t, driver, db); n != 7 {
			t.Fatalf("%d nodes under %s after the writes, want 7", n, db)
		}
	})
	if n := countUnder(t, driver, db); n != 0 {
		t.Errorf("%d nodes left under %s after the subtest", n, db)
	}
}
