package ingest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tributary-lineage/tributary/graph"
)

func TestParseSourceSpec(t *testing.T) {
	for _, tc := range []struct {
		spec, kind, arg string
		ok              bool
	}{
		{"dir:/data/wh", "dir", "/data/wh", true},
		{"dir:rel/path", "dir", "rel/path", true},
		{"snowflake", "snowflake", "", true},
		{"dir:", "", "", false},
		{"dbt:/p/target/manifest.json", "dbt", "/p/target/manifest.json", true},
		{"dbt:", "", "", false},
		{"s3://bucket", "", "", false},
		{"", "", "", false},
	} {
		kind, arg, err := ParseSourceSpec(tc.spec)
		if (err == nil) != tc.ok || kind != tc.kind || arg != tc.arg {
			t.Errorf("ParseSourceSpec(%q) = %q, %q, %v; want %q, %q, ok=%t", tc.spec, kind, arg, err, tc.kind, tc.arg, tc.ok)
		}
	}
}

func TestParseCatalogFormats(t *testing.T) {
	got, err := ParseCatalog([]byte(`{
		"RAW.S.T": ["id", "\"Mixed\""],
		"S.U": [{"name": "A", "type": "NUMBER(38,0)"}],
		"V": ["X"]
	}`), "DB", "PUBLIC")
	if err != nil {
		t.Fatal(err)
	}
	want := []graph.Table{
		{ID: graph.ObjectID{Database: "DB", Schema: "PUBLIC", Name: "V"}, Columns: []graph.Column{{Name: "X", Ordinal: 1}}},
		{ID: graph.ObjectID{Database: "DB", Schema: "S", Name: "U"}, Columns: []graph.Column{{Name: "A", Ordinal: 1, DataType: "NUMBER(38,0)"}}},
		{ID: graph.ObjectID{Database: "RAW", Schema: "S", Name: "T"}, Columns: []graph.Column{{Name: "ID", Ordinal: 1}, {Name: "Mixed", Ordinal: 2}}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ParseCatalog (-want +got):\n%s", d)
	}
	for _, bad := range []string{`[]`, `{"A.B.C.D": ["X"]}`, `{"T": "X"}`, `{"T": [""]}`, `{"T": ["a.b"]}`} {
		if _, err := ParseCatalog([]byte(bad), "DB", "PUBLIC"); err == nil {
			t.Errorf("ParseCatalog(%s): no error", bad)
		}
	}
	if _, err := ParseCatalog([]byte(`{"S.T": ["X"]}`), "", "PUBLIC"); err == nil || !strings.Contains(err.Error(), "default database") {
		t.Errorf("two-part key without a default database: %v", err)
	}
}

func TestDirSourceList(t *testing.T) {
	fsys := fstest.MapFS{
		"catalog.json":      {Data: []byte(`{"RAW.S.T": ["A", "B"]}`)},
		"marts/a.sql":       {Data: []byte("-- a comment\nCREATE OR REPLACE VIEW WH.MARTS.A AS SELECT a FROM raw.s.t;\n")},
		"marts/two.sql":     {Data: []byte("CREATE VIEW marts.b AS SELECT a FROM marts.a;\nCREATE VIEW marts.c AS SELECT b FROM raw.s.t;\n")},
		"marts/broken.sql":  {Data: []byte("CREATE SECURE VIEW IF NOT EXISTS \"marts\".\"Odd\" (x) AS SELECT (a FROM t")},
		"marts/other.sql":   {Data: []byte("GRANT SELECT ON VIEW marts.a TO ROLE r;")},
		"marts/notes.txt":   {Data: []byte("CREATE VIEW NOT_SQL AS SELECT 1 AS X")},
		"deep/er/d.SQL":     {Data: []byte("create view d as select 1 as x")},
		"catalog_types.txt": {Data: []byte("{}")},
	}
	l, err := (&DirSource{root: "test", fsys: fsys}).List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID         string
		Origin     string
		Line       int
		WholeFile  bool
		DB, Schema string
	}
	var got []row
	for _, v := range l.Views {
		got = append(got, row{v.ID.String(), v.Origin, v.Line, v.Text == string(fsys[v.Origin].Data), v.DefaultDatabase, v.DefaultSchema})
	}
	// WH is the one database of the fully qualified names; one-part names take PUBLIC.
	want := []row{
		{"WH.MARTS.A", "marts/a.sql", 1, true, "WH", "PUBLIC"},
		{"WH.MARTS.B", "marts/two.sql", 1, false, "WH", "PUBLIC"},
		{"WH.MARTS.C", "marts/two.sql", 2, false, "WH", "PUBLIC"},
		{`WH.PUBLIC.D`, "deep/er/d.SQL", 1, true, "WH", "PUBLIC"},
		{`WH."marts"."Odd"`, "marts/broken.sql", 1, true, "WH", "PUBLIC"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("listed views (-want +got):\n%s", d)
	}
	if len(l.Tables) != 1 || l.Tables[0].ID.String() != "RAW.S.T" || len(l.Tables[0].Columns) != 2 {
		t.Errorf("tables = %+v", l.Tables)
	}

	// A view defined twice is listed once, with a conflict naming both definitions; the
	// conflict fails its analysis.
	fsys["marts/dup.sql"] = &fstest.MapFile{Data: []byte("\nCREATE VIEW WH.MARTS.A AS SELECT 1 AS X")}
	l, err = (&DirSource{root: "test", fsys: fsys}).List(context.Background())
	if err != nil {
		t.Fatalf("a view defined twice: %v", err)
	}
	if len(l.Views) != len(want) {
		t.Errorf("a view defined twice: %d views listed, want %d", len(l.Views), len(want))
	}
	const conflict = "view WH.MARTS.A is defined 2 times (marts/a.sql:2, marts/dup.sql:2): keep one definition"
	if l.Views[0].Conflict != conflict {
		t.Errorf("conflict %q, want %q", l.Views[0].Conflict, conflict)
	}
	if a := AnalyzeView(l.Views[0], "test", &Catalog{}); !a.Failed || a.View.Message != conflict {
		t.Errorf("analysis of a view defined twice: failed %v, message %q", a.Failed, a.View.Message)
	}
}

func TestNewDirSourceErrors(t *testing.T) {
	if _, err := NewDirSource(filepath.Join(t.TempDir(), "missing"), DirOptions{}); err == nil {
		t.Error("missing folder: no error")
	}
	f := filepath.Join(t.TempDir(), "file.sql")
	if err := os.WriteFile(f, []byte("select 1"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := NewDirSource(f, DirOptions{}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a file: %v", err)
	}
}

func listed(id, text string) ListedView {
	o, err := graph.ParseObjectID(id)
	if err != nil {
		panic(err)
	}
	return ListedView{ID: o, Text: text, DefaultDatabase: o.Database, DefaultSchema: o.Schema, Line: 1}
}

func TestAnalyzeView(t *testing.T) {
	cat := NewCatalog([]CatalogEntry{{ID: graph.ObjectID{Database: "DB", Schema: "RAW", Name: "T"}, Columns: []string{"A", "B", "C"}}})
	v := listed("DB.S.V", "CREATE VIEW V AS SELECT t.*, UPPER(b) AS ub FROM raw.t WHERE c > 0")
	v.Columns = []graph.Column{{Name: "A", Ordinal: 1, DataType: "NUMBER"}}
	a := AnalyzeView(v, "dir:/x", cat)
	if a.Failed || a.View.Status != graph.StatusOK {
		t.Fatalf("status %q (%s)", a.View.Status, a.View.Message)
	}
	if d := cmp.Diff([]string{"A", "B", "C", "UB"}, a.Columns); d != "" {
		t.Errorf("columns (-want +got):\n%s", d)
	}
	if a.View.Columns[0].DataType != "NUMBER" || a.View.Columns[3].Ordinal != 4 {
		t.Errorf("column metadata: %+v", a.View.Columns)
	}
	var edges []string
	for _, e := range a.View.Edges {
		edges = append(edges, e.From.Column+"<-"+e.To.String()+" "+string(e.Subtype))
	}
	want := []string{"A<-DB.RAW.T.A IDENTITY", "B<-DB.RAW.T.B IDENTITY", "C<-DB.RAW.T.C IDENTITY", "UB<-DB.RAW.T.B TRANSFORMATION"}
	if d := cmp.Diff(want, edges); d != "" {
		t.Errorf("edges (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]graph.Input{{Column: graph.ColumnID{Database: "DB", Schema: "RAW", Table: "T", Column: "C"}, Subtype: graph.SubtypeFilter}}, a.State.Inputs); d != "" {
		t.Errorf("inputs (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]graph.ObjectID{{Database: "DB", Schema: "RAW", Name: "T"}}, a.State.ColumnDeps); d != "" {
		t.Errorf("column deps (-want +got):\n%s", d)
	}
	if len(a.Catalog) != 1 || a.Catalog[0].ID.Name != "T" {
		t.Errorf("catalog used = %+v", a.Catalog)
	}
	// The same work with the recorded catalog gives the same view.
	again := AnalyzeView(v, "dir:/x", NewCatalog(a.Catalog))
	if d := cmp.Diff(a.View, again.View); d != "" {
		t.Errorf("re-analysis with the recorded catalog differs:\n%s", d)
	}

	// An unknown table is a dependency too: when it appears, the view is analysed again.
	u := AnalyzeView(listed("DB.S.U", "CREATE VIEW U AS SELECT x FROM other.w"), "dir:/x", cat)
	if d := cmp.Diff([]graph.ObjectID{{Database: "DB", Schema: "OTHER", Name: "W"}}, u.State.ColumnDeps); d != "" {
		t.Errorf("deps of a view over an unknown table (-want +got):\n%s", d)
	}
	if !strings.Contains(u.View.Message, "not in the catalog") {
		t.Errorf("warning about the unknown table missing: %q", u.View.Message)
	}

	broken := listed("DB.S.B", "CREATE VIEW B AS\nSELECT a,, b FROM raw.t")
	broken.Origin, broken.Line = "s/b.sql", 3
	broken.Columns = []graph.Column{{Name: "A", Ordinal: 1}}
	b := AnalyzeView(broken, "dir:/x", cat)
	if !b.Failed || b.View.Status != graph.StatusFailed || !strings.HasPrefix(b.View.Message, "s/b.sql:4:10: ") {
		t.Errorf("broken view: failed=%t status %q message %q; want failed at s/b.sql:4:10", b.Failed, b.View.Status, b.View.Message)
	}
	if len(b.View.Columns) != 1 || len(b.View.Edges) != 0 {
		t.Errorf("broken view keeps the reported columns and has no edges: %+v", b.View)
	}

	hidden := listed("DB.S.H", "")
	hidden.Hidden = true
	hidden.Columns = []graph.Column{{Name: "TOTAL", Ordinal: 1, DataType: "NUMBER"}}
	h := AnalyzeView(hidden, "dir:/x", cat)
	if h.Failed || h.View.Status != graph.StatusHidden || len(h.View.Columns) != 1 || h.Columns[0] != "TOTAL" {
		t.Errorf("hidden view: %+v", h)
	}

	// A column the catalog lacks: on a table the edge is kept, unverified, with the warning;
	// on a view (whose columns are its analysed output) it is not stored, and the note says so.
	cat.PutView(graph.ObjectID{Database: "DB", Schema: "S", Name: "V"}, []string{"A"})
	m := AnalyzeView(listed("DB.S.M", "CREATE VIEW M AS SELECT t.d, v.z FROM raw.t JOIN s.v ON v.a = t.a"), "dir:/x", cat)
	if len(m.View.Edges) != 1 || m.View.Edges[0].To.String() != "DB.RAW.T.D" || !m.View.Edges[0].Unverified {
		t.Errorf("edges over a catalog without the column: %+v", m.View.Edges)
	}
	for _, want := range []string{"column D is not in the catalog's list for table DB.RAW.T; edge kept, unverified",
		"source DB.S.V.Z of Z: view DB.S.V has no such column, not stored"} {
		if !strings.Contains(m.View.Message, want) {
			t.Errorf("message %q lacks %q", m.View.Message, want)
		}
	}
	if i := slices.IndexFunc(m.Catalog, func(e CatalogEntry) bool { return e.ID.Name == "V" }); i < 0 || !m.Catalog[i].View {
		t.Errorf("the recorded catalog does not keep V as a view: %+v", m.Catalog)
	}

	notView := AnalyzeView(listed("DB.S.N", "SELECT 1 AS x"), "dir:/x", cat)
	if notView.View.Status != graph.StatusFailed {
		t.Errorf("a SELECT listed as a view: status %q", notView.View.Status)
	}
}

func TestTopoOrder(t *testing.T) {
	id := func(n string) graph.ObjectID { return graph.ObjectID{Database: "D", Schema: "S", Name: n} }
	views := []ListedView{{ID: id("A")}, {ID: id("B")}, {ID: id("C")}, {ID: id("X")}, {ID: id("Y")}}
	deps := map[graph.ObjectID][]graph.ObjectID{
		id("A"): {id("B"), {Database: "D", Schema: "RAW", Name: "T"}},
		id("B"): {id("C")},
		id("X"): {id("Y")},
		id("Y"): {id("X")}, // a cycle: kept, after the others
	}
	var got []string
	for _, i := range topoOrder(views, deps) {
		got = append(got, views[i].ID.Name)
	}
	if d := cmp.Diff([]string{"C", "B", "A", "X", "Y"}, got); d != "" {
		t.Errorf("order (-want +got):\n%s", d)
	}
}

// memGraph is an in-memory Graph for planning tests.
type memGraph struct {
	views  map[graph.ObjectID]graph.StoredView
	tables map[graph.ObjectID]graph.StoredTable
}

func (m *memGraph) ReplaceViewsLineage(_ context.Context, views []graph.View, states []graph.ViewState) error {
	for i, v := range views {
		sv := graph.StoredView{ID: v.ID, Source: states[i].Source, Version: states[i].Version, Status: v.Status,
			LastAltered: v.LastAltered, ColumnDeps: states[i].ColumnDeps}
		for _, c := range v.Columns {
			sv.Columns = append(sv.Columns, c.Name)
		}
		m.views[v.ID] = sv
	}
	return nil
}

func (m *memGraph) DeleteView(_ context.Context, id graph.ObjectID) error {
	delete(m.views, id)
	return nil
}

func (m *memGraph) UpsertTables(_ context.Context, ts []graph.Table) error {
	for _, t := range ts {
		m.tables[t.ID] = graph.StoredTable{ID: t.ID, Columns: t.Columns}
	}
	return nil
}

func (m *memGraph) ViewStates(_ context.Context, source string, ids []graph.ObjectID) ([]graph.StoredView, error) {
	var out []graph.StoredView
	for _, v := range m.views {
		if v.Source == source || slices.Contains(ids, v.ID) {
			out = append(out, v)
		}
	}
	return out, nil
}

func (m *memGraph) TableStates(_ context.Context, ids []graph.ObjectID) ([]graph.StoredTable, error) {
	var out []graph.StoredTable
	for _, id := range ids {
		if t, ok := m.tables[id]; ok {
			out = append(out, t)
		}
	}
	return out, nil
}

type memSource struct{ l Listing }

func (s *memSource) Name() string                           { return "mem" }
func (s *memSource) List(context.Context) (*Listing, error) { l := s.l; return &l, nil }

func planNames(p *Plan) (analyze []string, reasons map[string]string) {
	reasons = map[string]string{}
	for _, w := range p.Analyze {
		analyze = append(analyze, w.View.ID.Name)
	}
	for _, c := range p.Changes {
		reasons[c.View.Name] = c.Kind
	}
	return analyze, reasons
}

// Planning follows column-list changes downstream, in dependency order, and nothing else.
func TestPlanFollowsColumnChanges(t *testing.T) {
	ctx := context.Background()
	g := &memGraph{views: map[graph.ObjectID]graph.StoredView{}, tables: map[graph.ObjectID]graph.StoredTable{}}
	r := NewRunner(g, nil, nil)
	src := &memSource{l: Listing{
		Tables: []graph.Table{{ID: graph.ObjectID{Database: "D", Schema: "RAW", Name: "T"}, Columns: []graph.Column{{Name: "A", Ordinal: 1}, {Name: "B", Ordinal: 2}}}},
		Views: []ListedView{ // listed out of dependency order on purpose
			listed("D.S.TOP", "CREATE VIEW TOP AS SELECT * FROM s.mid"),
			listed("D.S.MID", "CREATE VIEW MID AS SELECT * FROM s.base"),
			listed("D.S.BASE", "CREATE VIEW BASE AS SELECT a FROM raw.t"),
			listed("D.S.SIDE", "CREATE VIEW SIDE AS SELECT b FROM raw.t"),
		},
	}}
	p, err := r.RunInline(ctx, src, false, "")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := planNames(p)
	if d := cmp.Diff([]string{"BASE", "SIDE", "MID", "TOP"}, got); d != "" {
		t.Errorf("first plan order (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"A"}, g.views[graph.ObjectID{Database: "D", Schema: "S", Name: "TOP"}].Columns); d != "" {
		t.Errorf("TOP's star over MID over BASE (-want +got):\n%s", d)
	}

	// Same text, new LAST_ALTERED: only BASE, its columns stay, nothing follows.
	src.l.Views[2].LastAltered = src.l.Views[2].LastAltered.Add(1)
	p, _ = r.RunInline(ctx, src, false, "")
	got, reasons := planNames(p)
	if d := cmp.Diff([]string{"BASE"}, got); d != "" || reasons["BASE"] != ChangeModified {
		t.Errorf("after touching BASE: %v %v", got, reasons)
	}

	// BASE gains a column: MID and TOP (stars) follow; SIDE does not read BASE.
	src.l.Views[2].Text = "CREATE VIEW BASE AS SELECT a, b FROM raw.t"
	p, _ = r.RunInline(ctx, src, false, "")
	got, reasons = planNames(p)
	if d := cmp.Diff([]string{"BASE", "MID", "TOP"}, got); d != "" {
		t.Errorf("after adding a column to BASE (-want +got):\n%s", d)
	}
	if reasons["BASE"] != ChangeModified || reasons["MID"] != ChangeDependency || reasons["TOP"] != ChangeDependency {
		t.Errorf("reasons = %v", reasons)
	}
	if d := cmp.Diff([]string{"A", "B"}, g.views[graph.ObjectID{Database: "D", Schema: "S", Name: "TOP"}].Columns); d != "" {
		t.Errorf("TOP after the change (-want +got):\n%s", d)
	}

	// The base table changes: every view reading its columns follows.
	src.l.Tables[0].Columns = append(src.l.Tables[0].Columns, graph.Column{Name: "C", Ordinal: 3})
	p, _ = r.RunInline(ctx, src, false, "")
	got, _ = planNames(p)
	if d := cmp.Diff([]string{"BASE", "SIDE"}, got); d != "" || len(p.Tables) != 1 {
		t.Errorf("after a table change (-want +got):\n%s (tables %d)", d, len(p.Tables))
	}

	// MID is dropped: TOP reads a vanished relation and is analysed again.
	src.l.Views = slices.Delete(src.l.Views, 1, 2)
	p, _ = r.RunInline(ctx, src, false, "")
	got, reasons = planNames(p)
	if d := cmp.Diff([]string{"TOP"}, got); d != "" || reasons["MID"] != ChangeDropped || len(p.Drop) != 1 {
		t.Errorf("after dropping MID: analyse %v, changes %v, drop %v", got, reasons, p.Drop)
	}

	// Full: everything, unchanged or not.
	p, _ = r.RunInline(ctx, src, true, "")
	if len(p.Analyze) != 3 || p.Unchanged != 0 {
		t.Errorf("full refresh: %d analysed, %d unchanged", len(p.Analyze), p.Unchanged)
	}
	// Nothing changed: nothing to do.
	p, _ = r.RunInline(ctx, src, false, "")
	if len(p.Analyze) != 0 || len(p.Tables) != 0 || len(p.Drop) != 0 || p.Unchanged != 3 {
		t.Errorf("idle refresh: %+v", p)
	}
}

// The listing scans each file (sql.ScanScript) instead of parsing it: a statement that starts
// like a CREATE VIEW is listed even when it does not parse, and the relations it reads, which
// order the analyses, are known without a parse, also when the rest does not parse.
func TestDirSourceListScans(t *testing.T) {
	for _, tc := range []struct{ text, want, refs string }{
		{"CREATE VIEW a.b AS SELECT (", "DB.A.B", ""},
		{"create or replace secure view if not exists \"x y\".z(c1) as select", `DB."x y".Z`, ""},
		{"CREATE MATERIALIZED VIEW db.s.v\nAS SELECT", "DB.S.V", ""},
		{"/* leading */ CREATE VIEW v AS SELECT x FROM t, s.u JOIN v2 ON WHERE", "DB.PUBLIC.V", "DB.PUBLIC.T DB.PUBLIC.V2 DB.S.U"},
		{"CREATE TABLE t AS SELECT 1 AS view", "", ""},
		{"CREATE VIEW", "", ""},
		{"SELECT 1", "", ""},
	} {
		fsys := fstest.MapFS{"v.sql": {Data: []byte(tc.text)}}
		l, err := (&DirSource{root: "test", fsys: fsys, opts: DirOptions{DefaultDatabase: "DB"}}).List(context.Background())
		if err != nil {
			t.Fatalf("%q: %v", tc.text, err)
		}
		got, refs := "", ""
		if len(l.Views) == 1 {
			got = l.Views[0].ID.String()
			var ids []string
			for _, id := range references(l.Views[0]) {
				ids = append(ids, id.String())
			}
			refs = strings.Join(ids, " ")
		}
		if len(l.Views) > 1 || got != tc.want || refs != tc.refs {
			t.Errorf("%q: listed %d views, %q reading %q; want %q reading %q", tc.text, len(l.Views), got, refs, tc.want, tc.refs)
		}
	}
}

func TestEdgeExpressions(t *testing.T) {
	cat := NewCatalog([]CatalogEntry{{ID: graph.ObjectID{Database: "DB", Schema: "RAW", Name: "T"}, Columns: []string{"A", "B", "C"}}})
	text := "CREATE VIEW V AS SELECT\n  a,\n  UPPER(b) AS ub, -- shout\n  -- the sum\n  a + c total,\n  CASE WHEN c > 0 THEN a END\nFROM raw.t"
	a := AnalyzeView(listed("DB.S.V", text), "dir:/x", cat)
	got := map[string]string{}
	for _, e := range a.View.Edges {
		got[e.From.Column+"<-"+e.To.Column] = e.Expression
	}
	want := map[string]string{
		"A<-A":     "",
		"UB<-B":    "UPPER(b)",
		"TOTAL<-A": "a + c",
		"TOTAL<-C": "a + c",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("expression of %s = %q, want %q", k, got[k], w)
		}
	}
	for k, e := range got {
		if strings.HasPrefix(k, a.Columns[3]+"<-") && e != "CASE WHEN c > 0 THEN a END" {
			t.Errorf("expression of %s = %q", k, e)
		}
	}
	// Stars: positions are unknown, no expressions.
	s := AnalyzeView(listed("DB.S.W", "CREATE VIEW W AS SELECT *, a + 1 AS a1 FROM raw.t"), "dir:/x", cat)
	for _, e := range s.View.Edges {
		if e.Expression != "" {
			t.Errorf("star view edge %s has expression %q", e.From, e.Expression)
		}
	}
}

// Views in a dependency cycle get the shortest cycle through them; views that only read a
// cycle, and views reading themselves, get none.
func TestCycles(t *testing.T) {
	id := func(n string) graph.ObjectID { return graph.ObjectID{Database: "D", Schema: "S", Name: n} }
	var views []ListedView
	for _, n := range []string{"A", "B", "C", "R", "SELF", "X"} {
		views = append(views, ListedView{ID: id(n)})
	}
	deps := map[graph.ObjectID][]graph.ObjectID{
		id("A"):    {id("B")},
		id("B"):    {id("C"), id("T")}, // T: a table, not listed
		id("C"):    {id("A")},
		id("R"):    {id("A")},
		id("SELF"): {id("SELF")},
	}
	got := cycles(views, deps)
	want := map[graph.ObjectID][]graph.ObjectID{
		id("A"): {id("A"), id("B"), id("C"), id("A")},
		id("B"): {id("B"), id("C"), id("A"), id("B")},
		id("C"): {id("C"), id("A"), id("B"), id("C")},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("cycles (-want +got):\n%s", d)
	}
	if msg := cycleMessage(want[id("A")]); msg != "dependency cycle: D.S.A reads D.S.B reads D.S.C reads D.S.A; the views of a cycle cannot all see each other's columns" {
		t.Errorf("message %q", msg)
	}
}

// A refresh analyses each view once: the listing keeps the names each view reads (so planning
// orders the views without parsing them again), planning analyses each view and hands the
// analysis on in the work of its batch, and that analysis is what analysing the view again at
// write time would give, also after the JSON round trip an analyze task makes.
func TestPlanKeepsTheAnalysisItWrites(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"raw.sql":      "CREATE VIEW D.S.BASE AS SELECT a, b + 1 AS b FROM d.raw.t WHERE a > 0",
		"mid.sql":      "CREATE VIEW D.S.MID AS SELECT * FROM d.s.base",
		"two.sql":      "CREATE VIEW D.S.X AS SELECT a FROM d.s.y;\nCREATE VIEW D.S.Y AS SELECT a FROM d.s.x",
		"bad.sql":      "CREATE VIEW D.S.BAD AS SELECT FROM",
		"star.sql":     "CREATE VIEW D.S.TOP AS SELECT m.*, nope FROM d.s.mid m JOIN d.raw.t r ON r.a = m.a",
		"catalog.json": `{"D.RAW.T": ["A", "B"]}`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := NewDirSource(dir, DirOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := src.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range l.Views {
		fresh := v
		fresh.names, fresh.named = nil, false
		if !v.named || !slices.Equal(references(v), references(fresh)) {
			t.Errorf("listed %s: names kept %v, references %v, want those of a parse %v", v.ID, v.named, references(v), references(fresh))
		}
	}
	g := &memGraph{views: map[graph.ObjectID]graph.StoredView{}, tables: map[graph.ObjectID]graph.StoredTable{}}
	var handed []ViewWork
	var sizes []int
	p, err := planListing(context.Background(), src.Name(), l, g, false, planStream{size: 4, batch: func(work []ViewWork) error {
		handed, sizes = append(handed, work...), append(sizes, len(work))
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Analyze) != 6 || !slices.Equal(sizes, []int{4, 2}) {
		t.Fatalf("%d views to analyse in batches of %v, want 6 in 4 and 2", len(p.Analyze), sizes)
	}
	for i, w := range handed {
		if w.Analysis == nil {
			t.Fatalf("work for %s: no analysis handed on", w.View.ID)
		}
		if p.Analyze[i].View.ID != w.View.ID || p.Analyze[i].Analysis != nil {
			t.Errorf("plan's view %d: %s with analysis %v; want %s without (the batch took it)", i, p.Analyze[i].View.ID,
				p.Analyze[i].Analysis != nil, w.View.ID)
		}
		again := ViewWork{View: w.View, Catalog: w.Catalog, Cycle: w.Cycle}.analysis(src.Name())
		if d := cmp.Diff(again, *w.Analysis); d != "" {
			t.Errorf("%s: kept analysis differs from a fresh one (-fresh +kept):\n%s", w.View.ID, d)
		}
		b, err := json.Marshal(w)
		if err != nil {
			t.Fatal(err)
		}
		var back ViewWork
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(again, back.analysis(src.Name()), cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s: analysis after the task's JSON round trip (-fresh +carried):\n%s", w.View.ID, d)
		}
	}
}
