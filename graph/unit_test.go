package graph

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestPathsAndDistances(t *testing.T) {
	v := obj("D", "S", "V")
	a, b, c, d, e := v.Column("A"), v.Column("B"), v.Column("C"), v.Column("D"), v.Column("E")
	edges := []Edge{
		{From: a, To: b, Type: EdgeDirect}, {From: a, To: b, Type: EdgeIndirect}, // parallel
		{From: a, To: c}, {From: b, To: d}, {From: c, To: d}, {From: d, To: e},
	}
	tests := []struct {
		name      string
		root      ColumnID
		upstream  bool
		depth     int
		limit     int
		want      [][]ColumnID
		truncated bool
	}{
		{"up full", a, true, 10, 100, [][]ColumnID{{a, b, d, e}, {a, c, d, e}}, false},
		{"up depth 2", a, true, 2, 100, [][]ColumnID{{a, b, d}, {a, c, d}}, false},
		{"up depth 1", a, true, 1, 100, [][]ColumnID{{a, b}, {a, c}}, false},
		{"down full", e, false, 10, 100, [][]ColumnID{{e, d, b, a}, {e, d, c, a}}, false},
		{"leaf", e, true, 5, 100, nil, false},
		{"limit", a, true, 10, 1, [][]ColumnID{{a, b, d, e}}, true},
		{"limit exact", a, true, 10, 2, [][]ColumnID{{a, b, d, e}, {a, c, d, e}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, truncated, dist := pathsAndDistances(tt.root, edges, tt.upstream, tt.depth, tt.limit)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("paths (-want +got):\n%s", diff)
			}
			if truncated != tt.truncated {
				t.Errorf("truncated = %v, want %v", truncated, tt.truncated)
			}
			// Distances are the fewest hops within depth, also when paths are truncated.
			want := map[ColumnID]int{a: 0, b: 1, c: 1, d: 2, e: 3}
			switch tt.root {
			case e:
				want = map[ColumnID]int{e: 0}
				if !tt.upstream {
					want = map[ColumnID]int{e: 0, d: 1, b: 2, c: 2, a: 3}
				}
			}
			maps.DeleteFunc(want, func(_ ColumnID, d int) bool { return d > tt.depth })
			if diff := cmp.Diff(want, dist); diff != "" {
				t.Errorf("distances (-want +got):\n%s", diff)
			}
		})
	}
	// A cycle (not producible from SQL) ends the path instead of looping.
	got, _, dist := pathsAndDistances(a, []Edge{{From: a, To: b}, {From: b, To: a}}, true, 10, 100)
	if diff := cmp.Diff([][]ColumnID{{a, b}}, got); diff != "" {
		t.Errorf("cycle (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[ColumnID]int{a: 0, b: 1}, dist); diff != "" {
		t.Errorf("cycle distances (-want +got):\n%s", diff)
	}
}

func TestIdentifierWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"FCT_ORDERS", []string{"fct", "orders"}},
		{"stgShopOrders", []string{"stg", "shop", "orders"}},
		{"STG_SHOP__ORDERS", []string{"stg", "shop", "orders"}},
		{"HTTPServer2xx", []string{"http", "server", "2", "xx"}},
		{"ORDERS_00042", []string{"orders", "00042"}},
		{"a.b$c d", []string{"a", "b", "c", "d"}},
		{"_LOADED_AT", []string{"loaded", "at"}},
		{"Ünï_Größe", []string{"ünï", "größe"}},
		{"__", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, IdentifierWords(tt.in)); diff != "" {
			t.Errorf("IdentifierWords(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestSearchProps(t *testing.T) {
	got := columnSearchProps(ColumnID{"ANALYTICS", "MARTS", "CUSTOMER_LTV", "lifetimeValue"})
	want := map[string]any{
		"searchName":  "lifetimevalue lifetime value",
		"searchPath":  "customer_ltv.lifetimevalue marts.customer_ltv.lifetimevalue analytics.marts.customer_ltv.lifetimevalue",
		"searchScope": "database=analytics schema=marts",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("column search props (-want +got):\n%s", diff)
	}
	got = objectSearchProps(ObjectID{"My DB", "S", "ORDERS"})
	want = map[string]any{"searchName": "orders", "searchPath": "s.orders my_db.s.orders", "searchScope": "database=my_db schema=s"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("object search props (-want +got):\n%s", diff)
	}
}

func TestSearchLucene(t *testing.T) {
	tests := []struct {
		q, want string
		dbs     []string
	}{
		{"orders", "(searchName:orders^8 OR searchName:orders*^2 OR searchName:orders~1)", nil},
		{"customer ltv", "(searchName:customer^8 OR searchName:customer*^2 OR searchName:customer~1) AND (searchName:ltv^8 OR searchName:ltv*^2)", nil},
		{"customerLtv", "(searchName:customer^8 OR searchName:customer*^2 OR searchName:customer~1) AND (searchName:ltv^8 OR searchName:ltv*^2)", nil},
		{`"Marts".Fct_Orders`, "(searchPath:marts.fct_orders^8 OR searchPath:marts.fct_orders*^2 OR searchPath:marts.fct_orders~1)", nil},
		{"ab", "(searchName:ab^8 OR searchName:ab*^2) AND (searchScope:database=x OR searchScope:database=y_z)", []string{"X", `"y z"`}},
		{`a:b(c)~`, "(searchName:a^8 OR searchName:a*^2) AND (searchName:b^8 OR searchName:b*^2) AND (searchName:c^8 OR searchName:c*^2)", nil},
		{`x/y.z*`, `(searchPath:x\/y.z\*^8 OR searchPath:x\/y.z\**^2 OR searchPath:x\/y.z\*~1)`, nil},
	}
	for _, tt := range tests {
		words, err := parseSearchQuery(tt.q)
		if err != nil {
			t.Fatalf("parse %q: %v", tt.q, err)
		}
		if got := searchLucene(words, tt.dbs, nil); got != tt.want {
			t.Errorf("searchLucene(%q) =\n %s\nwant\n %s", tt.q, got, tt.want)
		}
	}
	for _, bad := range []string{"", " \t\n", "*** ()", strings.Repeat("w ", 17), "a_b_c_d_e_f_g_h_i_j_k_l_m_n_o_p_q", "\xff"} {
		if _, err := parseSearchQuery(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("parseSearchQuery(%q): %v, want ErrInvalid", bad, err)
		}
	}
}

func TestPrepareViewRejectsBadInput(t *testing.T) {
	v := obj("D", "S", "V")
	other := obj("D", "S", "OTHER")
	src := obj("D", "S", "T").Column("X")
	base := func() View {
		return View{ID: v, Status: StatusOK, Columns: []Column{{"A", 1, ""}},
			Edges: []Edge{{From: v.Column("A"), To: src, Type: EdgeDirect, Subtype: SubtypeIdentity}}}
	}
	tests := []struct {
		name    string
		mutate  func(*View)
		wantErr string
	}{
		{"empty id", func(x *View) { x.ID.Schema = "" }, "empty part"},
		{"status", func(x *View) { x.Status = "" }, "status"},
		{"empty column", func(x *View) { x.Columns = append(x.Columns, Column{}) }, "empty name"},
		{"duplicate column", func(x *View) { x.Columns = append(x.Columns, Column{Name: "A"}) }, "listed twice"},
		{"edge from another view", func(x *View) { x.Edges[0].From = other.Column("A") }, "not a column of view"},
		{"edge from unknown column", func(x *View) { x.Edges[0].From = v.Column("B") }, "not in the view's column list"},
		{"edge to unknown own column", func(x *View) { x.Edges[0].To = v.Column("B") }, "not in the view's column list"},
		{"edge to empty id", func(x *View) { x.Edges[0].To = ColumnID{} }, "empty part"},
		{"type", func(x *View) { x.Edges[0].Type = "SIDEWAYS" }, "type"},
		{"subtype", func(x *View) { x.Edges[0].Subtype = "MAGIC" }, "subtype"},
		{"edge view", func(x *View) { x.Edges[0].View = other }, "belongs to view"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := base()
			tt.mutate(&x)
			_, err := prepareView(x)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("prepareView: %v, want ErrInvalid containing %q", err, tt.wantErr)
			}
		})
	}
	if _, err := prepareView(base()); err != nil {
		t.Errorf("valid view: %v", err)
	}
	// Same lineage in another edge order hashes the same; a changed expression does not.
	a, _ := prepareView(base())
	x := base()
	x.Edges = append(x.Edges, Edge{From: v.Column("A"), To: src.Object().Column("Y"), Type: EdgeIndirect, Subtype: SubtypeFilter})
	y := base()
	y.Edges = append([]Edge{x.Edges[1]}, y.Edges...)
	bx, _ := prepareView(x)
	by, _ := prepareView(y)
	if bx.view["hash"] != by.view["hash"] || bx.view["hash"] == a.view["hash"] {
		t.Errorf("hash: x %v y %v base %v", bx.view["hash"], by.view["hash"], a.view["hash"])
	}
	y.Edges[0].Expression = "changed"
	if bz, _ := prepareView(y); bz.view["hash"] == by.view["hash"] {
		t.Error("hash ignores the expression")
	}
}

func TestTraversalValidatesDepth(t *testing.T) {
	s := NewStore(nil, "neo4j") // validation happens before any I/O
	for _, depth := range []int{0, -1, MaxDepth + 1} {
		if _, err := s.Upstream(context.Background(), obj("D", "S", "T").Column("C"), depth); !errors.Is(err, ErrInvalid) {
			t.Errorf("Upstream depth %d: %v, want ErrInvalid", depth, err)
		}
		if _, err := s.Downstream(context.Background(), obj("D", "S", "T").Column("C"), depth); !errors.Is(err, ErrInvalid) {
			t.Errorf("Downstream depth %d: %v, want ErrInvalid", depth, err)
		}
	}
	if _, err := s.Search(context.Background(), SearchQuery{Text: "x", Limit: MaxSearchLimit + 1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Search limit: %v, want ErrInvalid", err)
	}
}

func TestMigrationsLoad(t *testing.T) {
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 3 {
		t.Fatalf("%d migrations", len(ms))
	}
	for i, m := range ms {
		if m.Version != i+1 {
			t.Errorf("migration %s has version %d, want %d (no gaps)", m.Name, m.Version, i+1)
		}
		for _, st := range m.Statements {
			if !strings.Contains(st, "IF NOT EXISTS") {
				t.Errorf("migration %s statement without IF NOT EXISTS: %s", m.Name, st)
			}
			if strings.Contains(st, ";") {
				t.Errorf("migration %s statement not split: %s", m.Name, st)
			}
		}
	}
	fsys := fstest.MapFS{
		"m/002_b.cypher":   {Data: []byte("// comment\nCREATE INDEX b IF NOT EXISTS\n  FOR (n:B) ON (n.x);\nCREATE INDEX c IF NOT EXISTS FOR (n:C) ON (n.x);\n")},
		"m/001_a.cypher":   {Data: []byte("CREATE INDEX a IF NOT EXISTS FOR (n:A) ON (n.x)")},
		"m/readme.txt":     {Data: []byte("ignored")},
		"bad/x_a.cypher":   {Data: []byte("CREATE")},
		"dup/001_a.cypher": {Data: []byte("A")},
		"dup/001_b.cypher": {Data: []byte("B")},
	}
	got, err := loadMigrations(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	want := []Migration{
		{Version: 1, Name: "001_a", Statements: []string{"CREATE INDEX a IF NOT EXISTS FOR (n:A) ON (n.x)"}},
		{Version: 2, Name: "002_b", Statements: []string{"CREATE INDEX b IF NOT EXISTS\nFOR (n:B) ON (n.x)", "CREATE INDEX c IF NOT EXISTS FOR (n:C) ON (n.x)"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("loadMigrations (-want +got):\n%s", diff)
	}
	if _, err := loadMigrations(fsys, "bad"); err == nil {
		t.Error("bad file name: want error")
	}
	if _, err := loadMigrations(fsys, "dup"); err == nil {
		t.Error("duplicate version: want error")
	}
}

func TestTableBatches(t *testing.T) {
	mk := func(cols ...int) []Table {
		var out []Table
		for _, n := range cols {
			out = append(out, Table{Columns: make([]Column, n)})
		}
		return out
	}
	tests := []struct {
		name                  string
		tables                []Table
		maxTables, maxColumns int
		want                  [][2]int
	}{
		{"none", nil, 3, 10, nil},
		{"by tables", mk(1, 1, 1, 1, 1, 1, 1), 3, 100, [][2]int{{0, 3}, {3, 6}, {6, 7}}},
		{"by columns", mk(4, 4, 4, 4), 10, 8, [][2]int{{0, 2}, {2, 4}}},
		{"one huge table alone", mk(2, 50, 2), 10, 8, [][2]int{{0, 1}, {1, 2}, {2, 3}}},
		{"no columns", mk(0, 0, 0), 2, 8, [][2]int{{0, 2}, {2, 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tableBatches(tt.tables, tt.maxTables, tt.maxColumns)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
