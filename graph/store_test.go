package graph

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/internal/graphtest"
)

var (
	//go:embed testdata/snapshot.cypher
	snapshotQuery string
	//go:embed testdata/migration_records.cypher
	migrationRecordsQuery string
	//go:embed testdata/labels_of.cypher
	labelsOfQuery string
	//go:embed testdata/test_migrations_cleanup.cypher
	testMigrationsCleanup string
	//go:embed testdata/schema_names.cypher
	schemaNamesQuery string
)

// newTestStore connects to the real Neo4j through graphtest, migrates it, and fails the test
// when the server does not answer.
func newTestStore(tb testing.TB) (*Store, neo4j.DriverWithContext) {
	tb.Helper()
	s := graphtest.Store(tb, NewStore)
	return s, s.driver
}

// testDB returns a database name no other test uses, so assertions can be scoped to it, and
// deletes everything under it when tb ends (through a driver of its own, so callers need not
// pass their store).
func testDB(tb testing.TB) string {
	tb.Helper()
	return graphtest.Database(tb, NewStore(graphtest.Driver(tb), graphtest.Neo4jDatabase()), "TT_")
}

func col(db, schema, table, column string) ColumnID { return ColumnID{db, schema, table, column} }

func obj(db, schema, name string) ObjectID { return ObjectID{db, schema, name} }

type snapshot struct {
	Nodes []string
	Rels  []string
}

// takeSnapshot reads every node under database db and every relationship touching them, as
// sorted JSON strings (labels and all properties included).
func takeSnapshot(t *testing.T, s *Store, db string) snapshot {
	t.Helper()
	res, err := s.read(context.Background(), snapshotQuery, map[string]any{"db": QuoteIdentifier(db)})
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	if len(res.Records) != 1 {
		t.Fatalf("snapshot: %d records", len(res.Records))
	}
	var snap snapshot
	for key, dst := range map[string]*[]string{"nodes": &snap.Nodes, "rels": &snap.Rels} {
		vals, _, err := neo4j.GetRecordValue[[]any](res.Records[0], key)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if m, ok := v.(map[string]any); ok {
				if labels, ok := m["labels"].([]any); ok {
					slices.SortFunc(labels, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
				}
			}
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			*dst = append(*dst, string(b))
		}
		slices.Sort(*dst)
	}
	return snap
}

func mustReplace(t testing.TB, s *Store, v View) {
	t.Helper()
	if err := s.ReplaceViewLineage(context.Background(), v); err != nil {
		t.Fatalf("ReplaceViewLineage(%s): %v", v.ID, err)
	}
}

func edge(from, to ColumnID, typ EdgeType, sub Subtype) Edge {
	return Edge{From: from, To: to, Type: typ, Subtype: sub}
}

// ordersView is a view over one table with direct and indirect edges.
func ordersView(db string) (Table, View) {
	tbl := obj(db, "RAW", "ORDERS")
	v := obj(db, "MART", "ORDER_SUMMARY")
	return Table{ID: tbl, Columns: []Column{{"ID", 1, "NUMBER"}, {"AMOUNT", 2, "NUMBER"}, {"STATUS", 3, "TEXT"}}},
		View{
			ID:          v,
			Definition:  "create view mart.order_summary as select id, amount * 2 as double_amount from raw.orders where status = 'x'",
			Status:      StatusOK,
			Columns:     []Column{{"ID", 1, "NUMBER"}, {"DOUBLE_AMOUNT", 2, "NUMBER"}},
			LastAltered: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC),
			Edges: []Edge{
				edge(v.Column("ID"), tbl.Column("ID"), EdgeDirect, SubtypeIdentity),
				{From: v.Column("DOUBLE_AMOUNT"), To: tbl.Column("AMOUNT"), Type: EdgeDirect, Subtype: SubtypeTransformation, Expression: "amount * 2"},
				edge(v.Column("ID"), tbl.Column("STATUS"), EdgeIndirect, SubtypeFilter),
				edge(v.Column("DOUBLE_AMOUNT"), tbl.Column("STATUS"), EdgeIndirect, SubtypeFilter),
			},
		}
}

func TestReplaceViewLineageTwiceIsIdentical(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	db := testDB(t)
	tbl, v := ordersView(db)
	if err := s.UpsertTables(ctx, []Table{tbl}); err != nil {
		t.Fatal(err)
	}
	mustReplace(t, s, v)
	first := takeSnapshot(t, s, db)
	// 1 database, 2 schemas, 2 datasets, 3 + 2 columns.
	if got := len(first.Nodes); got != 10 {
		t.Errorf("nodes after first write = %d, want 10:\n%s", got, strings.Join(first.Nodes, "\n"))
	}
	// 2 HAS_SCHEMA, 1 HAS_TABLE, 1 HAS_VIEW, 5 HAS_COLUMN, 4 DERIVES_FROM.
	if got := len(first.Rels); got != 13 {
		t.Errorf("relationships after first write = %d, want 13:\n%s", got, strings.Join(first.Rels, "\n"))
	}
	mustReplace(t, s, v)
	// The same view with edges in another order and one duplicated is the same lineage.
	shuffled := v
	shuffled.Edges = append([]Edge{v.Edges[3], v.Edges[0]}, v.Edges...)
	mustReplace(t, s, shuffled)
	second := takeSnapshot(t, s, db)
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("graph changed by rewriting the same view (-first +second):\n%s", diff)
	}
}

func TestRedefinitionDropsStaleEdgesAndColumns(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	db := testDB(t)
	tbl, v1 := ordersView(db)
	if err := s.UpsertTables(ctx, []Table{tbl}); err != nil {
		t.Fatal(err)
	}
	mustReplace(t, s, v1)
	before, err := s.ViewDetail(ctx, v1.ID)
	if err != nil {
		t.Fatal(err)
	}

	// New definition: no filter, DOUBLE_AMOUNT is gone, AMOUNT_ID reads ID and AMOUNT.
	v2 := v1
	v2.Definition = "create view mart.order_summary as select id, amount + id as amount_id from raw.orders"
	v2.Columns = []Column{{"ID", 1, "NUMBER"}, {"AMOUNT_ID", 2, "NUMBER"}}
	v2.Edges = []Edge{
		edge(v1.ID.Column("ID"), tbl.ID.Column("ID"), EdgeDirect, SubtypeIdentity),
		edge(v1.ID.Column("AMOUNT_ID"), tbl.ID.Column("AMOUNT"), EdgeDirect, SubtypeTransformation),
		edge(v1.ID.Column("AMOUNT_ID"), tbl.ID.Column("ID"), EdgeDirect, SubtypeTransformation),
	}
	mustReplace(t, s, v2)
	got, err := s.ViewDetail(ctx, v1.ID)
	if err != nil {
		t.Fatal(err)
	}
	view := v1.ID.String()
	src := func(c ColumnID, typ EdgeType, sub Subtype) Source {
		return Source{Column: c, Type: typ, Subtype: sub, View: v1.ID, Provenance: definedBy(v1.ID)}
	}
	want := []ViewColumn{
		{ID: v1.ID.Column("ID"), Name: "ID", Ordinal: 1, DataType: "NUMBER",
			Sources: []Source{src(tbl.ID.Column("ID"), EdgeDirect, SubtypeIdentity)}},
		{ID: v1.ID.Column("AMOUNT_ID"), Name: "AMOUNT_ID", Ordinal: 2, DataType: "NUMBER",
			Sources: []Source{src(tbl.ID.Column("AMOUNT"), EdgeDirect, SubtypeTransformation),
				src(tbl.ID.Column("ID"), EdgeDirect, SubtypeTransformation)}},
	}
	if diff := cmp.Diff(want, got.Columns); diff != "" {
		t.Errorf("columns of %s after redefinition (-want +got):\n%s", view, diff)
	}
	if got.Definition != v2.Definition {
		t.Errorf("definition = %q, want %q", got.Definition, v2.Definition)
	}
	if !got.UpdatedAt.After(before.UpdatedAt) && !got.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("updatedAt went back: %v -> %v", before.UpdatedAt, got.UpdatedAt)
	}
	if got.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("updatedAt did not move on a changed definition: %v", got.UpdatedAt)
	}
	snap := takeSnapshot(t, s, db)
	var derives []string
	for _, r := range snap.Rels {
		if strings.Contains(r, `"DERIVES_FROM"`) {
			derives = append(derives, r)
		}
		if strings.Contains(r, "DOUBLE_AMOUNT") || strings.Contains(r, "FILTER") {
			t.Errorf("stale relationship left: %s", r)
		}
	}
	if len(derives) != 3 {
		t.Errorf("DERIVES_FROM edges = %d, want 3:\n%s", len(derives), strings.Join(derives, "\n"))
	}
	for _, n := range snap.Nodes {
		if strings.Contains(n, "DOUBLE_AMOUNT") {
			t.Errorf("stale column left: %s", n)
		}
	}
	// The table's STATUS column lost its only reader but is still a table column.
	if !slices.ContainsFunc(snap.Nodes, func(n string) bool { return strings.Contains(n, `"name":"STATUS"`) }) {
		t.Error("table column STATUS was removed with the view's edges")
	}
}

// chain builds T(A,B,C) <- V1(X,Y) <- V2(X2,S) <- V3(FINAL), see the edge list.
type chain struct {
	t, v1, v2, v3 ObjectID
	tbl           Table
	views         []View // V1, V2, V3
}

func newChain(db string) chain {
	c := chain{t: obj(db, "RAW", "T"), v1: obj(db, "STAGE", "V1"), v2: obj(db, "STAGE", "V2"), v3: obj(db, "MART", "V3")}
	c.tbl = Table{ID: c.t, Columns: []Column{{"A", 1, "NUMBER"}, {"B", 2, "NUMBER"}, {"C", 3, "NUMBER"}}}
	c.views = []View{
		{ID: c.v1, Status: StatusOK, Definition: "select a as x, b + c as y from raw.t where c > 0",
			Columns: []Column{{"X", 1, "NUMBER"}, {"Y", 2, "NUMBER"}},
			Edges: []Edge{
				edge(c.v1.Column("X"), c.t.Column("A"), EdgeDirect, SubtypeIdentity),
				edge(c.v1.Column("Y"), c.t.Column("B"), EdgeDirect, SubtypeTransformation),
				edge(c.v1.Column("Y"), c.t.Column("C"), EdgeDirect, SubtypeTransformation),
				edge(c.v1.Column("X"), c.t.Column("C"), EdgeIndirect, SubtypeFilter),
				edge(c.v1.Column("Y"), c.t.Column("C"), EdgeIndirect, SubtypeFilter),
			}},
		{ID: c.v2, Status: StatusOK, Definition: "select x as x2, sum(y) as s from stage.v1 group by x",
			Columns: []Column{{"X2", 1, "NUMBER"}, {"S", 2, "NUMBER"}},
			Edges: []Edge{
				edge(c.v2.Column("X2"), c.v1.Column("X"), EdgeDirect, SubtypeIdentity),
				edge(c.v2.Column("S"), c.v1.Column("Y"), EdgeDirect, SubtypeAggregation),
				edge(c.v2.Column("X2"), c.v1.Column("X"), EdgeIndirect, SubtypeGroupBy),
				edge(c.v2.Column("S"), c.v1.Column("X"), EdgeIndirect, SubtypeGroupBy),
			}},
		{ID: c.v3, Status: StatusOK, Definition: "select s * 2 as final from stage.v2",
			Columns: []Column{{"FINAL", 1, "NUMBER"}},
			Edges:   []Edge{edge(c.v3.Column("FINAL"), c.v2.Column("S"), EdgeDirect, SubtypeTransformation)}},
	}
	return c
}

func labelsOf(t *testing.T, s *Store, id ObjectID) (labels []string, placeholder bool, parents []string) {
	t.Helper()
	res, err := s.read(context.Background(), labelsOfQuery, map[string]any{"id": id.String()})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 1 {
		t.Fatalf("%s: %d records", id, len(res.Records))
	}
	ls, _, _ := neo4j.GetRecordValue[[]any](res.Records[0], "labels")
	for _, l := range ls {
		labels = append(labels, l.(string))
	}
	slices.Sort(labels)
	placeholder, _, _ = neo4j.GetRecordValue[bool](res.Records[0], "placeholder")
	ps, _, _ := neo4j.GetRecordValue[[]any](res.Records[0], "parents")
	for _, p := range ps {
		parents = append(parents, p.(string))
	}
	return labels, placeholder, parents
}

// definedBy is the provenance of the edges view's definition writes.
func definedBy(view ObjectID) Provenance {
	return Provenance{Origin: OriginView, Statement: view.String()}
}

// checkTraversal compares a traversal's paths and edges (in any order) with the wanted ones.
func checkTraversal(t *testing.T, sg Subgraph, err error, wantPaths [][]ColumnID, wantEdges []Edge) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantPaths, sg.Paths); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	for i := range wantEdges {
		if wantEdges[i].Origin == "" {
			wantEdges[i].Provenance = definedBy(wantEdges[i].View)
		}
	}
	slices.SortFunc(wantEdges, compareEdges)
	if diff := cmp.Diff(wantEdges, sg.Edges); diff != "" {
		t.Errorf("edges (-want +got):\n%s", diff)
	}
}

func TestThreeHopChainTraversal(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	c := newChain(testDB(t))

	// Written top-down, so each view's sources exist first as placeholder tables.
	mustReplace(t, s, c.views[2])
	labels, placeholder, parents := labelsOf(t, s, c.v2)
	if diff := cmp.Diff([]string{"Dataset", "Table"}, labels); diff != "" || !placeholder || !slices.Equal(parents, []string{"HAS_TABLE"}) {
		t.Errorf("V2 before its definition: labels %v placeholder %v parents %v, want placeholder :Table", labels, placeholder, parents)
	}
	if _, err := s.ViewDetail(ctx, c.v2); !errors.Is(err, ErrNotFound) {
		t.Errorf("ViewDetail of a placeholder: err %v, want ErrNotFound", err)
	}
	mustReplace(t, s, c.views[1])
	mustReplace(t, s, c.views[0])
	if err := s.UpsertTables(ctx, []Table{c.tbl}); err != nil {
		t.Fatal(err)
	}
	for _, v := range []ObjectID{c.v1, c.v2, c.v3} {
		labels, placeholder, parents := labelsOf(t, s, v)
		if !slices.Equal(labels, []string{"Dataset", "View"}) || placeholder || !slices.Equal(parents, []string{"HAS_VIEW"}) {
			t.Errorf("%s: labels %v placeholder %v parents %v, want a :View under HAS_VIEW", v, labels, placeholder, parents)
		}
	}
	if labels, placeholder, parents := labelsOf(t, s, c.t); !slices.Equal(labels, []string{"Dataset", "Table"}) || placeholder || !slices.Equal(parents, []string{"HAS_TABLE"}) {
		t.Errorf("T: labels %v placeholder %v parents %v, want a catalogued :Table", labels, placeholder, parents)
	}

	F, S, X2 := c.v3.Column("FINAL"), c.v2.Column("S"), c.v2.Column("X2")
	X, Y := c.v1.Column("X"), c.v1.Column("Y")
	A, B, C := c.t.Column("A"), c.t.Column("B"), c.t.Column("C")
	e := func(from, to ColumnID, typ EdgeType, sub Subtype, view ObjectID) Edge {
		return Edge{From: from, To: to, Type: typ, Subtype: sub, View: view}
	}
	ids := func(sg Subgraph) []ColumnID {
		var out []ColumnID
		for _, n := range sg.Nodes {
			out = append(out, n.ID)
		}
		return out
	}
	sortIDs := func(in []ColumnID) []ColumnID {
		out := slices.Clone(in)
		slices.SortFunc(out, func(a, b ColumnID) int { return strings.Compare(a.String(), b.String()) })
		return out
	}

	t.Run("upstream full", func(t *testing.T) {
		sg, err := s.Upstream(ctx, F, 10)
		checkTraversal(t, sg, err, [][]ColumnID{{F, S, X, A}, {F, S, X, C}, {F, S, Y, B}, {F, S, Y, C}}, []Edge{
			e(F, S, EdgeDirect, SubtypeTransformation, c.v3),
			e(S, X, EdgeIndirect, SubtypeGroupBy, c.v2),
			e(S, Y, EdgeDirect, SubtypeAggregation, c.v2),
			e(X, A, EdgeDirect, SubtypeIdentity, c.v1),
			e(X, C, EdgeIndirect, SubtypeFilter, c.v1),
			e(Y, B, EdgeDirect, SubtypeTransformation, c.v1),
			e(Y, C, EdgeDirect, SubtypeTransformation, c.v1),
			e(Y, C, EdgeIndirect, SubtypeFilter, c.v1),
		})
		if diff := cmp.Diff(sortIDs([]ColumnID{F, S, X, Y, A, B, C}), ids(sg)); diff != "" {
			t.Errorf("nodes (-want +got):\n%s", diff)
		}
		for _, n := range sg.Nodes {
			wantKind := "view"
			if n.Parent == c.t {
				wantKind = "table"
			}
			if n.Parent != n.ID.Object() || n.ParentKind != wantKind || n.Placeholder || n.DataType != "NUMBER" {
				t.Errorf("node %s: parent %s kind %q placeholder %v type %q", n.ID, n.Parent, n.ParentKind, n.Placeholder, n.DataType)
			}
		}
		if sg.Truncated {
			t.Error("truncated")
		}
	})

	t.Run("upstream depth 2", func(t *testing.T) {
		sg, err := s.Upstream(ctx, F, 2)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([][]ColumnID{{F, S, X}, {F, S, Y}}, sg.Paths); diff != "" {
			t.Errorf("paths (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(sortIDs([]ColumnID{F, S, X, Y}), ids(sg)); diff != "" {
			t.Errorf("nodes (-want +got):\n%s", diff)
		}
		if len(sg.Edges) != 3 {
			t.Errorf("edges = %v, want F->S, S->X, S->Y", sg.Edges)
		}
	})

	t.Run("downstream full", func(t *testing.T) {
		sg, err := s.Downstream(ctx, C, 10)
		checkTraversal(t, sg, err, [][]ColumnID{{C, X, S, F}, {C, X, X2}, {C, Y, S, F}}, []Edge{
			e(F, S, EdgeDirect, SubtypeTransformation, c.v3),
			e(S, X, EdgeIndirect, SubtypeGroupBy, c.v2),
			e(S, Y, EdgeDirect, SubtypeAggregation, c.v2),
			e(X, C, EdgeIndirect, SubtypeFilter, c.v1),
			e(X2, X, EdgeDirect, SubtypeIdentity, c.v2),
			e(X2, X, EdgeIndirect, SubtypeGroupBy, c.v2),
			e(Y, C, EdgeDirect, SubtypeTransformation, c.v1),
			e(Y, C, EdgeIndirect, SubtypeFilter, c.v1),
		})
	})

	t.Run("no lineage", func(t *testing.T) {
		sg, err := s.Upstream(ctx, A, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(sg.Paths) != 0 || len(sg.Edges) != 0 || len(sg.Nodes) != 1 || sg.Nodes[0].ID != A {
			t.Errorf("upstream of a base column: %+v, want only the root node", sg)
		}
	})

	t.Run("view detail", func(t *testing.T) {
		d, err := s.ViewDetail(ctx, c.v2)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]ObjectRef{{ID: c.v1, Kind: "view"}}, d.Upstream); diff != "" {
			t.Errorf("upstream (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]ObjectID{c.v3}, d.Downstream); diff != "" {
			t.Errorf("downstream (-want +got):\n%s", diff)
		}
		d1, err := s.ViewDetail(ctx, c.v1)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]ObjectRef{{ID: c.t, Kind: "table"}}, d1.Upstream); diff != "" {
			t.Errorf("V1 upstream (-want +got):\n%s", diff)
		}
	})

	t.Run("delete middle view", func(t *testing.T) {
		if err := s.DeleteView(ctx, c.v2); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteView(ctx, c.v2); !errors.Is(err, ErrNotFound) {
			t.Errorf("second DeleteView: %v, want ErrNotFound", err)
		}
		if _, err := s.Upstream(ctx, S, 1); !errors.Is(err, ErrNotFound) {
			t.Errorf("Upstream of a deleted column: %v, want ErrNotFound", err)
		}
		sg, err := s.Upstream(ctx, F, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(sg.Edges) != 0 {
			t.Errorf("V3 still has edges after V2 was deleted: %v", sg.Edges)
		}
		sg, err = s.Upstream(ctx, Y, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(sg.Edges) != 3 {
			t.Errorf("V1 lost edges when V2 was deleted: %v", sg.Edges)
		}
	})
}

func TestHostileNamesRoundTrip(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	db := testDB(t) + ` "q" ü`
	graphtest.Cleanup(t, s, db)
	schema := "s`b`\\"
	tbl := obj(db, schema, `'); MATCH (n) DETACH DELETE n; //`)
	view := obj(db, schema, "}) DETACH DELETE n //")
	srcCol := "Ünï \"col\" 列"
	viewCol := "`x`.y ${name} }) DETACH DELETE n //"
	if err := s.UpsertTables(ctx, []Table{{ID: tbl, Columns: []Column{{srcCol, 1, "VARCHAR(10)"}}}}); err != nil {
		t.Fatal(err)
	}
	def := "create view \"}) DETACH DELETE n //\" as select \"Ünï \"\"col\"\" 列\" as \"`x`.y\" -- '\n"
	mustReplace(t, s, View{ID: view, Status: StatusOK, Definition: def, Message: "warning: \"quoted\" `tick`",
		Columns: []Column{{viewCol, 1, "VARCHAR(10)"}},
		Edges: []Edge{{From: view.Column(viewCol), To: tbl.Column(srcCol), Type: EdgeDirect,
			Subtype: SubtypeIdentity, Expression: "\"Ünï \"\"col\"\" 列\" }) DETACH DELETE n //"}}})

	d, err := s.ViewDetail(ctx, view)
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != view || d.Definition != def || d.Message != "warning: \"quoted\" `tick`" {
		t.Errorf("view read back as %q %q %q", d.ID, d.Definition, d.Message)
	}
	want := []ViewColumn{{ID: view.Column(viewCol), Name: viewCol, Ordinal: 1, DataType: "VARCHAR(10)",
		Sources: []Source{{Column: tbl.Column(srcCol), Type: EdgeDirect, Subtype: SubtypeIdentity, View: view,
			Expression: "\"Ünï \"\"col\"\" 列\" }) DETACH DELETE n //", Provenance: definedBy(view)}}}}
	if diff := cmp.Diff(want, d.Columns); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	// The ids survive parse(format(id)) through the graph.
	id, err := ParseColumnID(view.Column(viewCol).String())
	if err != nil || id.Column != viewCol || id.Table != view.Name || id.Database != db || id.Schema != schema {
		t.Errorf("id round trip: %#v, %v", id, err)
	}
	sg, err := s.Downstream(ctx, tbl.Column(srcCol), 3)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]ColumnID{{tbl.Column(srcCol), view.Column(viewCol)}}, sg.Paths); diff != "" {
		t.Errorf("downstream paths (-want +got):\n%s", diff)
	}
	res, err := s.Search(ctx, SearchQuery{Text: "ünï", Kind: KindColumn, Databases: []string{db}, Limit: MaxSearchLimit})
	if err != nil {
		t.Fatal(err)
	}
	hits := res.Hits
	if !slices.ContainsFunc(hits, func(h SearchHit) bool { return h.ID == tbl.Column(srcCol).String() && h.Name == srcCol }) {
		t.Errorf("search ünï: %v, want the hostile column", hits)
	}
	// database, schema, table, view, two columns: nothing more, nothing deleted; names verbatim.
	var names []string
	for _, n := range takeSnapshot(t, s, db).Nodes {
		var m struct{ Props map[string]any }
		if err := json.Unmarshal([]byte(n), &m); err != nil {
			t.Fatal(err)
		}
		names = append(names, str(m.Props, "name"))
	}
	wantNames := []string{db, schema, tbl.Name, view.Name, srcCol, viewCol}
	slices.Sort(names)
	slices.Sort(wantNames)
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Errorf("names under the hostile database (-want +got):\n%s", diff)
	}
}

func TestSearch(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	db := testDB(t)
	orders := obj(db, "RAW", "ORDERS")
	fct := obj(db, "MARTS", "FCT_ORDERS")
	ltv := obj(db, "MARTS", "customerLtv") // a quoted camelCase name
	if err := s.UpsertTables(ctx, []Table{{ID: orders, Columns: []Column{{"ORDER_AMOUNT", 1, "NUMBER"}, {"ORDERS", 2, "NUMBER"}}}}); err != nil {
		t.Fatal(err)
	}
	mustReplace(t, s, View{ID: fct, Status: StatusOK, Columns: []Column{{"AMOUNT", 1, "NUMBER"}},
		Edges: []Edge{edge(fct.Column("AMOUNT"), orders.Column("ORDER_AMOUNT"), EdgeDirect, SubtypeIdentity)}})
	mustReplace(t, s, View{ID: ltv, Status: StatusOK, Columns: []Column{{"LIFETIME_VALUE", 1, "NUMBER"}},
		Edges: []Edge{edge(ltv.Column("LIFETIME_VALUE"), fct.Column("AMOUNT"), EdgeDirect, SubtypeAggregation)}})

	type hit struct{ Kind, ID, Match string }
	search := func(q SearchQuery) ([]hit, map[string]int64) {
		t.Helper()
		q.Databases = append(q.Databases, db)
		if q.Limit == 0 {
			q.Limit = 50
		}
		res, err := s.Search(ctx, q)
		if err != nil {
			t.Fatalf("Search(%q): %v", q.Text, err)
		}
		var out []hit
		for _, h := range res.Hits {
			out = append(out, hit{h.Kind, h.ID, h.Match})
		}
		return out, res.Facets
	}
	tests := []struct {
		q    SearchQuery
		want []hit
	}{
		// The exact name first (the table before the column), then whole words, views and
		// tables before columns, shorter names first.
		{SearchQuery{Text: "orders"}, []hit{
			{"table", orders.String(), MatchExact}, {"column", orders.Column("ORDERS").String(), MatchExact},
			{"view", fct.String(), MatchWords}, {"column", orders.Column("ORDER_AMOUNT").String(), MatchTypo}}},
		{SearchQuery{Text: "order amount"}, []hit{{"column", orders.Column("ORDER_AMOUNT").String(), MatchWords}}},
		{SearchQuery{Text: "ord amo"}, []hit{{"column", orders.Column("ORDER_AMOUNT").String(), MatchPrefix}}},
		{SearchQuery{Text: "ordr amuont"}, []hit{{"column", orders.Column("ORDER_AMOUNT").String(), MatchTypo}}},
		{SearchQuery{Text: "customer ltv"}, []hit{{"view", ltv.String(), MatchWords}}},
		{SearchQuery{Text: "CUSTOMER_LTV"}, []hit{{"view", ltv.String(), MatchWords}}},
		{SearchQuery{Text: "ltv"}, []hit{{"view", ltv.String(), MatchWords}}},
		{SearchQuery{Text: "lifetime value", Kind: KindColumn}, []hit{{"column", ltv.Column("LIFETIME_VALUE").String(), MatchWords}}},
		{SearchQuery{Text: "lifetime value", Kind: KindView}, nil},
		{SearchQuery{Text: "marts.fct_orders"}, []hit{{"view", fct.String(), MatchWords}, {"column", fct.Column("AMOUNT").String(), MatchPrefix}}},
		{SearchQuery{Text: "customerltv.lifetime_value"}, []hit{{"column", ltv.Column("LIFETIME_VALUE").String(), MatchWords}}},
		{SearchQuery{Text: strings.ToLower(fct.String())}, []hit{{"view", fct.String(), MatchExact}, {"column", fct.Column("AMOUNT").String(), MatchPrefix}}},
		{SearchQuery{Text: "amount", Schemas: []string{"marts"}}, []hit{{"column", fct.Column("AMOUNT").String(), MatchExact}}},
		{SearchQuery{Text: "fct orders nothing"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.q.Text+"/"+tt.q.Kind, func(t *testing.T) {
			got, _ := search(tt.q)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Search(%q, kind %q) (-want +got):\n%s", tt.q.Text, tt.q.Kind, diff)
			}
		})
	}
	// Facets count every hit per kind, whatever the kind filter and the page.
	_, facets := search(SearchQuery{Text: "orders", Kind: KindView, Limit: 1})
	if diff := cmp.Diff(map[string]int64{KindTable: 1, KindView: 1, KindColumn: 2}, facets); diff != "" {
		t.Errorf("facets (-want +got):\n%s", diff)
	}
	// Pages are slices of one order.
	all, _ := search(SearchQuery{Text: "orders"})
	var paged []hit
	for off := 0; off < len(all); off++ {
		page, _ := search(SearchQuery{Text: "orders", Offset: off, Limit: 1})
		paged = append(paged, page...)
	}
	if diff := cmp.Diff(all, paged); diff != "" {
		t.Errorf("pages (-all +paged):\n%s", diff)
	}
	for _, bad := range []SearchQuery{{Text: "", Limit: 1}, {Text: "   ", Limit: 1}, {Text: "x", Kind: "index", Limit: 1}, {Text: "__", Limit: 1}} {
		if _, err := s.Search(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("Search(%+v): %v, want ErrInvalid", bad, err)
		}
	}
}

// TestSearchBackfill: nodes written before migration 004 (no search properties) are found
// after the backfill the migration runs.
func TestSearchBackfill(t *testing.T) {
	s, driver := newTestStore(t)
	ctx := context.Background()
	db := testDB(t)
	tbl := obj(db, "RAW", "WEB_SESSIONS")
	if err := s.UpsertTables(ctx, []Table{{ID: tbl, Columns: []Column{{"SESSION_ID", 1, "TEXT"}}}}); err != nil {
		t.Fatal(err)
	}
	_, err := neo4j.ExecuteQuery(ctx, driver, `MATCH (n) WHERE n.id STARTS WITH $prefix AND (n:Column OR n:Dataset)
		REMOVE n.searchName, n.searchPath, n.searchScope`, map[string]any{"prefix": db + "."},
		neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(s.database))
	if err != nil {
		t.Fatal(err)
	}
	find := func() int {
		res, err := s.Search(ctx, SearchQuery{Text: "web sessions", Databases: []string{db}, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Hits)
	}
	if n := find(); n != 0 {
		t.Fatalf("before the backfill: %d hits, want 0 (properties removed)", n)
	}
	if err := s.backfillSearch(ctx, db+"."); err != nil {
		t.Fatal(err)
	}
	if n := find(); n != 1 {
		t.Errorf("after the backfill: %d hits, want the table", n)
	}
}

func TestMigrateTwiceIsNoOp(t *testing.T) {
	s, _ := newTestStore(t) // has migrated once
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.Migrate(ctx)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent Migrate: %v", err)
		}
	}
	applied, err := s.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 0 {
		t.Errorf("second Migrate applied %v, want nothing", applied)
	}
	migrations, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	level, err := s.MigrationLevel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := migrations[len(migrations)-1].Version; level != want {
		t.Errorf("MigrationLevel = %d, want %d", level, want)
	}
	res, err := s.read(ctx, migrationRecordsQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]int64{}
	for _, rec := range res.Records {
		v, _, _ := neo4j.GetRecordValue[int64](rec, "version")
		n, _, _ := neo4j.GetRecordValue[int64](rec, "n")
		got[v] = n
	}
	for _, m := range migrations {
		if got[int64(m.Version)] != 1 {
			t.Errorf("migration %s recorded %d times, want 1", m.Name, got[int64(m.Version)])
		}
	}
}

func TestNotFoundAndInvalid(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	db := testDB(t)
	if _, err := s.ViewDetail(ctx, obj(db, "S", "NOPE")); !errors.Is(err, ErrNotFound) {
		t.Errorf("ViewDetail of unknown view: %v, want ErrNotFound", err)
	}
	if _, err := s.Upstream(ctx, col(db, "S", "T", "C"), 3); !errors.Is(err, ErrNotFound) {
		t.Errorf("Upstream of unknown column: %v, want ErrNotFound", err)
	}
	if _, err := s.Downstream(ctx, col(db, "S", "T", "C"), 3); !errors.Is(err, ErrNotFound) {
		t.Errorf("Downstream of unknown column: %v, want ErrNotFound", err)
	}
	if err := s.DeleteView(ctx, obj(db, "S", "NOPE")); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteView of unknown view: %v, want ErrNotFound", err)
	}
}

func TestUpsertTablesReplacesColumns(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	db := testDB(t)
	tbl := obj(db, "RAW", "CUSTOMERS")
	v := obj(db, "MART", "NAMES")
	if err := s.UpsertTables(ctx, []Table{{ID: tbl, Columns: []Column{{"ID", 1, "NUMBER"}, {"NAME", 2, "TEXT"}, {"OLD", 3, "TEXT"}}}}); err != nil {
		t.Fatal(err)
	}
	mustReplace(t, s, View{ID: v, Status: StatusOK, Columns: []Column{{"NAME", 1, "TEXT"}},
		Edges: []Edge{edge(v.Column("NAME"), tbl.Column("NAME"), EdgeDirect, SubtypeIdentity)}})
	// The catalog no longer lists NAME (still read by the view) nor OLD; ID changes type.
	if err := s.UpsertTables(ctx, []Table{{ID: tbl, Columns: []Column{{"ID", 1, "VARCHAR"}, {"EMAIL", 2, "TEXT"}}}}); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range takeSnapshot(t, s, db).Nodes {
		var m struct {
			Labels []string
			Props  map[string]any
		}
		if err := json.Unmarshal([]byte(n), &m); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(m.Labels, "Column") {
			names = append(names, m.Props["id"].(string)+":"+str(m.Props, "dataType"))
		}
	}
	slices.Sort(names)
	want := []string{
		tbl.Column("EMAIL").String() + ":TEXT", tbl.Column("ID").String() + ":VARCHAR",
		tbl.Column("NAME").String() + ":TEXT", v.Column("NAME").String() + ":TEXT",
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	// A view the catalog now reports as a table becomes one and loses its view edges.
	if err := s.UpsertTables(ctx, []Table{{ID: v}}); err != nil {
		t.Fatal(err)
	}
	if labels, _, parents := labelsOf(t, s, v); !slices.Equal(labels, []string{"Dataset", "Table"}) || !slices.Equal(parents, []string{"HAS_TABLE"}) {
		t.Errorf("view turned table: labels %v parents %v", labels, parents)
	}
	if sg, err := s.Upstream(ctx, v.Column("NAME"), 1); err != nil || len(sg.Edges) != 0 {
		t.Errorf("upstream of a demoted view column: %+v %v, want no edges", sg, err)
	}
	if _, err := s.ViewDetail(ctx, v); !errors.Is(err, ErrNotFound) {
		t.Errorf("ViewDetail of a demoted view: %v, want ErrNotFound", err)
	}
	// Demoted: id, name and the search properties stay, nothing else.
	props := map[string]any{"id": v.String(), "name": "NAMES"}
	maps.Copy(props, objectSearchProps(v))
	nodeJSON, err := json.Marshal(map[string]any{"labels": []string{"Dataset", "Table"}, "props": props})
	if err != nil {
		t.Fatal(err)
	}
	wantNode := string(nodeJSON)
	if nodes := takeSnapshot(t, s, db).Nodes; !slices.Contains(nodes, wantNode) {
		t.Errorf("demoted view node not %s in:\n%s", wantNode, strings.Join(nodes, "\n"))
	}
}

func TestCounts(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	c := newChain(testDB(t))
	if err := s.UpsertTables(ctx, []Table{c.tbl}); err != nil {
		t.Fatal(err)
	}
	for _, v := range c.views {
		mustReplace(t, s, v)
	}
	got, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The graph is shared with concurrent tests: it holds at least this test's data.
	if got.Databases < 1 || got.Schemas < 3 || got.Tables < 1 || got.Views < 3 || got.Columns < 8 || got.Edges < 10 {
		t.Errorf("Counts = %+v, want at least this test's 1/3/1/3/8/10", got)
	}
	info, err := s.ServerInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(info.Version, "5.") || info.Edition == "" {
		t.Errorf("ServerInfo = %+v", info)
	}
}

func TestConcurrentWritersShareSourceNodes(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	db := testDB(t)
	shared := obj(db, "RAW", "EVENTS") // not catalogued: every writer merges it as a placeholder
	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := obj(db, "MART", "V"+string(rune('A'+i)))
			errs[i] = s.ReplaceViewLineage(ctx, View{ID: v, Status: StatusOK,
				Columns: []Column{{"E", 1, "TEXT"}, {"N", 2, "NUMBER"}},
				Edges: []Edge{
					edge(v.Column("E"), shared.Column("EVENT"), EdgeDirect, SubtypeIdentity),
					edge(v.Column("N"), shared.Column("ID"), EdgeDirect, SubtypeAggregation),
					edge(v.Column("N"), shared.Column("EVENT"), EdgeIndirect, SubtypeGroupBy),
				}})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent ReplaceViewLineage: %v", err)
		}
	}
	snap := takeSnapshot(t, s, db)
	// 1 database, 2 schemas, 1 shared table + 8 views, 2 shared columns + 16 view columns.
	if got := len(snap.Nodes); got != 30 {
		t.Errorf("nodes = %d, want 30 (one shared table and its two columns):\n%s", got, strings.Join(snap.Nodes, "\n"))
	}
	sg, err := s.Downstream(ctx, shared.Column("EVENT"), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(sg.Edges) != 2*writers || len(sg.Paths) != 2*writers {
		t.Errorf("downstream of the shared column: %d edges, %d paths, want %d each", len(sg.Edges), len(sg.Paths), 2*writers)
	}
}

// TestConcurrentMigrateAppliesOnce runs fresh migrations (negative versions, test-only index
// names) from four goroutines at once: all succeed, each is recorded once and reported as applied
// by exactly one caller, and the schema exists.
func TestConcurrentMigrateAppliesOnce(t *testing.T) {
	s, d := newTestStore(t)
	ctx := context.Background()
	cleanup := func() {
		for _, stmt := range splitStatements(testMigrationsCleanup) {
			if _, err := neo4j.ExecuteQuery(ctx, d, stmt, nil, neo4j.EagerResultTransformer,
				neo4j.ExecuteQueryWithDatabase(s.database)); err != nil {
				t.Fatalf("cleanup %q: %v", stmt, err)
			}
		}
	}
	cleanup()
	t.Cleanup(cleanup)
	migs := []Migration{
		{Version: -2, Name: "test_a_b", Statements: []string{
			"CREATE INDEX tributary_test_mig_a IF NOT EXISTS FOR (n:TributaryTestMigration) ON (n.a)",
			"CREATE CONSTRAINT tributary_test_mig_b IF NOT EXISTS FOR (n:TributaryTestMigration) REQUIRE n.b IS UNIQUE",
		}},
		{Version: -1, Name: "test_c", Statements: []string{
			"CREATE FULLTEXT INDEX tributary_test_mig_c IF NOT EXISTS FOR (n:TributaryTestMigration) ON EACH [n.c]",
		}},
	}
	const workers = 4
	applied := make([][]string, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied[i], errs[i] = s.migrate(ctx, migs)
		}()
	}
	wg.Wait()
	var all []string
	for i := range workers {
		if errs[i] != nil {
			t.Fatalf("concurrent migrate %d: %v", i, errs[i])
		}
		all = append(all, applied[i]...)
	}
	slices.Sort(all)
	if diff := cmp.Diff([]string{"test_a_b", "test_c"}, all); diff != "" {
		t.Errorf("applied across callers (-want +got):\n%s", diff)
	}
	again, err := s.migrate(ctx, migs)
	if err != nil || len(again) != 0 {
		t.Errorf("migrate again: %v, %v; want nothing applied", again, err)
	}
	res, err := s.read(ctx, schemaNamesQuery, map[string]any{"prefix": "tributary_test_mig_"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, rec := range res.Records {
		n, _, _ := neo4j.GetRecordValue[string](rec, "name")
		names = append(names, n)
	}
	if diff := cmp.Diff([]string{"tributary_test_mig_a", "tributary_test_mig_b", "tributary_test_mig_c"}, names); diff != "" {
		t.Errorf("schema (-want +got):\n%s", diff)
	}
	res, err = s.read(ctx, migrationRecordsQuery, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range res.Records {
		v, _, _ := neo4j.GetRecordValue[int64](rec, "version")
		n, _, _ := neo4j.GetRecordValue[int64](rec, "n")
		if v < 0 && n != 1 {
			t.Errorf("test migration %d recorded %d times", v, n)
		}
	}
}

func TestUpsertTablesInBatches(t *testing.T) {
	s, _ := newTestStore(t)
	s.maxTables, s.maxColumns = 4, 7 // many small transactions
	ctx := context.Background()
	db := testDB(t)
	var tables []Table
	for i := range 11 {
		tbl := Table{ID: obj(db, "RAW", fmt.Sprintf("T%02d", i))}
		for j := range i % 4 {
			tbl.Columns = append(tbl.Columns, Column{fmt.Sprintf("C%d", j), j + 1, "NUMBER"})
		}
		tables = append(tables, tbl)
	}
	if err := s.UpsertTables(ctx, tables); err != nil {
		t.Fatal(err)
	}
	// 1 database, 1 schema, 11 tables, 0+1+2+3 columns repeated: 0..10 % 4 sums to 15.
	if got := len(takeSnapshot(t, s, db).Nodes); got != 1+1+11+15 {
		t.Errorf("nodes = %d, want %d", got, 1+1+11+15)
	}
	dup := []Table{tables[0], tables[0]}
	if err := s.UpsertTables(ctx, dup); !errors.Is(err, ErrInvalid) {
		t.Errorf("duplicate table: %v, want ErrInvalid", err)
	}
}

// Deleting the last view of a schema removes the schema; the database stays while it holds
// another schema, and goes with its last one.
func TestDeleteLastViewRemovesEmptySchema(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	db, other := testDB(t), testDB(t)
	tbl, v := ordersView(db)
	if err := s.UpsertTables(ctx, []Table{tbl}); err != nil {
		t.Fatal(err)
	}
	want := takeSnapshot(t, s, db) // the table, its schema and database
	mustReplace(t, s, v)
	if err := s.DeleteView(ctx, v.ID); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, takeSnapshot(t, s, db)); diff != "" {
		t.Errorf("graph after deleting the only view of %s.%s (-want +got):\n%s", db, v.ID.Schema, diff)
	}

	// A view alone in its database: nothing is left.
	lone := View{ID: obj(other, "MART", "ONE"), Status: StatusOK, Columns: []Column{{"X", 1, ""}}}
	mustReplace(t, s, lone)
	if err := s.DeleteView(ctx, lone.ID); err != nil {
		t.Fatal(err)
	}
	if got := takeSnapshot(t, s, other); len(got.Nodes) != 0 || len(got.Rels) != 0 {
		t.Errorf("graph after deleting the only view of %s: %+v, want nothing", other, got)
	}
}
