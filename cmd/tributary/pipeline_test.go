package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/api"
	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// startViewJobs returns the job queue of analyze's job path on queue, with ingest's task
// handlers serving it in this process (writing to g) until the test ends.
func startViewJobs(t *testing.T, rdb redis.UniversalClient, g ingest.Graph, queue string, logger *slog.Logger) *api.IngestQueue {
	t.Helper()
	q := api.NewIngestQueue(rdb, queue)
	jobs := ingest.NewJobStore(rdb, "", 0)
	runner := ingest.NewRunner(g, jobs, logger)
	handlers := ingest.NewHandlers(runner, jobs, asynq.NewClientFromRedisClient(rdb), asynq.NewInspectorFromRedisClient(rdb), nil, queue, logger)
	mux := asynq.NewServeMux()
	handlers.Register(mux)
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{Concurrency: 2, Queues: map[string]int{queue: 1}, LogLevel: asynq.FatalLevel})
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	t.Cleanup(func() { asynq.NewInspectorFromRedisClient(rdb).DeleteQueue(queue, true) })
	return q
}

// A warehouse persisted through POST /api/v1/lineage/analyze?persist=true is stored exactly
// as `tributary ingest` of the same statements stores it: every view, column, DERIVES_FROM
// edge (expression chains, verification) and INDIRECT_INPUT, property by property, apart from
// the source each records. With 3 views the request writes them; with 25 (more than
// api.MaxSyncPersistViews) an ingestion job does.
func TestAnalyzePersistStoresWhatIngestionStores(t *testing.T) {
	for _, n := range []int{3, api.MaxSyncPersistViews + 5} {
		t.Run(fmt.Sprintf("%d views", n), func(t *testing.T) { testPersistLikeIngestion(t, n) })
	}
}

func testPersistLikeIngestion(t *testing.T, n int) {
	driver := graphtest.Driver(t)
	store := graph.NewStore(driver, graphtest.Neo4jDatabase())
	db := graphtest.Database(t, store, "TP_")
	rdb := redis.NewClient(&redis.Options{Addr: envOr("TRIBUTARY_REDIS_ADDR", "127.0.0.1:6379"), Password: envOr("TRIBUTARY_REDIS_PASSWORD", "")})
	t.Cleanup(func() { rdb.Close() })
	writer := graph.NewWriter(store, graph.NewCache(rdb, time.Minute, graph.CacheOptions{Prefix: "tributary-test:" + db + ":"}))
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	q := startViewJobs(t, rdb, writer, "test-"+strings.ToLower(db), logger)
	srv := api.New(api.Config{}, api.Deps{Lineage: store, Analyzer: api.NewEngineAnalyzer(store, 100, "", ""), Differ: store,
		Writer: writer, Jobs: q, ViewJobs: q}, logger)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)

	// Views with expressions, a filter (an indirect input) and an unverified source.
	stmts, catalog := warehouseSQL(db, n, false)
	var views []string
	for _, s := range strings.Split(strings.TrimSpace(stmts), ";\n") {
		views = append(views, strings.Replace(strings.TrimSuffix(s, ";"), "SELECT a,", "SELECT a, nope,", 1))
	}
	body, err := json.Marshal(map[string]any{"sql": strings.Join(views, ";\n"), "catalog": catalog, "persist": true,
		"default_database": db, "default_schema": "PUBLIC"})
	if err != nil {
		t.Fatal(err)
	}
	code, out := postJSON(t, ts.URL+"/api/v1/lineage/analyze", string(body))
	switch {
	case n <= api.MaxSyncPersistViews && code == http.StatusOK:
	case n > api.MaxSyncPersistViews && code == http.StatusAccepted:
		var acc api.Accepted
		if err := json.Unmarshal(out, &acc); err != nil {
			t.Fatal(err)
		}
		waitViewJob(t, q, acc.JobID)
	default:
		t.Fatalf("persist %d views: %d %s", n, code, out)
	}
	persisted := dumpViews(t, driver, db)
	if len(persisted) == 0 {
		t.Fatal("nothing persisted")
	}
	graphtest.Drop(t, store, db)

	dir := t.TempDir()
	for i, v := range views {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("v%03d.sql", i)), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cat, err := json.Marshal(catalog)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "catalog.json"), cat, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCmd(t, testEnv(nil), "ingest", "--source", "dir:"+dir, "--inline"); code != exitOK {
		t.Fatalf("ingest: exit %d: %s", code, stderr)
	}
	// Ingestion's messages name the file a position is in ("v000.sql:1:45: ..."), the
	// request's the statement's ("1:45: ..."): the one difference allowed besides the source.
	ingested := dumpViews(t, driver, db)
	for i, row := range ingested {
		ingested[i] = fileOrigin.ReplaceAllString(row, "")
	}
	if !slices.Equal(persisted, ingested) {
		for i := range max(len(persisted), len(ingested)) {
			p, g := "", ""
			if i < len(persisted) {
				p = persisted[i]
			}
			if i < len(ingested) {
				g = ingested[i]
			}
			if p != g {
				t.Errorf("first difference at row %d:\npersisted %s\ningested  %s", i, p, g)
				break
			}
		}
		t.Fatalf("persisted %d rows, ingested %d rows: the graphs differ", len(persisted), len(ingested))
	}
}

var fileOrigin = regexp.MustCompile(`v[0-9]{3}\.sql:`)

// waitViewJob waits until job id is final and fails unless every view was written.
func waitViewJob(t *testing.T, q *api.IngestQueue, id string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		job, err := q.Job(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if job.Final {
			if job.State != ingest.JobDone || job.Failed != 0 {
				t.Fatalf("job = %+v", job)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s not final after 60s: %+v", id, job)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// dumpViews returns, sorted, one line per view of database db and per column of those views,
// with its labels and properties, and one per relationship leaving them, with its properties
// and target: everything the views' lineage consists of. Timestamps of the write, the source
// a view was recorded from and the hash of the rest (lineageHash) are left out.
func dumpViews(t *testing.T, driver neo4j.DriverWithContext, db string) []string {
	t.Helper()
	res, err := neo4j.ExecuteQuery(context.Background(), driver, `
MATCH (v:View) WHERE v.id STARTS WITH $prefix
OPTIONAL MATCH (v)-[:HAS_COLUMN]->(c:Column)
WITH collect(DISTINCT v) + collect(DISTINCT c) AS nodes
UNWIND nodes AS n
OPTIONAL MATCH (n)-[r]->(m)
RETURN n.id AS id, labels(n) AS labels, properties(n) AS props, type(r) AS rel, properties(r) AS rprops, m.id AS to`,
		map[string]any{"prefix": db + "."}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(graphtest.Neo4jDatabase()))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	nodes := map[string]bool{}
	for _, r := range res.Records {
		m := r.AsMap()
		id, _ := m["id"].(string)
		if !nodes[id] {
			nodes[id] = true
			labels := fmt.Sprint(m["labels"])
			out = append(out, fmt.Sprintf("node %s %s %s", id, labels, props(m["props"], "updatedAt", "source", "lineageHash")))
		}
		if m["rel"] != nil {
			out = append(out, fmt.Sprintf("rel %s -%v %s-> %v", id, m["rel"], props(m["rprops"]), m["to"]))
		}
	}
	slices.Sort(out)
	return out
}

// props prints a property map with sorted keys, without the keys named.
func props(v any, skip ...string) string {
	m, _ := v.(map[string]any)
	keys := make([]string, 0, len(m))
	for k := range m {
		if !slices.Contains(skip, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%v ", k, m[k])
	}
	return b.String()
}
