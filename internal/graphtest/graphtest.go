// Package graphtest is what integration tests need to write to the shared Neo4j without
// leaving anything behind: a connection from the TRIBUTARY_NEO4J_* settings and unique
// database names whose data is deleted when the test ends.
//
// Test packages run in parallel against one Neo4j (Community has one user database), so every
// test writes under database names of its own, scopes its assertions to them and deletes them
// at the end; a test database left behind shows up later, e.g. as a second
// MARTS.CUSTOMER_LTV view that makes `make demo`'s lookups ambiguous.
//
//	store := graphtest.Store(t, graph.NewStore)  // connected and migrated
//	db := graphtest.Database(t, store, "TX_")     // e.g. TX_3F09A1C2D4, deleted when t ends
//	lines, err := graphtest.Dump(ctx, graphtest.Driver(t), []string{db}) // canonical, to compare
//
// Every test that talks to Neo4j gets its connection here. graphtest imports nothing of this
// module, so graph's own tests can use it too; a *graph.Store is a Deleter and a Migrator.
package graphtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// DeleteTimeout bounds the deletion of a test's databases. It is generous: benchmark graphs of
// hundreds of thousands of columns are deleted in many small transactions.
const DeleteTimeout = 10 * time.Minute

// Deleter deletes everything under the databases named; *graph.Store implements it.
type Deleter interface {
	DeleteDatabases(ctx context.Context, names []string) (int64, error)
}

var prefixRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// Name returns prefix followed by ten random upper-case hex digits, e.g. TT_3F09A1C2D4: a
// database name no other test uses. prefix must be an unquoted upper-case identifier (it names
// the package or test, so a leftover can be traced to its author).
func Name(tb testing.TB, prefix string) string {
	tb.Helper()
	if !prefixRE.MatchString(prefix) {
		tb.Fatalf("graphtest: prefix %q is not an upper-case unquoted identifier", prefix)
	}
	b := make([]byte, 5)
	if _, err := rand.Read(b); err != nil {
		tb.Fatalf("graphtest: random name: %v", err)
	}
	return prefix + strings.ToUpper(hex.EncodeToString(b))
}

// Database returns a fresh database name (see Name) and deletes everything under it when tb
// ends. Call it after the store's driver is set up: cleanups run last in, first out, so the
// deletion then runs before the driver is closed.
func Database(tb testing.TB, store Deleter, prefix string) string {
	tb.Helper()
	name := Name(tb, prefix)
	Cleanup(tb, store, name)
	return name
}

// Cleanup deletes everything under the databases named when tb ends, for names a test builds
// itself (derived from a Name, or written by the code under test). A failed deletion fails tb.
func Cleanup(tb testing.TB, store Deleter, names ...string) {
	tb.Helper()
	tb.Cleanup(func() { Drop(tb, store, names...) })
}

// Drop deletes everything under the databases named now, with a context of its own (the
// test's may be done) bounded by DeleteTimeout. A failed deletion fails tb: data left in the
// shared Neo4j is a bug.
func Drop(tb testing.TB, store Deleter, names ...string) {
	tb.Helper()
	if len(names) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), DeleteTimeout)
	defer cancel()
	if _, err := store.DeleteDatabases(ctx, names); err != nil {
		tb.Errorf("graphtest: delete test databases %v from Neo4j: %v", names, err)
	}
}

// Env returns the environment variable key, or def when it is unset or empty.
func Env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// Neo4jDatabase is the Neo4j database tests use: TRIBUTARY_NEO4J_DATABASE, default neo4j.
func Neo4jDatabase() string { return Env("TRIBUTARY_NEO4J_DATABASE", "neo4j") }

// Driver connects to the Neo4j at TRIBUTARY_NEO4J_URI as TRIBUTARY_NEO4J_USER with
// TRIBUTARY_NEO4J_PASSWORD (by default the server and account `make up` starts), fails tb when the
// server does not answer, and closes the driver when tb ends.
func Driver(tb testing.TB) neo4j.DriverWithContext {
	tb.Helper()
	uri := Env("TRIBUTARY_NEO4J_URI", "bolt://127.0.0.1:7687")
	driver, err := neo4j.NewDriverWithContext(uri,
		neo4j.BasicAuth(Env("TRIBUTARY_NEO4J_USER", "neo4j"), Env("TRIBUTARY_NEO4J_PASSWORD", "tributary-local"), ""))
	if err != nil {
		tb.Fatalf("graphtest: neo4j driver for %s: %v", uri, err)
	}
	tb.Cleanup(func() {
		if err := driver.Close(context.Background()); err != nil {
			tb.Errorf("graphtest: close neo4j driver: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := driver.VerifyConnectivity(ctx); err != nil {
		tb.Fatalf("graphtest: neo4j at %s is not reachable (run `make up`): %v", uri, err)
	}
	return driver
}

// Migrator is a store whose schema migrations can be applied; *graph.Store implements it.
type Migrator interface {
	Migrate(ctx context.Context) ([]string, error)
}

// Store connects to the Neo4j of `make up` (Driver), opens a store on Neo4jDatabase with open
// (graph.NewStore) and applies the migrations; it fails tb when either does not succeed.
//
//	store := graphtest.Store(t, graph.NewStore)
func Store[S Migrator](tb testing.TB, open func(neo4j.DriverWithContext, string) S) S {
	tb.Helper()
	s := open(Driver(tb), Neo4jDatabase())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := s.Migrate(ctx); err != nil {
		tb.Fatalf("graphtest: migrate neo4j: %v", err)
	}
	return s
}

// CleanupChangeEvents deletes the change events of the delivery queue named (the :ChangeEvent
// outbox nodes a test's writes stored) when tb ends; a failed deletion fails tb.
func CleanupChangeEvents(tb testing.TB, driver neo4j.DriverWithContext, queue string) {
	tb.Helper()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), DeleteTimeout)
		defer cancel()
		_, err := neo4j.ExecuteQuery(ctx, driver, "MATCH (e:ChangeEvent {queue: $queue}) DETACH DELETE e",
			map[string]any{"queue": queue}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(Neo4jDatabase()))
		if err != nil {
			tb.Errorf("graphtest: delete the change events of %s: %v", queue, err)
		}
	})
}

// JobDeleter deletes OpenLineage jobs (*graph.Store).
type JobDeleter interface {
	DeleteJobs(ctx context.Context, namespace string) (int64, error)
}

// CleanupJobs deletes the OpenLineage jobs of the job namespace named, with their runs, when
// tb ends (jobs and runs live outside any database, so Database's cleanup does not reach them);
// a failed deletion fails tb.
func CleanupJobs(tb testing.TB, store JobDeleter, namespace string) {
	tb.Helper()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), DeleteTimeout)
		defer cancel()
		if _, err := store.DeleteJobs(ctx, namespace); err != nil {
			tb.Errorf("graphtest: delete the jobs of %s: %v", namespace, err)
		}
	})
}

// NormalizeDump renders the lines of a graph dump (Dump) of database db ingested
// from folder dir so that two runs of one warehouse under other names compare equal: the
// database name (as given and lower case: generated warehouses write lower-case names) and
// the folder are replaced, and the source versions (they fingerprint text naming the
// database) dropped.
func NormalizeDump(lines []string, db, dir string) ([]string, error) {
	out := make([]string, len(lines))
	for i, l := range lines {
		if strings.HasPrefix(l, "dataset ") {
			head, body, _ := strings.Cut(l[len("dataset "):], " ")
			var m map[string]any
			if err := json.Unmarshal([]byte(body), &m); err != nil {
				return nil, fmt.Errorf("dump line %q: %w", l, err)
			}
			delete(m, "sourceVersion")
			b, err := json.Marshal(m)
			if err != nil {
				return nil, fmt.Errorf("dump line %q: %w", l, err)
			}
			l = "dataset " + head + " " + string(b)
		}
		l = strings.ReplaceAll(l, dir, "<dir>")
		l = strings.ReplaceAll(l, db, "<db>")
		out[i] = strings.ReplaceAll(l, strings.ToLower(db), "<db>")
	}
	return out, nil
}
