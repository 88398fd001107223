package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/ingest/snowflake"
	"github.com/tributary-lineage/tributary/internal/graphtest"
	"github.com/tributary-lineage/tributary/internal/snowflaketest"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

var day0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

func coldefs(spec ...string) []snowflaketest.ColumnDef {
	out := make([]snowflaketest.ColumnDef, len(spec))
	for i, s := range spec {
		name, typ, _ := strings.Cut(s, ":")
		out[i] = snowflaketest.ColumnDef{Name: name, Type: typ, Nullable: true}
	}
	return out
}

// snowflakeFixture is a small layered warehouse in database db: two raw tables, two staging
// views (one a star over a table), two marts (one a star over a view, one an aggregate), a
// hidden secure view and a view with a syntax error.
func snowflakeFixture(db string) *snowflaketest.Warehouse {
	w := &snowflaketest.Warehouse{}
	w.PutTable(db, "RAW", snowflaketest.Table{Name: "ORDERS", Columns: coldefs("ID:NUMBER", "CUSTOMER_ID:NUMBER", "AMOUNT:NUMBER", "STATUS:TEXT")})
	w.PutTable(db, "RAW", snowflaketest.Table{Name: "CUSTOMERS", Columns: coldefs("ID:NUMBER", "NAME:TEXT", "EMAIL:TEXT")})
	w.PutView(db, "STAGING", snowflaketest.View{Name: "STG_ORDERS",
		Text:    "CREATE VIEW STG_ORDERS AS SELECT id, customer_id, amount, status FROM raw.orders WHERE status <> 'test'",
		Created: day0, LastAltered: day0, Columns: coldefs("ID:NUMBER", "CUSTOMER_ID:NUMBER", "AMOUNT:NUMBER", "STATUS:TEXT")})
	w.PutView(db, "STAGING", snowflaketest.View{Name: "STG_CUSTOMERS",
		Text:    "CREATE VIEW STG_CUSTOMERS AS SELECT * FROM raw.customers",
		Created: day0, LastAltered: day0, Columns: coldefs("ID:NUMBER", "NAME:TEXT", "EMAIL:TEXT")})
	w.PutView(db, "MARTS", snowflaketest.View{Name: "CUSTOMER_ORDERS",
		Text:    "CREATE VIEW CUSTOMER_ORDERS AS SELECT o.*, c.name FROM staging.stg_orders o JOIN staging.stg_customers c ON c.id = o.customer_id",
		Created: day0, LastAltered: day0, Columns: coldefs("ID:NUMBER", "CUSTOMER_ID:NUMBER", "AMOUNT:NUMBER", "STATUS:TEXT", "NAME:TEXT")})
	w.PutView(db, "MARTS", snowflaketest.View{Name: "ORDER_TOTALS",
		Text:    "CREATE VIEW ORDER_TOTALS AS SELECT customer_id, SUM(amount) AS total FROM staging.stg_orders GROUP BY customer_id",
		Created: day0, LastAltered: day0, Columns: coldefs("CUSTOMER_ID:NUMBER", "TOTAL:NUMBER")})
	w.PutView(db, "MARTS", snowflaketest.View{Name: "REVENUE_SECURE", Secure: true, Hidden: true,
		Text:    "CREATE SECURE VIEW REVENUE_SECURE AS SELECT SUM(amount) AS total FROM staging.stg_orders",
		Created: day0, LastAltered: day0, Columns: coldefs("TOTAL:NUMBER")})
	w.PutView(db, "MARTS", snowflaketest.View{Name: "BROKEN",
		Text:    "CREATE VIEW BROKEN AS SELECT id,, amount FROM staging.stg_orders",
		Created: day0, LastAltered: day0, Columns: coldefs("ID:NUMBER", "AMOUNT:NUMBER")})
	return w
}

// lineageOf renders a view's columns as "NAME TYPE <- SOURCE TYPE/SUBTYPE" lines.
func lineageOf(t *testing.T, s *graph.Store, id graph.ObjectID) (status string, lines []string) {
	t.Helper()
	d, err := s.ViewDetail(context.Background(), id)
	if err != nil {
		t.Fatalf("view %s: %v", id, err)
	}
	for _, c := range d.Columns {
		if len(c.Sources) == 0 {
			lines = append(lines, fmt.Sprintf("%s %s", c.Name, c.DataType))
		}
		for _, src := range c.Sources {
			lines = append(lines, fmt.Sprintf("%s %s <- %s %s/%s", c.Name, c.DataType, src.Column, src.Type, src.Subtype))
		}
	}
	slices.Sort(lines)
	return d.Status, lines
}

func TestSnowflakeRefresh(t *testing.T) {
	ctx := context.Background()
	db := unique(t, "TS_")
	srv := snowflaketest.New(t, snowflaketest.WithWarehouse(snowflakeFixture(db)))
	source := "snowflake:" + unique(t, "acct")
	open := func(ctx context.Context, p ingest.RefreshPayload) (ingest.Source, func() error, error) {
		sf, err := snowflake.OpenConfig(srv.Config(), snowflake.Config{IncludeDatabases: []string{db}}, nil)
		if err != nil {
			return nil, nil, err
		}
		return ingest.NewSnowflakeSource(sf, strings.TrimPrefix(source, "snowflake:")), sf.Close, nil
	}
	store := newStore(t)
	dropAfter(t, store, db)
	g := newCounting(store)
	h := newHarness(t, g, open)
	h.startWorker(2, 5*time.Second)
	obj := func(schema, name string) graph.ObjectID {
		return graph.ObjectID{Database: db, Schema: schema, Name: name}
	}
	col := func(schema, table, name string) string {
		return graph.ColumnID{Database: db, Schema: schema, Table: table, Column: name}.String()
	}

	// 1. The first refresh builds the graph.
	job := h.wait(h.refresh(ingest.RefreshPayload{Source: "snowflake"}), time.Minute)
	if job.State != ingest.JobDone || job.Total != 6 || job.Done != 5 || job.Failed != 1 || job.Tables != 2 {
		t.Fatalf("first refresh: %+v; want done, 6 views (1 failed), 2 tables", job)
	}
	if len(job.Errors) != 1 || !strings.Contains(job.Errors[0], "1:33:") {
		t.Errorf("job errors = %q, want the syntax error of BROKEN at 1:33", job.Errors)
	}
	want := map[graph.ObjectID][]string{
		obj("STAGING", "STG_ORDERS"): {
			"AMOUNT NUMBER <- " + col("RAW", "ORDERS", "AMOUNT") + " DIRECT/IDENTITY",
			"CUSTOMER_ID NUMBER <- " + col("RAW", "ORDERS", "CUSTOMER_ID") + " DIRECT/IDENTITY",
			"ID NUMBER <- " + col("RAW", "ORDERS", "ID") + " DIRECT/IDENTITY",
			"STATUS TEXT <- " + col("RAW", "ORDERS", "STATUS") + " DIRECT/IDENTITY",
		},
		obj("STAGING", "STG_CUSTOMERS"): {
			"EMAIL TEXT <- " + col("RAW", "CUSTOMERS", "EMAIL") + " DIRECT/IDENTITY",
			"ID NUMBER <- " + col("RAW", "CUSTOMERS", "ID") + " DIRECT/IDENTITY",
			"NAME TEXT <- " + col("RAW", "CUSTOMERS", "NAME") + " DIRECT/IDENTITY",
		},
		obj("MARTS", "CUSTOMER_ORDERS"): {
			"AMOUNT NUMBER <- " + col("STAGING", "STG_ORDERS", "AMOUNT") + " DIRECT/IDENTITY",
			"CUSTOMER_ID NUMBER <- " + col("STAGING", "STG_ORDERS", "CUSTOMER_ID") + " DIRECT/IDENTITY",
			"ID NUMBER <- " + col("STAGING", "STG_ORDERS", "ID") + " DIRECT/IDENTITY",
			"NAME TEXT <- " + col("STAGING", "STG_CUSTOMERS", "NAME") + " DIRECT/IDENTITY",
			"STATUS TEXT <- " + col("STAGING", "STG_ORDERS", "STATUS") + " DIRECT/IDENTITY",
		},
		obj("MARTS", "ORDER_TOTALS"): {
			"CUSTOMER_ID NUMBER <- " + col("STAGING", "STG_ORDERS", "CUSTOMER_ID") + " DIRECT/IDENTITY",
			"TOTAL NUMBER <- " + col("STAGING", "STG_ORDERS", "AMOUNT") + " DIRECT/AGGREGATION",
		},
		obj("MARTS", "REVENUE_SECURE"): {"TOTAL NUMBER"},
		obj("MARTS", "BROKEN"):         {"AMOUNT NUMBER", "ID NUMBER"},
	}
	wantStatus := map[graph.ObjectID]string{obj("MARTS", "REVENUE_SECURE"): graph.StatusHidden, obj("MARTS", "BROKEN"): graph.StatusFailed}
	for id, w := range want {
		status, got := lineageOf(t, store, id)
		ws := wantStatus[id]
		if ws == "" {
			ws = graph.StatusOK
		}
		if status != ws {
			t.Errorf("%s: status %q, want %q", id, status, ws)
		}
		if d := cmp.Diff(w, got); d != "" {
			t.Errorf("%s lineage (-want +got):\n%s", id, d)
		}
	}
	// Statement-level inputs are stored once per view, not per output column.
	dump, err := graphtest.Dump(ctx, graphtest.Driver(t), []string{db})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{
		"input " + obj("STAGING", "STG_ORDERS").String() + " -> " + col("RAW", "ORDERS", "STATUS") + ` {"subtype":"FILTER"}`,
		"input " + obj("MARTS", "CUSTOMER_ORDERS").String() + " -> " + col("STAGING", "STG_CUSTOMERS", "ID") + ` {"subtype":"JOIN"}`,
		"input " + obj("MARTS", "CUSTOMER_ORDERS").String() + " -> " + col("STAGING", "STG_ORDERS", "CUSTOMER_ID") + ` {"subtype":"JOIN"}`,
		"input " + obj("MARTS", "ORDER_TOTALS").String() + " -> " + col("STAGING", "STG_ORDERS", "CUSTOMER_ID") + ` {"subtype":"GROUP_BY"}`,
	} {
		if !slices.Contains(dump, in) {
			t.Errorf("dump lacks %s", in)
		}
	}
	g.take()

	// 2. Nothing changed: nothing is written.
	job = h.wait(h.refresh(ingest.RefreshPayload{Source: "snowflake"}), time.Minute)
	if job.State != ingest.JobDone || job.Total != 0 || job.Unchanged != 6 {
		t.Errorf("second refresh: %+v; want done, nothing to analyse, 6 unchanged", job)
	}
	if replaced, other := g.take(); len(replaced) != 0 || other != 0 {
		t.Errorf("second refresh wrote views %v and made %d other writes, want none", replaced, other)
	}
	after, err := graphtest.Dump(ctx, graphtest.Driver(t), []string{db})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(dump, after); d != "" {
		t.Errorf("graph changed by an idle refresh (-before +after):\n%s", d)
	}

	// 3. A new definition with the same columns re-analyses only that view.
	srv.Update(func(w *snowflaketest.Warehouse) {
		w.PutView(db, "STAGING", snowflaketest.View{Name: "STG_ORDERS",
			Text:    "CREATE VIEW STG_ORDERS AS SELECT id, customer_id, amount, status FROM raw.orders WHERE status NOT IN ('test', 'void')",
			Created: day0, LastAltered: day0.Add(time.Hour), Columns: coldefs("ID:NUMBER", "CUSTOMER_ID:NUMBER", "AMOUNT:NUMBER", "STATUS:TEXT")})
	})
	job = h.wait(h.refresh(ingest.RefreshPayload{Source: "snowflake"}), time.Minute)
	replaced, _ := g.take()
	if job.Total != 1 || !maps1(replaced, obj("STAGING", "STG_ORDERS")) {
		t.Errorf("after changing STG_ORDERS's filter: job %+v, views written %v; want only STG_ORDERS", job, replaced)
	}

	// 4. A new column re-analyses the view and the views that read its column list: the star
	// of CUSTOMER_ORDERS now expands to it, ORDER_TOTALS binds its names against it.
	srv.Update(func(w *snowflaketest.Warehouse) {
		w.PutView(db, "STAGING", snowflaketest.View{Name: "STG_ORDERS",
			Text:    "CREATE VIEW STG_ORDERS AS SELECT id, customer_id, amount, amount * 1.1 AS amount_gross, status FROM raw.orders WHERE status NOT IN ('test', 'void')",
			Created: day0, LastAltered: day0.Add(2 * time.Hour), Columns: coldefs("ID:NUMBER", "CUSTOMER_ID:NUMBER", "AMOUNT:NUMBER", "AMOUNT_GROSS:NUMBER", "STATUS:TEXT")})
	})
	job = h.wait(h.refresh(ingest.RefreshPayload{Source: "snowflake"}), time.Minute)
	replaced, _ = g.take()
	if job.Total != 3 || !maps1(replaced, obj("STAGING", "STG_ORDERS"), obj("MARTS", "CUSTOMER_ORDERS"), obj("MARTS", "ORDER_TOTALS")) {
		t.Errorf("after adding a column to STG_ORDERS: job %+v, views written %v; want STG_ORDERS, CUSTOMER_ORDERS, ORDER_TOTALS", job, replaced)
	}
	_, got := lineageOf(t, store, obj("MARTS", "CUSTOMER_ORDERS"))
	if w := "AMOUNT_GROSS  <- " + col("STAGING", "STG_ORDERS", "AMOUNT_GROSS") + " DIRECT/IDENTITY"; !slices.Contains(got, w) {
		t.Errorf("CUSTOMER_ORDERS after the upstream change: %q, want it to contain %q", got, w)
	}

	// 5. A dropped view is removed; nothing else is rewritten.
	srv.Update(func(w *snowflaketest.Warehouse) { w.DropView(db, "MARTS", "ORDER_TOTALS") })
	job = h.wait(h.refresh(ingest.RefreshPayload{Source: "snowflake"}), time.Minute)
	replaced, _ = g.take()
	if job.Deleted != 1 || len(replaced) != 0 {
		t.Errorf("after dropping ORDER_TOTALS: job %+v, views written %v; want 1 deleted, none written", job, replaced)
	}
	if _, err := store.ViewDetail(ctx, obj("MARTS", "ORDER_TOTALS")); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("ORDER_TOTALS after the drop: %v, want not found", err)
	}
}

// maps1 reports whether m holds exactly ids, each written once.
func maps1(m map[graph.ObjectID]int, ids ...graph.ObjectID) bool {
	if len(m) != len(ids) {
		return false
	}
	for _, id := range ids {
		if m[id] != 1 {
			return false
		}
	}
	return true
}
