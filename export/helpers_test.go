package export

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// newStore connects to the real Neo4j through graphtest and fails the test when it does not
// answer.
func newStore(tb testing.TB) *graph.Store {
	tb.Helper()
	return graphtest.Store(tb, graph.NewStore)
}

// testDB returns a database name no other test uses and removes its data after the test.
func testDB(tb testing.TB, s *graph.Store, prefix string) string {
	tb.Helper()
	return graphtest.Database(tb, s, prefix)
}

func cid(t testing.TB, s string) graph.ColumnID {
	t.Helper()
	c, err := graph.ParseColumnID(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func oid(t testing.TB, s string) graph.ObjectID {
	t.Helper()
	o, err := graph.ParseObjectID(s)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// buildShop writes a small warehouse under database db:
//
//	RAW.ORDERS(ID, CUSTOMER_ID, AMOUNT), RAW.CUSTOMERS(ID, NAME)   tables
//	MART.ORDER_TOTALS(CUSTOMER_ID, NAME, TOTAL)                     view: join + sum
//	MART.TOP_CUSTOMERS(NAME, TOTAL)                                 view over ORDER_TOTALS
//	MART.LEGACY(CODE)                                               view over an unknown table (placeholder)
//	MART.BROKEN                                                     failed view
func buildShop(t testing.TB, s *graph.Store, db string) {
	t.Helper()
	ctx := context.Background()
	err := s.UpsertTables(ctx, []graph.Table{
		{ID: oid(t, db+".RAW.ORDERS"), Columns: []graph.Column{{Name: "ID", Ordinal: 1, DataType: "NUMBER"}, {Name: "CUSTOMER_ID", Ordinal: 2, DataType: "NUMBER"}, {Name: "AMOUNT", Ordinal: 3, DataType: "NUMBER(12,2)"}}},
		{ID: oid(t, db+".RAW.CUSTOMERS"), Columns: []graph.Column{{Name: "ID", Ordinal: 1, DataType: "NUMBER"}, {Name: "NAME", Ordinal: 2, DataType: "TEXT"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	totals := oid(t, db+".MART.ORDER_TOTALS")
	e := func(from, to string, typ graph.EdgeType, sub graph.Subtype, expr string) graph.Edge {
		return graph.Edge{From: cid(t, from), To: cid(t, to), Type: typ, Subtype: sub, Expression: expr}
	}
	views := []graph.View{
		{ID: totals, Status: graph.StatusOK,
			Definition:  "CREATE VIEW MART.ORDER_TOTALS AS SELECT o.CUSTOMER_ID, c.NAME, SUM(o.AMOUNT) AS TOTAL FROM RAW.ORDERS o JOIN RAW.CUSTOMERS c ON c.ID = o.CUSTOMER_ID GROUP BY 1, 2",
			LastAltered: time.Date(2026, 11, 1, 8, 30, 0, 0, time.UTC),
			Columns:     []graph.Column{{Name: "CUSTOMER_ID", Ordinal: 1, DataType: "NUMBER"}, {Name: "NAME", Ordinal: 2, DataType: "TEXT"}, {Name: "TOTAL", Ordinal: 3, DataType: "NUMBER(38,2)"}},
			Edges: []graph.Edge{
				e(db+".MART.ORDER_TOTALS.CUSTOMER_ID", db+".RAW.ORDERS.CUSTOMER_ID", graph.EdgeDirect, graph.SubtypeIdentity, ""),
				e(db+".MART.ORDER_TOTALS.NAME", db+".RAW.CUSTOMERS.NAME", graph.EdgeDirect, graph.SubtypeIdentity, ""),
				e(db+".MART.ORDER_TOTALS.TOTAL", db+".RAW.ORDERS.AMOUNT", graph.EdgeDirect, graph.SubtypeAggregation, "SUM(o.AMOUNT)"),
			}},
		{ID: oid(t, db+".MART.TOP_CUSTOMERS"), Status: graph.StatusOK,
			Definition: "CREATE VIEW MART.TOP_CUSTOMERS AS SELECT NAME, TOTAL FROM MART.ORDER_TOTALS WHERE TOTAL > 1000",
			Columns:    []graph.Column{{Name: "NAME", Ordinal: 1, DataType: "TEXT"}, {Name: "TOTAL", Ordinal: 2}},
			Edges: []graph.Edge{
				e(db+".MART.TOP_CUSTOMERS.NAME", db+".MART.ORDER_TOTALS.NAME", graph.EdgeDirect, graph.SubtypeIdentity, ""),
				e(db+".MART.TOP_CUSTOMERS.TOTAL", db+".MART.ORDER_TOTALS.TOTAL", graph.EdgeDirect, graph.SubtypeIdentity, ""),
				e(db+".MART.TOP_CUSTOMERS.NAME", db+".MART.ORDER_TOTALS.TOTAL", graph.EdgeIndirect, graph.SubtypeFilter, "TOTAL > 1000"),
				e(db+".MART.TOP_CUSTOMERS.TOTAL", db+".MART.ORDER_TOTALS.TOTAL", graph.EdgeIndirect, graph.SubtypeFilter, "TOTAL > 1000"),
			}},
		{ID: oid(t, db+".MART.LEGACY"), Status: graph.StatusOK,
			Definition: "CREATE VIEW MART.LEGACY AS SELECT SHA2(CODE) AS CODE FROM OLD.CODES",
			Columns:    []graph.Column{{Name: "CODE", Ordinal: 1}},
			Edges: []graph.Edge{{From: cid(t, db+".MART.LEGACY.CODE"), To: cid(t, db+".OLD.CODES.CODE"), Type: graph.EdgeDirect,
				Subtype: graph.SubtypeTransformation, Expression: "SHA2(CODE)", Masking: true, Unverified: true}}},
		{ID: oid(t, db+".MART.BROKEN"), Status: graph.StatusFailed, Definition: "CREATE VIEW MART.BROKEN AS SELEC 1",
			Message: "line 1, col 32: syntax error"},
	}
	states := []graph.ViewState{{ID: totals, Source: "dir:/test/shop", Version: "v1",
		ColumnDeps: []graph.ObjectID{oid(t, db+".RAW.ORDERS")},
		Inputs: []graph.Input{{Column: cid(t, db+".RAW.CUSTOMERS.ID"), Subtype: graph.SubtypeJoin},
			{Column: cid(t, db+".RAW.ORDERS.CUSTOMER_ID"), Subtype: graph.SubtypeJoin}}},
		// Recorded with no dependencies: stored as an empty list, which must survive a round trip.
		{ID: oid(t, db+".MART.TOP_CUSTOMERS"), Source: "dir:/test/shop", Version: "v2"}}
	// The first two views come with ingestion states, the others (written by an import, say)
	// without.
	if err := s.ReplaceViewsLineage(ctx, views[:2], states); err != nil {
		t.Fatal(err)
	}
	if err := s.ReplaceViewsLineage(ctx, views[2:], nil); err != nil {
		t.Fatal(err)
	}
}

// dump is the canonical dump of database db with db replaced by "DB", so two databases built
// the same way compare equal.
func dump(t testing.TB, s *graph.Store, db string) []string {
	t.Helper()
	lines, err := graphtest.Dump(context.Background(), graphtest.Driver(t), []string{db})
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range lines {
		lines[i] = strings.ReplaceAll(l, db, "DB")
	}
	return lines
}

// records are the export records (Record) of every dataset of database db as JSON, with db
// replaced by "DB" and the import's own traces (updatedAt, origin of the import) left out, so
// a database and its import under another name compare equal.
func records(t testing.TB, s *graph.Store, db string) []string {
	t.Helper()
	var out []string
	err := s.ExportDatasets(context.Background(), graph.ExportFilter{Databases: []string{db}}, 0, func(page []graph.ExportDataset) error {
		for _, d := range page {
			d.UpdatedAt, d.Origin = time.Time{}, "" // the import's time and format
			b, err := json.Marshal(Record(d))
			if err != nil {
				return err
			}
			out = append(out, strings.ReplaceAll(string(b), db, "DB"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
