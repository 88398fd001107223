package browser

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/cypher/browser"
	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/internal/doctest"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// savedQueries returns queries.cypher's statements by their "// Tributary: name" line.
func savedQueries(t *testing.T) map[string]string {
	t.Helper()
	stmts, _, err := doctest.SavedQueries(browser.Queries)
	if err != nil {
		t.Fatalf("queries.cypher: %v", err)
	}
	out := map[string]string{}
	for _, s := range stmts {
		out[s.Name] = s.Text
	}
	return out
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// guideQueries returns the Cypher (not the :commands) of the guide's runnable blocks.
func guideQueries() []string {
	var out []string
	for _, q := range doctest.GuideBlocks(browser.Guide) {
		if !strings.HasPrefix(q, ":") {
			out = append(out, q)
		}
	}
	return out
}

// TestSavedQueriesCompile asks Neo4j to plan (EXPLAIN) every saved query, with the parameters
// the guide sets, so a typo or a removed label fails here rather than in an analyst's Browser.
func TestSavedQueriesCompile(t *testing.T) {
	queries := savedQueries(t)
	if len(queries) < 10 {
		t.Fatalf("queries.cypher has %d statements, want the guide's set (>= 10)", len(queries))
	}
	driver := graphtest.Driver(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	params := map[string]any{"id": "A.B.C.D", "view": "A.B.C", "table": "A.B.C"}
	for name, q := range queries {
		_, err := neo4j.ExecuteQuery(ctx, driver, "EXPLAIN "+q, params, neo4j.EagerResultTransformer,
			neo4j.ExecuteQueryWithDatabase(graphtest.Neo4jDatabase()), neo4j.ExecuteQueryWithReadersRouting())
		if err != nil {
			t.Errorf("%s: %v\n%s", name, err, q)
		}
	}
}

// TestGuideMatchesSavedQueries keeps the guide, the saved queries and the query the browser
// test draws in step: each Cypher block of the guide is a saved query.
func TestGuideMatchesSavedQueries(t *testing.T) {
	saved := map[string]bool{}
	for _, q := range savedQueries(t) {
		saved[oneLine(q)] = true
	}
	guide := guideQueries()
	if len(guide) < 10 {
		t.Fatalf("guide has %d runnable queries, want >= 10", len(guide))
	}
	for _, q := range guide {
		if !saved[oneLine(q)] {
			t.Errorf("guide query not in queries.cypher:\n%s", q)
		}
	}
	var upstream []string
	for _, line := range strings.Split(browser.UpstreamWithOwners, "\n") {
		if !strings.HasPrefix(line, "//") {
			upstream = append(upstream, line)
		}
	}
	if !saved[oneLine(strings.Join(upstream, "\n"))] {
		t.Errorf("upstream_with_owners.cypher is not a saved query")
	}
}

func TestHandlerServesStyleAndGuide(t *testing.T) {
	srv := httptest.NewServer(Handler("http://localhost:9999/"))
	defer srv.Close()
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(b)
	}
	resp, body := get("/tributary.grass")
	if resp.StatusCode != http.StatusOK || body != browser.Style {
		t.Errorf("GET /tributary.grass: %d, style served = %v", resp.StatusCode, body == browser.Style)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Access-Control-Allow-Origin = %q, want *", got)
	}
	resp, body = get("/guide.html")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, ":style http://localhost:9999/tributary.grass") ||
		strings.Contains(body, GuideBase) {
		t.Errorf("GET /guide.html: %d; the :style command should name the serving address:\n%.400s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("guide Content-Type = %q", ct)
	}
	if resp, _ = get("/nope"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nope: %d, want 404", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/guide.html", nil)
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", r2.StatusCode)
	}
}

func TestDemoUpstreamCounts(t *testing.T) {
	d := NewDemo("DB")
	u := d.Upstream(d.Target, 5)
	if len(u.Columns) != 8 || len(u.Tables) != 2 || len(u.Views) != 2 || len(u.Edges) != 7 {
		t.Errorf("upstream of %s: %d columns, %d tables, %d views, %d edges; want 8, 2, 2, 7",
			d.Target, len(u.Columns), len(u.Tables), len(u.Views), len(u.Edges))
	}
	// One hop reaches only the mart view's direct sources.
	if u1 := d.Upstream(d.Target, 1); len(u1.Columns) != 5 || len(u1.Edges) != 4 {
		t.Errorf("depth 1: %d columns, %d edges; want 5, 4", len(u1.Columns), len(u1.Edges))
	}
}

func TestMatchCaptions(t *testing.T) {
	for _, c := range []struct {
		want, got      []string
		missing, extra int
	}{
		{[]string{"JOIN", "TRANSFORMATION"}, []string{"TRAN…", "JOIN"}, 0, 0},
		{[]string{"JOIN", "JOIN"}, []string{"JOIN"}, 1, 0},
		{[]string{"FILTER"}, []string{"JOIN"}, 1, 1},
		{[]string{"FILTER"}, []string{"TRAN…"}, 1, 1},
		{[]string{"FILTER"}, []string{"FILTER", "FILTER"}, 0, 1},
	} {
		missing, extra := matchCaptions(c.want, c.got)
		if len(missing) != c.missing || len(extra) != c.extra {
			t.Errorf("matchCaptions(%v, %v) = %v, %v", c.want, c.got, missing, extra)
		}
	}
}

// TestLineageAcrossTablesQueries runs the guide's two "lineage across tables" queries on a
// chain written through graph.Store: a report view reads a dbt model (a table), which reads a
// table an INSERT from query history writes, which reads a raw table. The drawing query
// returns every dataset on the way and the statement that writes the query-built table; the
// hop-by-hop query names each dataset's kind and each edge's origin and statement.
func TestLineageAcrossTablesQueries(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	store := newStore(t)
	chain := writeTableChain(ctx, t, store, graphtest.Database(t, store, "BQ_"))
	report, model, clean, raw := chain.report, chain.model, chain.clean, chain.raw
	queries := savedQueries(t)
	run := func(name string) []*neo4j.Record {
		t.Helper()
		q, ok := queries[name]
		if !ok {
			t.Fatalf("no saved query %q", name)
		}
		res, err := neo4j.ExecuteQuery(ctx, graphtest.Driver(t), q, map[string]any{"id": report.Column("TOTAL").String()},
			neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(graphtest.Neo4jDatabase()), neo4j.ExecuteQueryWithReadersRouting())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return res.Records
	}

	datasets, statements := map[string]bool{}, map[string]bool{}
	for _, rec := range run("upstream of column $id across tables built by dbt models and query-history statements (depth 10), with the datasets and the statements that write them") {
		o, _ := rec.Get("o")
		datasets[o.(neo4j.Node).Props["id"].(string)] = true
		if st, _ := rec.Get("st"); st != nil {
			statements[st.(neo4j.Node).Props["key"].(string)] = true
		}
	}
	wantDatasets := map[string]bool{report.String(): true, model.String(): true, clean.String(): true, raw.String(): true}
	if d := cmp.Diff(wantDatasets, datasets); d != "" {
		t.Errorf("datasets drawn (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]bool{graph.StatementKey(graph.OriginQueryHistory, chain.statement): true}, statements); d != "" {
		t.Errorf("statements drawn (-want +got):\n%s", d)
	}

	var hops []string
	for _, rec := range run("upstream of column $id hop by hop: each dataset's kind, each edge's origin (view, dbt, dynamic_table, query_history, openlineage) and statement") {
		v := rec.Values
		hops = append(hops, fmt.Sprintf("%v %v (%v) <-%v %v %v- %v (%v)", v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]))
	}
	want := []string{
		fmt.Sprintf("1 %s (view) <-IDENTITY view %s- %s (table)", report.Column("TOTAL"), report, model.Column("TOTAL")),
		fmt.Sprintf("2 %s (table) <-AGGREGATION dbt model.shop.fct_revenue- %s (table)", model.Column("TOTAL"), clean.Column("AMOUNT")),
		fmt.Sprintf("3 %s (table) <-IDENTITY query_history %s- %s (table)", clean.Column("AMOUNT"), chain.statement, raw.Column("AMOUNT")),
	}
	if d := cmp.Diff(want, hops); d != "" {
		t.Errorf("hops (-want +got):\n%s", d)
	}
}

// tableChain is a lineage chain across tables: a report view reads a dbt model (a table),
// which reads a table an INSERT from query history writes (statement h1), which reads a raw
// table.
type tableChain struct {
	report, model, clean, raw graph.ObjectID
	statement                 string // the INSERT's id (the hash, for query history), one per chain
}

// root is the column whose upstream crosses the chain.
func (c tableChain) root() graph.ColumnID { return c.report.Column("TOTAL") }

// writeTableChain writes the chain under database db through graph.Store; its statement is
// removed when t ends (statements live outside any database).
func writeTableChain(ctx context.Context, t *testing.T, store *graph.Store, db string) tableChain {
	t.Helper()
	statement, source := "h1_"+db, "querylog:"+db
	t.Cleanup(func() {
		if _, err := store.ExpireStatements(context.Background(), graph.OriginQueryHistory, source, time.Now().Add(24*time.Hour)); err != nil {
			t.Errorf("remove the chain's statement: %v", err)
		}
	})
	raw := graph.ObjectID{Database: db, Schema: "RAW", Name: "ORDERS"}
	clean := graph.ObjectID{Database: db, Schema: "STAGE", Name: "ORDERS_CLEAN"}
	model := graph.ObjectID{Database: db, Schema: "MARTS", Name: "FCT_REVENUE"}
	report := graph.ObjectID{Database: db, Schema: "REPORT", Name: "REVENUE"}
	if err := store.UpsertTables(ctx, []graph.Table{{ID: raw, Columns: []graph.Column{{Name: "ID", Ordinal: 1}, {Name: "AMOUNT", Ordinal: 2}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.WriteStatements(ctx, []graph.StatementLineage{{
		Origin: graph.OriginQueryHistory, Source: source, Statement: statement, Target: clean,
		Columns: []graph.Column{{Name: "AMOUNT", Ordinal: 1}},
		Edges:   []graph.Edge{{From: clean.Column("AMOUNT"), To: raw.Column("AMOUNT"), Type: graph.EdgeDirect, Subtype: graph.SubtypeIdentity}},
		Text:    "insert into stage.orders_clean select amount from raw.orders", Seen: time.Now().UTC(),
	}}, nil); err != nil {
		t.Fatal(err)
	}
	views := []graph.View{
		{ID: model, Kind: graph.KindTable, Origin: graph.OriginDBT, Meta: graph.Meta{UniqueID: "model.shop.fct_revenue"},
			Status: graph.StatusOK, Definition: "create table fct_revenue as select sum(amount) as total from stage.orders_clean",
			Columns: []graph.Column{{Name: "TOTAL", Ordinal: 1}},
			Edges:   []graph.Edge{{From: model.Column("TOTAL"), To: clean.Column("AMOUNT"), Type: graph.EdgeDirect, Subtype: graph.SubtypeAggregation, View: model}}},
		{ID: report, Status: graph.StatusOK, Definition: "create view revenue as select total from marts.fct_revenue",
			Columns: []graph.Column{{Name: "TOTAL", Ordinal: 1}},
			Edges:   []graph.Edge{{From: report.Column("TOTAL"), To: model.Column("TOTAL"), Type: graph.EdgeDirect, Subtype: graph.SubtypeIdentity, View: report}}},
	}
	for _, v := range views {
		if err := store.ReplaceViewLineage(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	return tableChain{report: report, model: model, clean: clean, raw: raw, statement: statement}
}
