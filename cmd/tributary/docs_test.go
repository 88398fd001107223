package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tributary-lineage/tributary/api"
	"github.com/tributary-lineage/tributary/cypher/browser"
	"github.com/tributary-lineage/tributary/examples/tables"
	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/ingest/openlineage"
	"github.com/tributary-lineage/tributary/internal/doctest"
	"github.com/tributary-lineage/tributary/internal/graphtest"
	"github.com/tributary-lineage/tributary/internal/logtest"
	"github.com/tributary-lineage/tributary/internal/warehousetest"
)

// Documentation examples are tests: every curl of README.md and docs/*.md, every Cypher block
// of docs/*.md, the saved Browser queries (cypher/browser/queries.cypher), the Browser guide's
// runnable queries and every example of the OpenAPI document run against the demo warehouse
// (examples/warehouse), and each must answer: curls 2xx with a non-empty result (or the status
// their block's <!-- expect: NNN --> annotation names; see internal/doctest), Cypher at least
// one row in a read transaction.
//
// The shared Neo4j holds other tests' data, so the demo is ingested under unique database names
// and every example is rewritten before it runs: the database names ANALYTICS and RAW become
// this test's names (warehousetest.Rename), the host:port of a curl becomes the test server's. Nothing else is changed. Other tests load copies of the demo too,
// so a partly qualified view name (MARTS.CUSTOMER_LTV) would name several views: the server's
// name lookup sees only this test's databases, as a server holding only the demo would.
func TestDocsRunOnTheDemo(t *testing.T) {
	d := loadDemo(t)
	t.Run("curl", func(t *testing.T) { d.runCurls(t) })
	t.Run("cypher", func(t *testing.T) { d.runCypher(t) })
	t.Run("openapi-examples", func(t *testing.T) { d.runOpenAPIExamples(t) })
	t.Run("swagger-ui", func(t *testing.T) { d.runSwaggerUI(t) })
	t.Run("across-tables", func(t *testing.T) { d.checkUpstreamAcrossTables(t) })
}

// checkUpstreamAcrossTables: the README's example column, a reporting view's, traced upstream
// through the API crosses the table a scheduled INSERT fills (and a MERGE of another task
// corrects: both statements' edges are there) and the dbt model's table down to the raw
// columns, each edge naming its origin and statement.
func (d *demo) checkUpstreamAcrossTables(t *testing.T) {
	root := d.analytics + ".REPORTING.RPT_DAILY_NET_REVENUE.NET_REVENUE"
	etl, model := d.analytics+".ETL.DAILY_ORDER_TOTALS", d.analytics+".DBT.ORDERS_CLEANED"
	var lin api.ColumnLineage
	if code := getJSONBody(t, d.base+"/api/v1/lineage/columns?direction=upstream&depth=10&column="+root, &lin); code != 200 {
		t.Fatalf("upstream of %s: %d", root, code)
	}
	type edge struct{ from, to, typ, sub, origin, statement string }
	got := map[edge]bool{}
	for _, e := range lin.Edges {
		got[edge{e.From, e.To, e.Type, e.Subtype, e.Origin, e.Statement}] = true
	}
	// The statements of query history are named by the hash of their normalised text: take them
	// from the edges, and require two (the INSERT and the MERGE) into the same column.
	var fromHistory []string
	for _, e := range lin.Edges {
		if e.From == etl+".NET_REVENUE" && e.To == model+".NET_AMOUNT" && e.Origin == "query_history" {
			fromHistory = append(fromHistory, e.Statement)
		}
	}
	if len(fromHistory) != 2 {
		t.Errorf("edges %s.NET_REVENUE -> %s.NET_AMOUNT from query history: statements %v, want the INSERT's and the MERGE's", etl, model, fromHistory)
	}
	for _, want := range []edge{
		{root, etl + ".NET_REVENUE", "DIRECT", "IDENTITY", "view", d.analytics + ".REPORTING.RPT_DAILY_NET_REVENUE"},
		{model + ".NET_AMOUNT", d.raw + ".SHOP.ORDERS.AMOUNT", "DIRECT", "TRANSFORMATION", "dbt", "model.outfitters.orders_cleaned"},
		{model + ".NET_AMOUNT", d.raw + ".SHOP.ORDERS.DISCOUNT_AMOUNT", "DIRECT", "TRANSFORMATION", "dbt", "model.outfitters.orders_cleaned"},
	} {
		if !got[want] {
			t.Errorf("upstream of %s lacks edge %+v; edges %+v", root, want, lin.Edges)
		}
	}
	kinds := map[string]string{}
	for _, n := range lin.Nodes {
		kinds[n.Parent] = n.ParentKind
	}
	if kinds[etl] != "table" || kinds[model] != "table" || kinds[d.raw+".SHOP.ORDERS"] != "table" {
		t.Errorf("kinds of the datasets crossed: %v", kinds)
	}
	path := []string{root, etl + ".NET_REVENUE", model + ".NET_AMOUNT", d.raw + ".SHOP.ORDERS.AMOUNT"}
	if !slices.ContainsFunc(lin.Paths, func(p api.PathJSON) bool { return slices.Equal(p.Columns, path) }) {
		t.Errorf("no path %v among %+v", path, lin.Paths)
	}
	// The dbt model's table says it is one, with its dbt metadata.
	var v api.ViewJSON
	if code := getJSONBody(t, d.base+"/api/v1/lineage/datasets/"+model, &v); code != 200 || v.Kind != "table" || v.DefinedBy != "dbt" ||
		v.Meta == nil || v.Meta.UniqueID != "model.outfitters.orders_cleaned" || v.Meta.Materialization != "table" {
		t.Errorf("%s: %d %+v (meta %+v), want a table defined by dbt with its unique_id and materialization", model, code, v, v.Meta)
	}
}

// repoRoot is the module root, two levels above this package.
const repoRoot = "../.."

type demo struct {
	analytics, raw string // the demo's databases, ANALYTICS and RAW in the examples
	dbs            []string
	base           string // the test server's URL
	driver         neo4j.DriverWithContext
	neo4j          string // Neo4j database
	logs           *logtest.Buffer
}

func loadDemo(t *testing.T) *demo {
	t.Helper()
	store := graph.NewStore(graphtest.Driver(t), graphtest.Neo4jDatabase())
	analytics, raw := graphtest.Name(t, "TD_A_"), graphtest.Name(t, "TD_R_")
	graphtest.Cleanup(t, store, analytics, raw)
	d := &demo{
		analytics: analytics,
		raw:       raw,
		dbs:       []string{analytics, raw},
		neo4j:     graphtest.Neo4jDatabase(),
		driver:    graphtest.Driver(t),
		logs:      &logtest.Buffer{},
	}
	ingestDemo(t, store, analytics, raw)
	d.base = d.serve(t)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", d.logs.String())
		}
	})
	return d
}

// ingestDemo ingests the demo as make demo does, with ANALYTICS and RAW renamed to analytics
// and raw: the dbt project's manifest, the query history, the warehouse's views, then the
// reporting view that reads the table the query history fills.
func ingestDemo(t *testing.T, store *graph.Store, analytics, raw string) {
	t.Helper()
	dir, tablesDir := warehousetest.Copy(t, analytics, raw), warehousetest.CopyTables(t, analytics, raw)
	history := filepath.Join(tablesDir, tables.QueryHistory)
	t.Cleanup(func() {
		// Statements live outside any database: the databases' cleanup does not reach them.
		if _, err := store.ExpireStatements(context.Background(), graph.OriginQueryHistory, ingest.SourceQueryLog+":"+history, time.Now().Add(24*time.Hour)); err != nil {
			t.Errorf("remove the demo's statements: %v", err)
		}
	})
	env := testEnv(map[string]string{envQueryRetention: tables.Retention})
	for _, step := range []struct {
		args []string
		want string
	}{
		{[]string{"--source", "dbt:" + filepath.Join(tablesDir, tables.DBTManifest)}, "1 views analysed (0 failed)"},
		{[]string{"--source", "querylog:" + history}, "2 statements analysed (0 failed)"},
		{[]string{"--source", "dir:" + dir, "--default-database", analytics}, "74 views analysed (1 failed)"},
		{[]string{"--source", "dir:" + filepath.Join(tablesDir, tables.Views), "--default-database", analytics}, "1 views analysed (0 failed)"},
	} {
		code, stdout, stderr := runCmd(t, env, append(append([]string{"ingest"}, step.args...), "--inline")...)
		if code != exitOK || !strings.Contains(stdout, step.want) {
			t.Fatalf("ingest the demo (%v): exit %d, want %q\n%s\n%s", step.args, code, step.want, stdout, stderr)
		}
	}
}

// rename rewrites the demo's database names in an example into this test's.
func (d *demo) rename(s string) string { return warehousetest.Rename(s, d.analytics, d.raw) }

// serve starts the API with auth off (as `make demo` does) on the demo, wired like `tributary
// serve` but with a cache key prefix and job queue of its own, and view names looked up in the
// demo's databases only.
func (d *demo) serve(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	cfg, err := loadConfig(testEnv(map[string]string{envAuth: "off", envRateLimitAnon: "off", envHTTPAddr: "127.0.0.1:8080"}))
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewJSONHandler(d.logs, nil))
	redisc := newRedisClients(cfg)
	t.Cleanup(func() { redisc.Close() })
	security, err := newSecurity(ctx, cfg.Auth, redisc.jobs, logger)
	if err != nil {
		t.Fatal(err)
	}
	store := graph.NewStore(d.driver, d.neo4j)
	sfx := graphtest.Name(t, "DOCS")
	cache := graph.NewCache(redisc.cache, cfg.CacheTTL, graph.CacheOptions{Prefix: "tributary-test:" + sfx + ":"})
	writer := graph.NewWriter(store, cache)
	t.Cleanup(func() {
		if keys, err := redisc.cache.Keys(ctx, "tributary-test:"+sfx+":*").Result(); err == nil && len(keys) > 0 {
			redisc.cache.Del(ctx, keys...)
		}
	})
	queue := "tributary-docs-test-" + sfx
	t.Cleanup(func() { asynq.NewInspectorFromRedisClient(redisc.jobs).DeleteQueue(queue, true) })
	exports, imports, err := newDataServices(ctx, cfg.S3, store, writer, redisc.jobs, logger)
	if err != nil {
		t.Fatal(err)
	}
	intake, err := openlineage.NewIntake(writer, logger, 1)
	if err != nil {
		t.Fatal(err)
	}
	graphtest.CleanupJobs(t, store, "airflow") // the job namespace of the OpenLineage examples
	srv := api.New(api.Config{MaxDepth: cfg.MaxDepth}, api.Deps{
		Checkers:  healthCheckers(redisc, cache, api.NewNeo4jChecker(store, d.driver)),
		Lineage:   demoViews{LineageReader: store, dbs: d.dbs},
		Responses: cache,
		Metrics:   api.NewMetrics(prometheus.NewRegistry()),
		Analyzer:  api.NewEngineAnalyzer(store, cfg.AnalyzeMaxStatements, cfg.DefaultDatabase, cfg.DefaultSchema),
		Differ:    store,
		Writer:    writer,
		Jobs:      api.NewIngestQueue(redisc.jobs, queue),
		Exports:   exports,
		Imports:   imports,
		Intake:    intake,
		Headers:   security.Headers(),
		Security:  security.Middleware(),
	}, logger)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}

// demoViews finds tables and views by partly qualified names in the demo's databases only.
type demoViews struct {
	api.LineageReader
	dbs []string
}

func (v demoViews) FindDatasets(ctx context.Context, parts []string) ([]graph.ObjectRef, error) {
	refs, err := v.LineageReader.FindDatasets(ctx, parts)
	return slices.DeleteFunc(refs, func(r graph.ObjectRef) bool { return !slices.Contains(v.dbs, r.ID.Database) }), err
}

// docHosts are the hosts the documentation's curls name for Tributary itself.
var docHosts = map[string]bool{"localhost:8080": true, "127.0.0.1:8080": true, "tributary.example.com": true}

// markdownFiles are the documents whose examples run: README.md, docs/*.md and the examples' READMEs.
func markdownFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("docs/*.md: %v (%d files)", err, len(files))
	}
	examples, err := filepath.Glob(filepath.Join(repoRoot, "examples", "*", "README.md"))
	if err != nil || len(examples) == 0 {
		t.Fatalf("examples/*/README.md: %v (%d files)", err, len(examples))
	}
	return append(append([]string{filepath.Join(repoRoot, "README.md")}, files...), examples...)
}

func markdownBlocks(t *testing.T, file string) []doctest.Block {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(repoRoot, file)
	blocks, err := doctest.MarkdownBlocks(filepath.ToSlash(rel), string(src))
	if err != nil {
		t.Fatal(err)
	}
	return blocks
}

func (d *demo) runCurls(t *testing.T) {
	ran := 0
	for _, file := range markdownFiles(t) {
		for _, b := range markdownBlocks(t, file) {
			curls, err := doctest.Curls(b)
			if err != nil {
				t.Error(err)
				continue
			}
			for _, c := range curls {
				where := fmt.Sprintf("%s:%d", b.File, c.Line)
				if b.Expect == "external" {
					t.Logf("%s: not run (annotated external): %s", where, c.Text)
					continue
				}
				if !docHosts[c.URL.Host] {
					t.Errorf("%s: curl to %s, which is not Tributary's address in the docs; mark a call to another service with <!-- expect: external -->\n%s", where, c.URL.Host, c.Text)
					continue
				}
				ran++
				d.runCurl(t, where, b.Expect, c)
			}
		}
	}
	if ran < 10 {
		t.Errorf("ran %d curls from the docs, want the README's and docs/api.md's (>= 10)", ran)
	}
}

func (d *demo) runCurl(t *testing.T, where, expect string, c doctest.Curl) {
	t.Helper()
	// Only the database names and the address change.
	renamed, err := doctest.ParseCurl(d.rename(c.Text))
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	target := d.base + renamed.URL.RequestURI()
	req, err := http.NewRequest(renamed.Method, target, strings.NewReader(renamed.Body))
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	req.Header = renamed.Header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	want := "2xx"
	ok := resp.StatusCode/100 == 2
	if expect != "" {
		want, ok = expect, fmt.Sprint(resp.StatusCode) == expect
	}
	switch {
	case !ok:
		t.Errorf("%s: %s answered %d, the docs say %s\n%s\n%.600s", where, renamed.Method, resp.StatusCode, want, c.Text, body)
	case expect == "" && emptyResult(body):
		t.Errorf("%s: %s answered %d with an empty result\n%s\n%.600s", where, renamed.Method, resp.StatusCode, c.Text, body)
	}
}

// emptyResult reports whether an answer has nothing in it: no bytes, a JSON null, empty
// object or array, or a JSON object whose arrays (items, nodes, columns, ...) are all empty.
func emptyResult(body []byte) bool {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return true
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return false // text, e.g. metrics
	}
	switch v := v.(type) {
	case nil:
		return true
	case []any:
		return len(v) == 0
	case map[string]any:
		if len(v) == 0 {
			return true
		}
		arrays, full := 0, 0
		for _, f := range v {
			if a, ok := f.([]any); ok {
				arrays++
				if len(a) > 0 {
					full++
				}
			}
		}
		return arrays > 0 && full == 0
	}
	return false
}

// cypherSession runs statements in read transactions with Browser's parameters.
type cypherSession struct {
	d      *demo
	params map[string]any
}

// param evaluates a :param command the way Browser does: its right side is a Cypher expression.
func (s *cypherSession) param(t *testing.T, where string, p doctest.Param) {
	t.Helper()
	rows, err := s.d.read("RETURN "+s.d.rename(p.Expr)+" AS v", nil)
	if err != nil || len(rows) != 1 {
		t.Errorf("%s: :param %s => %s: %v", where, p.Name, p.Expr, err)
		return
	}
	v, _ := rows[0].Get("v")
	s.params[p.Name] = v
}

// run runs one statement, which must return at least one row.
func (s *cypherSession) run(t *testing.T, where, statement string) {
	t.Helper()
	if body := strings.TrimSuffix(strings.TrimSpace(statement), ";"); strings.Contains(body, ";") {
		t.Errorf("%s: a block holds one statement (Browser runs one at a time):\n%s", where, statement)
		return
	}
	start := time.Now()
	rows, err := s.d.read(s.d.rename(statement), s.params)
	if took := time.Since(start); took > 5*time.Second {
		// The statement reads the whole shared graph, other tests' data included.
		t.Logf("%s: %s on the shared Neo4j", where, took.Round(time.Millisecond))
	}
	switch {
	case err != nil:
		t.Errorf("%s: %v\n%s", where, err, statement)
	case len(rows) == 0:
		t.Errorf("%s: no rows on the demo (parameters %v)\n%s", where, s.params, statement)
	}
}

func (d *demo) read(q string, params map[string]any) ([]*neo4j.Record, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sess := d.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: d.neo4j, AccessMode: neo4j.AccessModeRead})
	defer sess.Close(ctx)
	rows, err := neo4j.ExecuteRead(ctx, sess, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		res, err := tx.Run(ctx, q, params)
		if err != nil {
			return nil, err
		}
		return res.Collect(ctx)
	})
	return rows, err
}

// cypherLike is how a code block that is Cypher but not labelled so starts.
var cypherStarts = []string{"MATCH ", "MATCH(", "OPTIONAL MATCH", "CALL ", "RETURN ", "UNWIND ", "WITH ", "SHOW ", ":param"}

func (d *demo) runCypher(t *testing.T) {
	ran := 0
	for _, file := range markdownFiles(t) {
		s := &cypherSession{d: d, params: map[string]any{}}
		for _, b := range markdownBlocks(t, file) {
			text := strings.TrimSpace(b.Text)
			if b.Lang != "cypher" {
				for _, p := range cypherStarts {
					if strings.HasPrefix(strings.ToUpper(text), strings.ToUpper(p)) {
						t.Errorf("%s: a Cypher block not labelled cypher (```cypher), so no test runs it", b)
						break
					}
				}
				continue
			}
			if params, ok := paramLines(text); ok {
				for _, p := range params {
					s.param(t, b.String(), p)
				}
				continue
			}
			ran++
			s.run(t, b.String(), text)
		}
	}
	// The saved queries, with the parameters their header tells analysts to set.
	saved, params, err := doctest.SavedQueries(browser.Queries)
	if err != nil {
		t.Fatal(err)
	}
	if len(params) == 0 {
		t.Error("queries.cypher: no :param lines in its header")
	}
	s := &cypherSession{d: d, params: map[string]any{}}
	for _, p := range params {
		s.param(t, "queries.cypher", p)
	}
	for _, q := range saved {
		ran++
		s.run(t, "queries.cypher: "+q.Name, q.Text)
	}
	// The guide, slide by slide: its :param blocks set what the queries after them use.
	s = &cypherSession{d: d, params: map[string]any{}}
	for i, q := range doctest.GuideBlocks(browser.Guide) {
		where := fmt.Sprintf("guide.html block %d", i+1)
		if p, ok := doctest.ParseParam(q); ok {
			s.param(t, where, p)
			continue
		}
		if strings.HasPrefix(q, ":") {
			continue // :style and other Browser commands
		}
		ran++
		s.run(t, where, q)
	}
	if ran < 30 {
		t.Errorf("ran %d Cypher statements, want docs/graph-model.md's, the saved queries and the guide's (>= 30)", ran)
	}
}

// paramLines reports whether a block holds only :param commands, and returns them.
func paramLines(text string) ([]doctest.Param, bool) {
	var out []doctest.Param
	for _, line := range strings.Split(text, "\n") {
		p, ok := doctest.ParseParam(line)
		if !ok {
			return nil, false
		}
		out = append(out, p)
	}
	return out, len(out) > 0
}
