package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// fixture is a small warehouse written through graph.Store under a database name no other
// test uses; every assertion is scoped to it.
//
//	RAW.ORDERS(ID, AMOUNT, CUSTOMER_ID)   RAW.CUSTOMERS(ID, NAME)
//	STG.ORDERS_x: ID, AMOUNT (transformed), CUSTOMER_ID          STG.CUSTOMERS_x: ID, NAME
//	MART.FACTS_x: ORDER_ID, AMOUNT, CUSTOMER_NAME (+ JOIN on the customer ids)
//	MART.REVENUE_x: CUSTOMER_NAME (+ GROUP_BY), TOTAL (AGGREGATION of FACTS.AMOUNT)
//	STG.DUP_x and MART.DUP_x: two views of one name;  MART.BROKEN_x: failed to parse
type fixture struct {
	db, sfx string
	token   string // a word only this fixture's names contain (search)
	store   *graph.Store
	backend graph.Backend // the store's reads, timed into metrics (as serve wires them)
	cache   *graph.Cache
	writer  *graph.Writer // invalidates cache
	rdb     *redis.Client
	metrics *Metrics
}

func (f *fixture) obj(schema, name string) graph.ObjectID {
	return graph.ObjectID{Database: f.db, Schema: schema, Name: name}
}

func (f *fixture) col(schema, table, column string) graph.ColumnID {
	return f.obj(schema, table).Column(column)
}

func (f *fixture) name(base string) string { return base + "_" + f.sfx }

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return strings.ToUpper(hex.EncodeToString(b))
}

func edge(from, to graph.ColumnID, typ graph.EdgeType, sub graph.Subtype) graph.Edge {
	return graph.Edge{From: from, To: to, Type: typ, Subtype: sub}
}

// lettersOnly maps the digits of a hex string to letters G..P, so that the search token is one
// word (search splits names at digits).
func lettersOnly(hex string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return 'G' + (r - '0')
		}
		return r
	}, strings.ToUpper(hex))
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	_, store, rdb := realDeps(t)
	sfx := randomHex(t, 4)
	f := &fixture{db: "TA_" + sfx, sfx: sfx, token: "ZQ" + lettersOnly(sfx), store: store, rdb: rdb}
	graphtest.Cleanup(t, store, f.db)
	prefix := "tributary-test:" + sfx + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		if keys, err := rdb.Keys(ctx, prefix+"*").Result(); err == nil && len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
	})
	f.metrics = NewMetrics(prometheus.NewRegistry())
	f.backend = f.metrics.InstrumentGraph(store)
	f.cache = graph.NewCache(rdb, time.Minute, graph.CacheOptions{Prefix: prefix})
	f.writer = graph.NewWriter(store, f.cache)
	f.metrics.RegisterCache(f.cache)

	ctx := context.Background()
	tables := []graph.Table{
		{ID: f.obj("RAW", "ORDERS"), Columns: []graph.Column{{Name: "ID", Ordinal: 1, DataType: "NUMBER"}, {Name: "AMOUNT", Ordinal: 2, DataType: "NUMBER"}, {Name: "CUSTOMER_ID", Ordinal: 3, DataType: "NUMBER"}}},
		{ID: f.obj("RAW", "CUSTOMERS"), Columns: []graph.Column{{Name: "ID", Ordinal: 1}, {Name: "NAME", Ordinal: 2, DataType: "TEXT"}}},
		{ID: f.obj("RAW", f.token), Columns: []graph.Column{{Name: f.token + "_A", Ordinal: 1}, {Name: f.token + "_B", Ordinal: 2},
			{Name: f.token + "_C", Ordinal: 3}, {Name: f.token + "_D", Ordinal: 4}, {Name: f.token + "_E", Ordinal: 5}}},
	}
	if err := f.writer.UpsertTables(ctx, tables); err != nil {
		t.Fatal(err)
	}
	stgO, stgC := f.obj("STG", f.name("ORDERS")), f.obj("STG", f.name("CUSTOMERS"))
	facts, rev := f.obj("MART", f.name("FACTS")), f.obj("MART", f.name("REVENUE"))
	views := []graph.View{
		{ID: stgO, Status: graph.StatusOK, Definition: "create view ...orders",
			Columns: []graph.Column{{Name: "ID", Ordinal: 1}, {Name: "AMOUNT", Ordinal: 2, DataType: "NUMBER"}, {Name: "CUSTOMER_ID", Ordinal: 3}},
			Edges: []graph.Edge{
				edge(stgO.Column("ID"), f.col("RAW", "ORDERS", "ID"), graph.EdgeDirect, graph.SubtypeIdentity),
				edge(stgO.Column("AMOUNT"), f.col("RAW", "ORDERS", "AMOUNT"), graph.EdgeDirect, graph.SubtypeTransformation),
				edge(stgO.Column("CUSTOMER_ID"), f.col("RAW", "ORDERS", "CUSTOMER_ID"), graph.EdgeDirect, graph.SubtypeIdentity),
			}},
		{ID: stgC, Status: graph.StatusOK, Definition: "create view ...customers",
			Columns: []graph.Column{{Name: "ID", Ordinal: 1}, {Name: "NAME", Ordinal: 2}},
			Edges: []graph.Edge{
				edge(stgC.Column("ID"), f.col("RAW", "CUSTOMERS", "ID"), graph.EdgeDirect, graph.SubtypeIdentity),
				edge(stgC.Column("NAME"), f.col("RAW", "CUSTOMERS", "NAME"), graph.EdgeDirect, graph.SubtypeIdentity),
			}},
		{ID: facts, Status: graph.StatusOK, Definition: "create view ...facts",
			Columns: []graph.Column{{Name: "ORDER_ID", Ordinal: 1}, {Name: "AMOUNT", Ordinal: 2}, {Name: "CUSTOMER_NAME", Ordinal: 3}},
			Edges: []graph.Edge{
				edge(facts.Column("ORDER_ID"), stgO.Column("ID"), graph.EdgeDirect, graph.SubtypeIdentity),
				edge(facts.Column("AMOUNT"), stgO.Column("AMOUNT"), graph.EdgeDirect, graph.SubtypeIdentity),
				edge(facts.Column("CUSTOMER_NAME"), stgC.Column("NAME"), graph.EdgeDirect, graph.SubtypeIdentity),
				edge(facts.Column("CUSTOMER_NAME"), stgO.Column("CUSTOMER_ID"), graph.EdgeIndirect, graph.SubtypeJoin),
				edge(facts.Column("CUSTOMER_NAME"), stgC.Column("ID"), graph.EdgeIndirect, graph.SubtypeJoin),
			}},
		{ID: rev, Status: graph.StatusOK, Definition: "create view ...revenue",
			Columns: []graph.Column{{Name: "CUSTOMER_NAME", Ordinal: 1}, {Name: "TOTAL", Ordinal: 2}},
			Edges: []graph.Edge{
				edge(rev.Column("CUSTOMER_NAME"), facts.Column("CUSTOMER_NAME"), graph.EdgeDirect, graph.SubtypeIdentity),
				edge(rev.Column("CUSTOMER_NAME"), facts.Column("CUSTOMER_NAME"), graph.EdgeIndirect, graph.SubtypeGroupBy),
				edge(rev.Column("TOTAL"), facts.Column("AMOUNT"), graph.EdgeDirect, graph.SubtypeAggregation),
			}},
		{ID: f.obj("STG", f.name("DUP")), Status: graph.StatusOK, Definition: "create view dup", Columns: []graph.Column{{Name: "X", Ordinal: 1}}},
		{ID: f.obj("MART", f.name("DUP")), Status: graph.StatusOK, Definition: "create view dup", Columns: []graph.Column{{Name: "X", Ordinal: 1}}},
		{ID: f.obj("MART", f.name("BROKEN")), Status: graph.StatusFailed, Message: "3:7: unexpected FROM", Definition: "create view broken as select from"},
	}
	for _, v := range views {
		if err := f.writer.ReplaceViewLineage(ctx, v); err != nil {
			t.Fatalf("write %s: %v", v.ID, err)
		}
	}
	return f
}

func (f *fixture) serve(t *testing.T, cfg Config, deps Deps) *testServer {
	t.Helper()
	deps.Lineage = f.backend
	deps.Responses = f.cache
	deps.Metrics = f.metrics
	if deps.Differ == nil {
		deps.Differ = f.backend
	}
	if deps.Writer == nil {
		deps.Writer = f.writer
	}
	return startServer(t, cfg, deps, nil)
}

func getJSON(t *testing.T, rawURL string, want int, v any) response {
	t.Helper()
	r := get(t, rawURL)
	if r.status != want {
		t.Fatalf("GET %s: status %d, want %d; body %s", rawURL, r.status, want, r.body)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatalf("GET %s: %v; body %s", rawURL, err, r.body)
		}
	}
	return r
}

func q(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

func TestColumnLineageEndpoint(t *testing.T) {
	f := newFixture(t)
	ts := f.serve(t, Config{}, Deps{})
	total := f.obj("MART", f.name("REVENUE")).Column("TOTAL").String()

	var up ColumnLineage
	getJSON(t, ts.url+"/api/v1/lineage/columns?"+q("column", total, "direction", "upstream", "depth", "10"), 200, &up)
	wantPath := []string{total, f.obj("MART", f.name("FACTS")).Column("AMOUNT").String(),
		f.obj("STG", f.name("ORDERS")).Column("AMOUNT").String(), f.col("RAW", "ORDERS", "AMOUNT").String()}
	if len(up.Paths) != 1 || !slices.Equal(up.Paths[0].Columns, wantPath) || up.Paths[0].Direction != "upstream" {
		t.Errorf("paths = %+v, want one upstream path %v", up.Paths, wantPath)
	}
	if len(up.Nodes) != 4 || len(up.Edges) != 3 || up.Truncated || up.Root != total || up.Depth != 10 {
		t.Errorf("upstream = %+v", up)
	}
	subtypes := map[string]string{}
	for _, e := range up.Edges {
		subtypes[e.From] = e.Type + "/" + e.Subtype
	}
	if subtypes[total] != "DIRECT/AGGREGATION" || subtypes[wantPath[2]] != "DIRECT/TRANSFORMATION" {
		t.Errorf("edge kinds = %v", subtypes)
	}
	for _, n := range up.Nodes {
		if n.ID == wantPath[3] && (n.ParentKind != "table" || n.Parent != f.obj("RAW", "ORDERS").String() || n.DataType != "NUMBER" || n.Distance != 3) {
			t.Errorf("raw node = %+v", n)
		}
	}

	// Depth bounds the walk; limit cuts nodes (closest kept) and says so.
	var short ColumnLineage
	getJSON(t, ts.url+"/api/v1/lineage/columns?"+q("column", total, "direction", "upstream", "depth", "1"), 200, &short)
	if len(short.Nodes) != 2 || len(short.Paths) != 1 || len(short.Paths[0].Columns) != 2 {
		t.Errorf("depth 1 = %+v", short)
	}
	var lim ColumnLineage
	getJSON(t, ts.url+"/api/v1/lineage/columns?"+q("column", total, "direction", "upstream", "depth", "10", "limit", "2"), 200, &lim)
	if !lim.Truncated || len(lim.Nodes) != 2 || len(lim.Edges) != 1 || len(lim.Paths) != 1 || len(lim.Paths[0].Columns) != 2 {
		t.Errorf("limit 2 = %+v", lim)
	}

	// Downstream of a raw column reaches every derived column; both merges the two sides.
	var down ColumnLineage
	getJSON(t, ts.url+"/api/v1/lineage/columns?"+q("column", f.col("RAW", "ORDERS", "CUSTOMER_ID").String(), "direction", "downstream"), 200, &down)
	var downIDs []string
	for _, n := range down.Nodes {
		downIDs = append(downIDs, n.ID)
	}
	wantDown := []string{f.col("RAW", "ORDERS", "CUSTOMER_ID").String(), f.obj("STG", f.name("ORDERS")).Column("CUSTOMER_ID").String(),
		f.obj("MART", f.name("FACTS")).Column("CUSTOMER_NAME").String(), f.obj("MART", f.name("REVENUE")).Column("CUSTOMER_NAME").String()}
	slices.Sort(wantDown)
	slices.Sort(downIDs)
	if !slices.Equal(downIDs, wantDown) {
		t.Errorf("downstream nodes = %v, want %v", downIDs, wantDown)
	}
	var both ColumnLineage
	mid := f.obj("MART", f.name("FACTS")).Column("AMOUNT").String()
	getJSON(t, ts.url+"/api/v1/lineage/columns?"+q("column", mid), 200, &both)
	dirs := map[string]int{}
	for _, p := range both.Paths {
		dirs[p.Direction]++
	}
	if both.Direction != "both" || len(both.Nodes) != 4 || dirs["upstream"] != 1 || dirs["downstream"] != 1 {
		t.Errorf("both = %+v", both)
	}

	// Errors.
	for _, tc := range []struct {
		query  string
		status int
		param  string
	}{
		{q("column", f.col("RAW", "ORDERS", "NOPE").String()), 404, ""},
		{q("column", total, "depth", "0"), 400, "depth"},
		{q("column", total, "depth", "21"), 400, "depth"},
		{q("column", total, "depth", "ten"), 400, "depth"},
		{q("column", total, "direction", "sideways"), 400, "direction"},
		{q("column", total, "limit", "0"), 400, "limit"},
		{q("column", "A.B.C"), 400, "column"},
		{q("column", `A.B."C.D`), 400, "column"},
		{"", 400, "column"},
	} {
		r := get(t, ts.url+"/api/v1/lineage/columns?"+tc.query)
		if r.status != tc.status {
			t.Errorf("?%s: status %d, want %d; body %s", tc.query, r.status, tc.status, r.body)
			continue
		}
		p := problemBody(t, r)
		if tc.param != "" && p["parameter"] != tc.param {
			t.Errorf("?%s: problem %v, want parameter %s", tc.query, p, tc.param)
		}
		if tc.status == 404 && !strings.Contains(p["detail"].(string), "NOPE") {
			t.Errorf("404 detail %v does not name the column", p["detail"])
		}
	}
	// The server's MaxDepth bounds depth too.
	ts3 := f.serve(t, Config{MaxDepth: 3}, Deps{})
	if r := get(t, ts3.url+"/api/v1/lineage/columns?"+q("column", total, "depth", "4")); r.status != 400 {
		t.Errorf("depth 4 with MaxDepth 3: status %d", r.status)
	}
}

func TestViewEndpoint(t *testing.T) {
	f := newFixture(t)
	ts := f.serve(t, Config{}, Deps{})
	facts := f.obj("MART", f.name("FACTS"))

	for _, name := range []string{facts.String(), "mart." + strings.ToLower(f.name("FACTS")), f.name("FACTS")} {
		var v ViewJSON
		getJSON(t, ts.url+"/api/v1/lineage/views/"+url.PathEscape(name), 200, &v)
		if v.ID != facts.String() || v.Status != "ok" || len(v.Columns) != 3 || v.Definition != "create view ...facts" {
			t.Fatalf("%s: view = %+v", name, v)
		}
		cn := v.Columns[2]
		if cn.Name != "CUSTOMER_NAME" || len(cn.Sources) != 3 {
			t.Errorf("%s: CUSTOMER_NAME = %+v", name, cn)
		}
		kinds := map[string]bool{}
		for _, s := range cn.Sources {
			kinds[s.Type+"/"+s.Subtype] = true
		}
		if !kinds["DIRECT/IDENTITY"] || !kinds["INDIRECT/JOIN"] {
			t.Errorf("sources kinds = %v", kinds)
		}
		if len(v.Upstream) != 2 || len(v.Downstream) != 1 || v.Downstream[0].ID != f.obj("MART", f.name("REVENUE")).String() {
			t.Errorf("up %v down %v", v.Upstream, v.Downstream)
		}
	}

	var broken ViewJSON
	getJSON(t, ts.url+"/api/v1/lineage/views/"+url.PathEscape(f.obj("MART", f.name("BROKEN")).String()), 200, &broken)
	if broken.Status != "failed" || broken.Message != "3:7: unexpected FROM" {
		t.Errorf("failed view = %+v", broken)
	}

	r := get(t, ts.url+"/api/v1/lineage/views/"+f.name("DUP"))
	if r.status != http.StatusConflict {
		t.Fatalf("ambiguous: status %d body %s", r.status, r.body)
	}
	p := problemBody(t, r)
	cands, _ := p["candidates"].([]any)
	want := []any{f.obj("MART", f.name("DUP")).String(), f.obj("STG", f.name("DUP")).String()}
	if !slices.Equal(cands, want) || p["type"] != ProblemTypeAmbiguous {
		t.Errorf("409 problem = %v, want candidates %v", p, want)
	}
	for _, name := range []string{f.name("NOPE"), f.obj("MART", f.name("NOPE")).String()} {
		if r := get(t, ts.url+"/api/v1/lineage/views/"+name); r.status != 404 {
			t.Errorf("%s: status %d body %s", name, r.status, r.body)
		}
	}
	for _, name := range []string{"a.b.c.d", url.PathEscape(`"unterminated`)} {
		if r := get(t, ts.url+"/api/v1/lineage/views/"+name); r.status != 400 {
			t.Errorf("%s: status %d body %s", name, r.status, r.body)
		}
	}
}

func TestSearchEndpoint(t *testing.T) {
	f := newFixture(t)
	ts := f.serve(t, Config{}, Deps{})
	base := ts.url + "/api/v1/lineage/search?"

	// Five columns and one table carry the token; columns only, two per page.
	var seen []string
	cursor := ""
	for page := 0; page < 5; page++ {
		args := []string{"q", strings.ToLower(f.token), "type", "column", "limit", "2"}
		if cursor != "" {
			args = append(args, "cursor", cursor)
		}
		var s SearchJSON
		getJSON(t, base+q(args...), 200, &s)
		for _, it := range s.Items {
			if it.Kind != "column" || it.Parent != f.obj("RAW", f.token).String() {
				t.Errorf("hit %+v", it)
			}
			seen = append(seen, it.Name)
		}
		cursor = s.NextCursor
		if cursor == "" {
			break
		}
	}
	want := []string{f.token + "_A", f.token + "_B", f.token + "_C", f.token + "_D", f.token + "_E"}
	got := slices.Clone(seen)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("paged names = %v, want %v once each", seen, want)
	}

	// Prefix: the table by the start of its name; fuzzy: one typo.
	var tbl SearchJSON
	getJSON(t, base+q("q", f.token[:len(f.token)-1], "type", "table"), 200, &tbl)
	if len(tbl.Items) != 1 || tbl.Items[0].ID != f.obj("RAW", f.token).String() {
		t.Errorf("prefix search = %+v", tbl.Items)
	}
	typo := f.token[:len(f.token)-1] + "X"
	if typo == f.token {
		typo = f.token[:len(f.token)-1] + "Y"
	}
	var fz SearchJSON
	getJSON(t, base+q("q", typo, "type", "table"), 200, &fz)
	if len(fz.Items) == 0 || fz.Items[0].ID != f.obj("RAW", f.token).String() {
		t.Errorf("fuzzy search for %s = %+v", typo, fz.Items)
	}

	// Errors: a cursor of another query, garbage, bad limits and types, no query.
	var first SearchJSON
	getJSON(t, base+q("q", f.token, "type", "column", "limit", "2"), 200, &first)
	for _, tc := range []struct{ query, param string }{
		{q("q", f.token, "type", "column", "limit", "3", "cursor", first.NextCursor), "cursor"},
		{q("q", f.token, "cursor", "!!"), "cursor"},
		{q("q", f.token, "limit", "0"), "limit"},
		{q("q", f.token, "limit", "101"), "limit"},
		{q("q", f.token, "type", "schema"), "type"},
		{q("q", "  "), "q"},
	} {
		r := get(t, base+tc.query)
		if r.status != 400 || problemBody(t, r)["parameter"] != tc.param {
			t.Errorf("?%s: status %d body %s, want 400 naming %s", tc.query, r.status, r.body, tc.param)
		}
	}
}

func TestImpactEndpoint(t *testing.T) {
	f := newFixture(t)
	ts := f.serve(t, Config{}, Deps{})
	base := ts.url + "/api/v1/lineage/impact?"
	rawAmount := f.col("RAW", "ORDERS", "AMOUNT")

	var imp ImpactJSON
	getJSON(t, base+q("column", rawAmount.String()), 200, &imp)
	if imp.ColumnCount != 3 || imp.ViewCount != 3 {
		t.Fatalf("impact = %+v", imp)
	}
	last := imp.Views[len(imp.Views)-1]
	if last.ID != f.obj("STG", f.name("ORDERS")).String() {
		// views sort by id: MART.FACTS, MART.REVENUE, STG.ORDERS
		t.Errorf("view order: %+v", imp.Views)
	}
	var total ImpactColumnJSON
	for _, v := range imp.Views {
		for _, c := range v.Columns {
			if c.Name == "TOTAL" {
				total = c
			}
		}
	}
	if total.Distance != 3 || len(total.Path) != 3 || total.Path[0].From != rawAmount.String() ||
		total.Path[0].Kinds[0].Subtype != "TRANSFORMATION" || total.Path[2].Kinds[0].Subtype != "AGGREGATION" {
		t.Errorf("TOTAL = %+v", total)
	}

	// A view: all its columns are roots, partial names resolve, depth bounds.
	var vimp ImpactJSON
	getJSON(t, base+q("view", "stg."+f.name("CUSTOMERS")), 200, &vimp)
	if len(vimp.Roots) != 2 || vimp.ColumnCount != 2 {
		t.Errorf("view impact = %+v", vimp)
	}
	var d1 ImpactJSON
	getJSON(t, base+q("column", rawAmount.String(), "depth", "1"), 200, &d1)
	if d1.ColumnCount != 1 {
		t.Errorf("depth 1 impact = %+v", d1)
	}

	for _, tc := range []struct {
		query  string
		status int
	}{
		{"", 400},
		{q("column", rawAmount.String(), "view", "X"), 400},
		{q("column", f.col("RAW", "ORDERS", "NOPE").String()), 404},
		{q("view", f.name("NOPE")), 404},
		{q("view", f.name("DUP")), 409},
		{q("column", rawAmount.String(), "depth", "99"), 400},
	} {
		if r := get(t, base+tc.query); r.status != tc.status {
			t.Errorf("?%s: status %d body %s, want %d", tc.query, r.status, r.body, tc.status)
		}
	}
}

// fakeAnalyzer stands in for the lineage engine (wired in cmd; tested end to end there): it
// returns what it is given, so the handler's mapping and the diff over the real graph are
// what this package tests.
type fakeAnalyzer struct{ res AnalyzeResult }

func (a fakeAnalyzer) Analyze(ctx context.Context, req AnalyzeRequest) (AnalyzeResult, error) {
	return a.res, nil
}

func TestAnalyzeDiffListsBrokenDownstreamColumns(t *testing.T) {
	f := newFixture(t)
	facts, rev := f.obj("MART", f.name("FACTS")), f.obj("MART", f.name("REVENUE"))
	stgO := f.obj("STG", f.name("ORDERS"))
	// The proposal drops AMOUNT from the mid-layer view FACTS and adds DISCOUNT.
	proposed := graph.View{ID: facts, Status: graph.StatusOK, Definition: "create view facts2",
		Columns: []graph.Column{{Name: "ORDER_ID", Ordinal: 1}, {Name: "CUSTOMER_NAME", Ordinal: 2}, {Name: "DISCOUNT", Ordinal: 3}},
		Edges: []graph.Edge{
			edge(facts.Column("ORDER_ID"), stgO.Column("ID"), graph.EdgeDirect, graph.SubtypeIdentity),
			edge(facts.Column("CUSTOMER_NAME"), f.obj("STG", f.name("CUSTOMERS")).Column("NAME"), graph.EdgeDirect, graph.SubtypeIdentity),
			edge(facts.Column("CUSTOMER_NAME"), stgO.Column("CUSTOMER_ID"), graph.EdgeIndirect, graph.SubtypeJoin),
			edge(facts.Column("CUSTOMER_NAME"), f.obj("STG", f.name("CUSTOMERS")).Column("ID"), graph.EdgeIndirect, graph.SubtypeJoin),
			edge(facts.Column("DISCOUNT"), stgO.Column("AMOUNT"), graph.EdgeDirect, graph.SubtypeTransformation),
		}}
	an := fakeAnalyzer{res: AnalyzeResult{Statements: []AnalyzedStatement{{Index: 0, Kind: "CREATE_VIEW", Target: facts.String(), View: &proposed}}}}
	ts := f.serve(t, Config{}, Deps{Analyzer: an})

	r := do(t, http.MethodPost, ts.url+"/api/v1/lineage/analyze", strings.NewReader(`{"sql":"create view ..."}`), map[string]string{"Content-Type": "application/json"})
	if r.status != 200 {
		t.Fatalf("status %d body %s", r.status, r.body)
	}
	var out AnalyzeJSON
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatal(err)
	}
	if out.Persisted || len(out.Statements) != 1 || out.Statements[0].Diff == nil {
		t.Fatalf("analyze = %s", r.body)
	}
	d := out.Statements[0].Diff
	if !slices.Equal(d.ColumnsRemoved, []string{"AMOUNT"}) || !slices.Equal(d.ColumnsAdded, []string{"DISCOUNT"}) {
		t.Errorf("columns removed %v added %v", d.ColumnsRemoved, d.ColumnsAdded)
	}
	if len(d.EdgesRemoved) != 1 || d.EdgesRemoved[0].From != facts.Column("AMOUNT").String() ||
		len(d.EdgesAdded) != 1 || d.EdgesAdded[0].From != facts.Column("DISCOUNT").String() {
		t.Errorf("edges removed %+v added %+v", d.EdgesRemoved, d.EdgesAdded)
	}
	// Both sides name the view's definition as their origin (the schema's Origin enum has no "").
	for _, e := range append(d.EdgesRemoved, d.EdgesAdded...) {
		if e.Origin != "view" || e.Statement != facts.String() {
			t.Errorf("edge %s -> %s: origin %q statement %q, want view %s", e.From, e.To, e.Origin, e.Statement, facts)
		}
	}
	wantBroken := []BrokenColumnJSON{{Column: rev.Column("TOTAL").String(), View: rev.String(),
		LostSources: []string{facts.Column("AMOUNT").String()}, Kinds: []KindJSON{{"DIRECT", "AGGREGATION"}}}}
	if fmt.Sprint(d.Broken) != fmt.Sprint(wantBroken) {
		t.Errorf("broken = %+v, want %+v", d.Broken, wantBroken)
	}
	if d.Affected.ColumnCount != 1 {
		t.Errorf("affected = %+v", d.Affected)
	}
	// Nothing was written: the stored view still has AMOUNT.
	var v ViewJSON
	getJSON(t, ts.url+"/api/v1/lineage/views/"+url.PathEscape(facts.String()), 200, &v)
	if len(v.Columns) != 3 || v.Columns[1].Name != "AMOUNT" {
		t.Errorf("view after persist=false: %+v", v.Columns)
	}

	// persist=true writes through the writer: the next read (cached before) sees the change.
	r = do(t, http.MethodPost, ts.url+"/api/v1/lineage/analyze?persist=true", strings.NewReader(`{"sql":"create view ..."}`), jsonHeader)
	if r.status != 200 || !strings.Contains(string(r.body), `"persisted":true`) {
		t.Fatalf("persist: status %d body %s", r.status, r.body)
	}
	getJSON(t, ts.url+"/api/v1/lineage/views/"+url.PathEscape(facts.String()), 200, &v)
	if len(v.Columns) != 3 || v.Columns[2].Name != "DISCOUNT" {
		t.Errorf("view after persist=true: %+v", v.Columns)
	}
}

// TestDiffViewsKeepsEachViewApart: several proposals diffed in one read each get their own
// removed columns, broken columns and affected downstream, and a new view is not "existing".
func TestDiffViewsKeepsEachViewApart(t *testing.T) {
	f := newFixture(t)
	facts, rev := f.obj("MART", f.name("FACTS")), f.obj("MART", f.name("REVENUE"))
	stgO, stgC := f.obj("STG", f.name("ORDERS")), f.obj("STG", f.name("CUSTOMERS"))
	// FACTS drops AMOUNT (REVENUE.TOTAL loses its source); STG CUSTOMERS drops NAME (FACTS
	// CUSTOMER_NAME loses one, REVENUE.CUSTOMER_NAME is affected two hops down).
	noAmount := graph.View{ID: facts, Status: graph.StatusOK, Columns: []graph.Column{{Name: "ORDER_ID", Ordinal: 1}, {Name: "CUSTOMER_NAME", Ordinal: 2}},
		Edges: []graph.Edge{edge(facts.Column("ORDER_ID"), stgO.Column("ID"), graph.EdgeDirect, graph.SubtypeIdentity)}}
	noName := graph.View{ID: stgC, Status: graph.StatusOK, Columns: []graph.Column{{Name: "ID", Ordinal: 1}},
		Edges: []graph.Edge{edge(stgC.Column("ID"), f.col("RAW", "CUSTOMERS", "ID"), graph.EdgeDirect, graph.SubtypeIdentity)}}
	fresh := graph.View{ID: f.obj("MART", f.name("NEW")), Status: graph.StatusOK, Columns: []graph.Column{{Name: "X", Ordinal: 1}}}
	diffs, err := f.store.DiffViews(context.Background(), []graph.View{noAmount, fresh, noName})
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != 3 || diffs[0].ID != facts || diffs[1].ID != fresh.ID || diffs[2].ID != stgC {
		t.Fatalf("diffs %+v", diffs)
	}
	broken := func(d graph.ViewDiff) []string {
		var out []string
		for _, b := range d.Broken {
			out = append(out, b.ID.String()+"<-"+fmt.Sprint(b.LostSources))
		}
		return out
	}
	if !diffs[0].Exists || !slices.Equal(diffs[0].ColumnsRemoved, []string{"AMOUNT"}) ||
		!slices.Equal(broken(diffs[0]), []string{rev.Column("TOTAL").String() + "<-[" + facts.Column("AMOUNT").String() + "]"}) ||
		diffs[0].Affected.Columns != 1 {
		t.Errorf("FACTS diff: removed %v broken %v affected %d", diffs[0].ColumnsRemoved, broken(diffs[0]), diffs[0].Affected.Columns)
	}
	if diffs[1].Exists || !slices.Equal(diffs[1].ColumnsAdded, []string{"X"}) || len(diffs[1].Broken) != 0 {
		t.Errorf("new view diff %+v", diffs[1])
	}
	if !diffs[2].Exists || !slices.Equal(diffs[2].ColumnsRemoved, []string{"NAME"}) ||
		!slices.Equal(broken(diffs[2]), []string{facts.Column("CUSTOMER_NAME").String() + "<-[" + stgC.Column("NAME").String() + "]"}) ||
		diffs[2].Affected.Columns != 2 {
		t.Errorf("STG CUSTOMERS diff: removed %v broken %v affected %d", diffs[2].ColumnsRemoved, broken(diffs[2]), diffs[2].Affected.Columns)
	}
}

func TestAnalyzeErrors(t *testing.T) {
	f := newFixture(t)
	an := fakeAnalyzer{res: AnalyzeResult{Errors: []StatementError{{Statement: 1, Line: 4, Col: 12, Message: "4:12: expected FROM"}}}}
	ts := f.serve(t, Config{BodyLimit: 1 << 10}, Deps{Analyzer: an})
	endpoint := ts.url + "/api/v1/lineage/analyze"
	r := do(t, http.MethodPost, endpoint, strings.NewReader(`{"sql":"select 1; select a b c"}`), jsonHeader)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d body %s", r.status, r.body)
	}
	p := problemBody(t, r)
	if p["line"] != float64(4) || p["col"] != float64(12) || !strings.Contains(p["detail"].(string), "line 4:12") || p["type"] != ProblemTypeSyntax {
		t.Errorf("422 problem = %v", p)
	}
	for _, tc := range []struct {
		body   string
		query  string
		status int
	}{
		{`{"sql":"select 1"} xyz`, "", 400},
		{`{"sql":"select 1"}{"sql":"select 2"}`, "", 400},
		{`{"sql":"x"}`, "?persist=true&persist=false", 400},
		{``, "", 400},
		{`{"sql":""}`, "", 400},
		{`{"sql":1}`, "", 400},
		{`{"sql":"x","nope":1}`, "", 400},
		{`{"sql":"x"}`, "?persist=maybe", 400},
		{`{"sql":"` + strings.Repeat("x", 2000) + `"}`, "", 413},
	} {
		if r := do(t, http.MethodPost, endpoint+tc.query, strings.NewReader(tc.body), jsonHeader); r.status != tc.status {
			t.Errorf("body %.40q: status %d, want %d; %s", tc.body, r.status, tc.status, r.body)
		}
	}
	// A body that is not declared JSON is refused with 415, whatever it holds.
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx"} {
		r := do(t, http.MethodPost, endpoint, strings.NewReader(`{"sql":"select 1"}`), map[string]string{"Content-Type": ct})
		if r.status != http.StatusUnsupportedMediaType || r.header.Get("Content-Type") != ProblemContentType {
			t.Errorf("Content-Type %q: status %d (%s), want 415 problem+json; %s", ct, r.status, r.header.Get("Content-Type"), r.body)
		}
	}
	if r := do(t, http.MethodPost, endpoint, strings.NewReader(`{"sql":"x"}`), map[string]string{"Content-Type": "application/json; charset=utf-8"}); r.status == http.StatusUnsupportedMediaType {
		t.Errorf("application/json with a charset: 415")
	}
	// Without an analyzer the route answers 503, not 404.
	ts2 := f.serve(t, Config{}, Deps{})
	if r := do(t, http.MethodPost, ts2.url+"/api/v1/lineage/analyze", strings.NewReader(`{"sql":"x"}`), jsonHeader); r.status != 503 {
		t.Errorf("no analyzer: status %d", r.status)
	}
}

func TestMetricsEndpoint(t *testing.T) {
	f := newFixture(t)
	ts := f.serve(t, Config{}, Deps{})
	col := f.obj("MART", f.name("REVENUE")).Column("TOTAL").String()
	for range 2 {
		getJSON(t, ts.url+"/api/v1/lineage/columns?"+q("column", col, "direction", "upstream"), 200, nil)
	}
	get(t, ts.url+"/api/v1/lineage/columns?"+q("column", col, "depth", "0"))
	r := get(t, ts.url+"/metrics")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("metrics: %d %s", r.status, r.header.Get("Content-Type"))
	}
	body := string(r.body)
	// With gzip asked for, the body is compressed once (the server's middleware, not promhttp too).
	gz := do(t, http.MethodGet, ts.url+"/metrics", nil, map[string]string{"Accept-Encoding": "gzip"})
	zr, err := gzip.NewReader(bytes.NewReader(gz.body))
	if err != nil {
		t.Fatalf("gzip metrics: %v", err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !strings.HasPrefix(string(plain), "# HELP") {
		t.Errorf("gzip metrics decompress once to %.40q, %v", plain, err)
	}
	for _, want := range []string{
		`tributary_http_request_duration_seconds_count{method="GET",route="/api/v1/lineage/columns",status="200"} 2`,
		`tributary_http_request_duration_seconds_count{method="GET",route="/api/v1/lineage/columns",status="400"} 1`,
		`tributary_cache_hits_total{op="http:columns"} 1`,
		`tributary_cache_misses_total{op="http:columns"} 1`,
		// The miss read Neo4j once (no graph-value cache under the response cache).
		`tributary_neo4j_query_duration_seconds_count{op="upstream",outcome="ok"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	ts := startServer(t, Config{}, Deps{}, nil)
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	getJSON(t, ts.url+"/openapi.json", 200, &doc)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
			if _, ok := op["responses"]; !ok {
				t.Errorf("%s %s has no responses", method, path)
			}
		}
	}
	registered := map[string]bool{}
	for _, r := range ts.echo.Routes() {
		if r.Method == echo404Method {
			continue
		}
		// echo writes path parameters as :name, OpenAPI as {name}.
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") {
				parts[i] = "{" + p[1:] + "}"
			}
		}
		registered[r.Method+" "+strings.Join(parts, "/")] = true
	}
	for k := range registered {
		if !documented[k] {
			t.Errorf("route %s is not in openapi.json", k)
		}
	}
	for k := range documented {
		if !registered[k] {
			t.Errorf("openapi.json documents %s, which the server does not serve", k)
		}
	}
}

// TestDocsServesSwaggerUI checks /docs and its embedded assets; cmd/tributary's
// TestDocsRunOnTheDemo drives the page in Chromium.
func TestDocsServesSwaggerUI(t *testing.T) {
	ts := startServer(t, Config{}, Deps{}, nil)
	r := get(t, ts.url+"/docs")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(r.body), `src="/docs/swagger-ui-bundle.js"`) || strings.Contains(string(r.body), "https://") {
		t.Errorf("docs: %d %s\n%s", r.status, r.header.Get("Content-Type"), r.body)
	}
	csp := r.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("docs Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") {
		t.Errorf("docs Content-Security-Policy allows inline or eval'd scripts: %q", csp)
	}
	for _, c := range []struct{ path, contentType, contains string }{
		{"/docs/swagger-ui-bundle.js", "text/javascript", "SwaggerUIBundle"},
		{"/docs/swagger-ui.css", "text/css", ".swagger-ui"},
		{"/docs/init.js", "text/javascript", `url: "/openapi.json"`},
		{"/docs/favicon-32x32.png", "image/png", "PNG"},
		{"/docs/LICENSE", "text/plain", "Apache License"},
	} {
		r := get(t, ts.url+c.path)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), c.contentType) || !strings.Contains(string(r.body), c.contains) {
			t.Errorf("GET %s: %d %s (%d bytes)", c.path, r.status, r.header.Get("Content-Type"), len(r.body))
		}
	}
	for _, p := range []string{"/docs/VERSION", "/docs/nope.js", "/docs/..%2Fopenapi%2Fopenapi.json", "/docs/index.html"} {
		if r := get(t, ts.url+p); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, r.status)
		}
	}
}

// echo404Method marks echo's internal catch-all entries, if any.
const echo404Method = "echo_route_not_found"

func TestGzipAndRequestID(t *testing.T) {
	f := newFixture(t)
	ts := f.serve(t, Config{}, Deps{})
	r := do(t, http.MethodGet, ts.url+"/openapi.json", nil, map[string]string{"Accept-Encoding": "gzip"})
	if r.header.Get("Content-Encoding") != "gzip" {
		t.Errorf("openapi.json with Accept-Encoding gzip: Content-Encoding %q", r.header.Get("Content-Encoding"))
	}
	r = get(t, ts.url+"/api/v1/lineage/columns?"+q("column", "X.Y.Z.W"))
	if r.status != 404 || r.header.Get(HeaderRequestID) == "" || problemBody(t, r)["request_id"] != r.header.Get(HeaderRequestID) {
		t.Errorf("404: %d %v %s", r.status, r.header, r.body)
	}
}

// With Redis unreachable every read endpoint still answers 200 from Neo4j, and health says
// the cache is degraded, not down.
func TestEndpointsWithoutRedis(t *testing.T) {
	f := newFixture(t)
	dead := redis.NewClient(&redis.Options{Addr: deadAddr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { dead.Close() })
	cache := graph.NewCache(dead, time.Minute, graph.CacheOptions{})
	ts := startServer(t, Config{}, Deps{
		Lineage: f.store, Responses: cache, Differ: f.store, Writer: graph.NewWriter(f.store, cache),
		Checkers: []Checker{Degradable(NewRedisChecker(dead), "cache bypassed"), NewCacheChecker(cache)},
	}, nil)
	total := f.obj("MART", f.name("REVENUE")).Column("TOTAL").String()
	var want, got ColumnLineage
	okTS := f.serve(t, Config{}, Deps{})
	getJSON(t, okTS.url+"/api/v1/lineage/columns?"+q("column", total), 200, &want)
	for range 3 {
		getJSON(t, ts.url+"/api/v1/lineage/columns?"+q("column", total), 200, &got)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("without Redis: %+v\nwith Redis: %+v", got, want)
		}
	}
	getJSON(t, ts.url+"/api/v1/lineage/views/"+f.name("FACTS"), 200, nil)
	getJSON(t, ts.url+"/api/v1/lineage/search?"+q("q", f.token), 200, nil)
	getJSON(t, ts.url+"/api/v1/lineage/impact?"+q("column", f.col("RAW", "ORDERS", "AMOUNT").String()), 200, nil)
	if r := get(t, ts.url+"/api/v1/lineage/columns?"+q("column", f.col("RAW", "ORDERS", "NOPE").String())); r.status != 404 {
		t.Errorf("unknown column without Redis: %d", r.status)
	}
	var dh DetailedHealth
	getJSON(t, ts.url+"/health/detailed", 200, &dh)
	if dh.Status != StatusDegraded || len(dh.Dependencies) != 2 || dh.Dependencies[1].Name != "cache" || dh.Dependencies[1].Status != StatusDegraded {
		t.Errorf("detailed = %+v", dh)
	}
	getJSON(t, ts.url+"/health/ready", 200, nil)
}

type fakeViewJobs struct{ got []graph.View }

func (f *fakeViewJobs) EnqueueViews(ctx context.Context, views []graph.View, states []graph.ViewState) (string, error) {
	f.got = views
	return "job-123", nil
}

// persist=true writes up to MaxSyncPersistViews views in the request; more become a job (202).
func TestAnalyzePersistLargeInputBecomesJob(t *testing.T) {
	f := newFixture(t)
	mk := func(n int) fakeAnalyzer {
		var res AnalyzeResult
		for i := range n {
			id := f.obj("BULK", fmt.Sprintf("V%d", i))
			v := graph.View{ID: id, Status: graph.StatusOK, Definition: "create view", Columns: []graph.Column{{Name: "X", Ordinal: 1}}}
			res.Statements = append(res.Statements, AnalyzedStatement{Index: i, Kind: "CREATE_VIEW", Target: id.String(),
				View: &v, State: &graph.ViewState{ID: id, Source: "api"}})
		}
		return fakeAnalyzer{res: res}
	}
	jobs := &fakeViewJobs{}
	ts := f.serve(t, Config{}, Deps{Analyzer: mk(MaxSyncPersistViews + 1), ViewJobs: jobs})
	r := do(t, http.MethodPost, ts.url+"/api/v1/lineage/analyze?persist=true", strings.NewReader(`{"sql":"..."}`), jsonHeader)
	if r.status != http.StatusAccepted || r.header.Get("Location") != "/api/v1/jobs/job-123" || len(jobs.got) != MaxSyncPersistViews+1 {
		t.Fatalf("large persist: %d %s, %d views enqueued", r.status, r.body, len(jobs.got))
	}
	// Nothing was written in the request.
	if r := get(t, ts.url+"/api/v1/lineage/views/"+url.PathEscape(f.obj("BULK", "V0").String())); r.status != 404 {
		t.Errorf("view written synchronously: %d", r.status)
	}
	// Without persist the same input is answered inline.
	if r := do(t, http.MethodPost, ts.url+"/api/v1/lineage/analyze", strings.NewReader(`{"sql":"..."}`), jsonHeader); r.status != 200 {
		t.Errorf("persist=false: %d", r.status)
	}
	// At the limit the views are written in the request.
	ts2 := f.serve(t, Config{}, Deps{Analyzer: mk(MaxSyncPersistViews), ViewJobs: jobs})
	if r := do(t, http.MethodPost, ts2.url+"/api/v1/lineage/analyze?persist=true", strings.NewReader(`{"sql":"..."}`), jsonHeader); r.status != 200 {
		t.Fatalf("small persist: %d %s", r.status, r.body)
	}
	getJSON(t, ts2.url+"/api/v1/lineage/views/"+url.PathEscape(f.obj("BULK", "V0").String()), 200, nil)
}

// jsonHeader is the Content-Type of JSON request bodies.
var jsonHeader = map[string]string{"Content-Type": "application/json"}
