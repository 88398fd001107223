package graph

import (
	"context"
	"slices"
	"testing"
	"time"
)

// upstreamEdges returns the edges out of column c as "origin/statement -> to" strings, sorted.
func upstreamEdges(t *testing.T, s *Store, c ColumnID) []string {
	t.Helper()
	sg, err := s.Upstream(context.Background(), c, 1)
	if err != nil {
		t.Fatalf("upstream %s: %v", c, err)
	}
	var out []string
	for _, e := range sg.Edges {
		if e.From == c {
			out = append(out, string(e.Origin)+"/"+e.Statement+" -> "+e.To.Column+" "+string(e.Subtype))
		}
	}
	slices.Sort(out)
	return out
}

// Three statements writing one table accumulate their edges; writing one of them again
// replaces only its own; a view definition reading the table and the table's own statements
// stay apart; expiry removes the statements not seen since the cut-off with their edges.
func TestStatementLineageAccumulatesAndExpires(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	db := testDB(t)
	target := obj(db, "ETL", "ORDERS")
	raw := func(name string) ColumnID { return col(db, "RAW", "SRC", name) }
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	stmt := func(hash string, from string, seen time.Time) StatementLineage {
		return StatementLineage{Origin: OriginQueryHistory, Source: "querylog:" + db, Statement: db + hash, Target: target, Seen: seen,
			Text:  "insert into etl.orders select " + from + " from raw.src",
			Edges: []Edge{edge(target.Column("AMOUNT"), raw(from), EdgeDirect, SubtypeIdentity)}}
	}
	batch := []StatementLineage{stmt("h1", "A", day), stmt("h2", "B", day), stmt("h3", "C", day.Add(48*time.Hour))}
	changes, err := s.WriteStatements(ctx, batch, func(c []ViewChange) ([]ChangeEvent, error) { return nil, nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].Existed || len(changes[0].EdgesAdded) != 3 || !slices.Equal(changes[0].ColumnsAdded, []string{"AMOUNT"}) {
		t.Fatalf("changes of the first write: %+v", changes)
	}
	want := []string{"query_history/" + db + "h1 -> A IDENTITY", "query_history/" + db + "h2 -> B IDENTITY", "query_history/" + db + "h3 -> C IDENTITY"}
	if got := upstreamEdges(t, s, target.Column("AMOUNT")); !slices.Equal(got, want) {
		t.Fatalf("after three statements: %v, want %v", got, want)
	}

	// h2 again with another source: only h2's edge changes.
	again := stmt("h2", "D", day.Add(24*time.Hour))
	changes, err = s.WriteStatements(ctx, []StatementLineage{again}, func(c []ViewChange) ([]ChangeEvent, error) { return nil, nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || !changes[0].Existed || len(changes[0].EdgesAdded) != 1 || len(changes[0].EdgesRemoved) != 1 ||
		changes[0].EdgesRemoved[0].To != raw("B") {
		t.Fatalf("changes of the rewrite: %+v", changes)
	}
	want = []string{"query_history/" + db + "h1 -> A IDENTITY", "query_history/" + db + "h2 -> D IDENTITY", "query_history/" + db + "h3 -> C IDENTITY"}
	if got := upstreamEdges(t, s, target.Column("AMOUNT")); !slices.Equal(got, want) {
		t.Fatalf("after rewriting h2: %v, want %v", got, want)
	}
	d, err := s.DatasetDetail(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != KindTable || d.Placeholder {
		t.Errorf("target kind %q placeholder %v, want a table", d.Kind, d.Placeholder)
	}

	// A view reading the table is written and rewritten: the table's statement edges stay.
	view := View{ID: obj(db, "MART", "V"), Definition: "create view mart.v as select amount from etl.orders", Status: StatusOK,
		Columns: []Column{{Name: "AMOUNT", Ordinal: 1}},
		Edges:   []Edge{edge(obj(db, "MART", "V").Column("AMOUNT"), target.Column("AMOUNT"), EdgeDirect, SubtypeIdentity)}}
	mustReplace(t, s, view)
	mustReplace(t, s, view)
	if got := upstreamEdges(t, s, target.Column("AMOUNT")); !slices.Equal(got, want) {
		t.Fatalf("after a view reading it: %v, want %v", got, want)
	}
	if got := upstreamEdges(t, s, view.ID.Column("AMOUNT")); !slices.Equal(got, []string{"view/" + view.ID.String() + " -> AMOUNT IDENTITY"}) {
		t.Errorf("view edge: %v", got)
	}

	// Seen, touched, expired.
	seen, err := s.SeenStatements(ctx, []string{StatementKey(OriginQueryHistory, db+"h1"), StatementKey(OriginQueryHistory, db+"nope")})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || !seen[StatementKey(OriginQueryHistory, db+"h1")].Equal(day) {
		t.Fatalf("seen: %v", seen)
	}
	if n, err := s.TouchStatements(ctx, []string{StatementKey(OriginQueryHistory, db+"h1")}, day.Add(72*time.Hour)); err != nil || n != 1 {
		t.Fatalf("touch: %d, %v", n, err)
	}
	// h2 was last seen on day+1: the cut-off at day+2 removes it and nothing else of this test.
	n, err := s.ExpireStatements(ctx, OriginQueryHistory, "querylog:"+db, day.Add(47*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("expired %d statements, want h2", n)
	}
	want = []string{"query_history/" + db + "h1 -> A IDENTITY", "query_history/" + db + "h3 -> C IDENTITY"}
	if got := upstreamEdges(t, s, target.Column("AMOUNT")); !slices.Equal(got, want) {
		t.Fatalf("after expiry: %v, want %v", got, want)
	}
}

// A dataset defined by a dbt model keeps its kind and metadata, is not demoted by a catalog
// that lists it as a table, and a statement writing into it adds edges its next definition
// write leaves alone.
func TestDefinedDatasetKindsAndMeta(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	db := testDB(t)
	id := obj(db, "MARTS", "ORDERS")
	src := col(db, "RAW", "ORDERS", "ID")
	model := View{ID: id, Kind: KindTable, Origin: OriginDBT, Status: StatusOK,
		Definition: "create or replace table marts.orders as select id from raw.orders",
		Meta:       Meta{UniqueID: "model.shop.orders", Tags: []string{"finance"}, Owner: "ana", Materialization: "table", Path: "models/orders.sql"},
		Columns:    []Column{{Name: "ID", Ordinal: 1}},
		Edges:      []Edge{edge(id.Column("ID"), src, EdgeDirect, SubtypeIdentity)}}
	mustReplace(t, s, model)
	if err := s.UpsertTables(ctx, []Table{{ID: id, Columns: []Column{{Name: "ID", Ordinal: 1, DataType: "NUMBER"}}}}); err != nil {
		t.Fatal(err)
	}
	d, err := s.DatasetDetail(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != KindTable || d.DefinedBy != OriginDBT || d.Meta.UniqueID != "model.shop.orders" || !slices.Equal(d.Meta.Tags, []string{"finance"}) || d.Definition == "" {
		t.Fatalf("detail after a catalog listing it: kind %q definedBy %q meta %+v definition %q", d.Kind, d.DefinedBy, d.Meta, d.Definition)
	}
	if got := upstreamEdges(t, s, id.Column("ID")); !slices.Equal(got, []string{"dbt/model.shop.orders -> ID IDENTITY"}) {
		t.Fatalf("model edges: %v", got)
	}
	st := StatementLineage{Origin: OriginOpenLineage, Source: "openlineage", Statement: db + "/load_orders", Run: "r1", Target: id, Seen: time.Now(),
		Edges: []Edge{edge(id.Column("ID"), col(db, "RAW", "ORDERS2", "ID"), EdgeDirect, SubtypeIdentity)}}
	if _, err := s.WriteStatements(ctx, []StatementLineage{st}, nil); err != nil {
		t.Fatal(err)
	}
	model.Meta.Description = "orders"
	mustReplace(t, s, model)
	want := []string{"dbt/model.shop.orders -> ID IDENTITY", "openlineage/" + db + "/load_orders -> ID IDENTITY"}
	if got := upstreamEdges(t, s, id.Column("ID")); !slices.Equal(got, want) {
		t.Fatalf("after the model's rewrite: %v, want %v", got, want)
	}
	labels, _, _ := labelsOf(t, s, id)
	if !slices.Contains(labels, "DbtModel") || slices.Contains(labels, "Table") {
		t.Errorf("labels %v, want DbtModel and no Table", labels)
	}
}
