package ingest_test

import (
	"context"
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

// TestSnowflakeDynamicTablesAndMaterializedViews ingests, through gosnowflake and the
// in-process Snowflake server, a dynamic table (SHOW DYNAMIC TABLES), a materialized view
// (SHOW MATERIALIZED VIEWS, also listed by SHOW VIEWS) and a view reading the dynamic table:
// each lands with its kind, its options and edges of its definition's origin, neither is
// listed as a base table, and lineage crosses the dynamic table down to the raw table.
func TestSnowflakeDynamicTablesAndMaterializedViews(t *testing.T) {
	ctx := context.Background()
	db := unique(t, "TD_")
	w := &snowflaketest.Warehouse{}
	w.PutTable(db, "RAW", snowflaketest.Table{Name: "SALES", Columns: coldefs("ID:NUMBER", "REGION:TEXT", "AMOUNT:NUMBER")})
	w.PutDynamicTable(db, "MARTS", snowflaketest.DynamicTable{Name: "REVENUE", Created: day0,
		TargetLag: "1 hour", Warehouse: "REPORTING_WH", RefreshMode: "INCREMENTAL",
		Text: "create or replace transient dynamic table revenue target_lag = '1 hour' warehouse = reporting_wh\n" +
			"  refresh_mode = auto initialize = on_schedule cluster by (region) data_retention_time_in_days = 3 comment = 'by region'\n" +
			"as select region, sum(amount) as total from raw.sales group by region",
		Columns: coldefs("REGION:TEXT", "TOTAL:NUMBER")})
	w.PutMaterializedView(db, "MARTS", snowflaketest.MaterializedView{Name: "SALES_MV", Created: day0, Secure: true,
		SourceTable: db + ".RAW.SALES",
		Text:        "create secure materialized view sales_mv cluster by (region) as select id, region, amount from raw.sales where amount > 0",
		Columns:     coldefs("ID:NUMBER", "REGION:TEXT", "AMOUNT:NUMBER")})
	w.PutView(db, "MARTS", snowflaketest.View{Name: "REVENUE_REPORT", Created: day0, LastAltered: day0,
		Text:    "create view revenue_report as select region, total from marts.revenue",
		Columns: coldefs("REGION:TEXT", "TOTAL:NUMBER")})
	srv := snowflaketest.New(t, snowflaketest.WithWarehouse(w))
	account := unique(t, "acct")
	open := func(ctx context.Context, p ingest.RefreshPayload) (ingest.Source, func() error, error) {
		sf, err := snowflake.OpenConfig(srv.Config(), snowflake.Config{IncludeDatabases: []string{db}}, nil)
		if err != nil {
			return nil, nil, err
		}
		return ingest.NewSnowflakeSource(sf, account), sf.Close, nil
	}
	store := newStore(t)
	dropAfter(t, store, db)
	h := newHarness(t, newCounting(store), open)
	h.startWorker(2, 5*time.Second)
	obj := func(schema, name string) graph.ObjectID {
		return graph.ObjectID{Database: db, Schema: schema, Name: name}
	}
	col := func(schema, table, name string) graph.ColumnID {
		return graph.ColumnID{Database: db, Schema: schema, Table: table, Column: name}
	}

	job := h.wait(h.refresh(ingest.RefreshPayload{Source: "snowflake"}), time.Minute)
	if job.State != ingest.JobDone || job.Total != 3 || job.Done != 3 || job.Failed != 0 || job.Tables != 1 {
		t.Fatalf("refresh: %+v; want done, 3 definitions analysed, 1 table (RAW.SALES only)", job)
	}

	type dataset struct {
		Kind      string
		DefinedBy graph.Origin
		Meta      graph.Meta
		Lines     []string
		Origins   []graph.Origin
	}
	read := func(id graph.ObjectID) dataset {
		t.Helper()
		d, err := store.DatasetDetail(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if d.Status != graph.StatusOK {
			t.Errorf("%s: status %s (%s)", id, d.Status, d.Message)
		}
		out := dataset{Kind: d.Kind, DefinedBy: d.DefinedBy, Meta: d.Meta}
		for _, c := range d.Columns {
			for _, s := range c.Sources {
				out.Lines = append(out.Lines, c.Name+" <- "+s.Column.String()+" "+string(s.Subtype))
				if s.Statement != id.String() {
					t.Errorf("%s.%s <- %s: statement %q, want %q", id, c.Name, s.Column, s.Statement, id.String())
				}
				if !slices.Contains(out.Origins, s.Origin) {
					out.Origins = append(out.Origins, s.Origin)
				}
			}
		}
		slices.Sort(out.Lines)
		return out
	}
	want := map[graph.ObjectID]dataset{
		obj("MARTS", "REVENUE"): {Kind: graph.KindDynamicTable, DefinedBy: graph.OriginDynamicTable,
			Meta: graph.Meta{TargetLag: "1 hour", Warehouse: "REPORTING_WH", RefreshMode: "INCREMENTAL", Initialize: "ON_SCHEDULE"},
			Lines: []string{
				"REGION <- " + col("RAW", "SALES", "REGION").String() + " IDENTITY",
				"TOTAL <- " + col("RAW", "SALES", "AMOUNT").String() + " AGGREGATION",
			},
			Origins: []graph.Origin{graph.OriginDynamicTable}},
		obj("MARTS", "SALES_MV"): {Kind: graph.KindMaterializedView, DefinedBy: graph.OriginView,
			Lines: []string{
				"AMOUNT <- " + col("RAW", "SALES", "AMOUNT").String() + " IDENTITY",
				"ID <- " + col("RAW", "SALES", "ID").String() + " IDENTITY",
				"REGION <- " + col("RAW", "SALES", "REGION").String() + " IDENTITY",
			},
			Origins: []graph.Origin{graph.OriginView}},
		obj("MARTS", "REVENUE_REPORT"): {Kind: graph.KindView, DefinedBy: graph.OriginView,
			Lines: []string{
				"REGION <- " + col("MARTS", "REVENUE", "REGION").String() + " IDENTITY",
				"TOTAL <- " + col("MARTS", "REVENUE", "TOTAL").String() + " IDENTITY",
			},
			Origins: []graph.Origin{graph.OriginView}},
	}
	for id, wd := range want {
		if d := cmp.Diff(wd, read(id)); d != "" {
			t.Errorf("%s (-want +got):\n%s", id, d)
		}
	}

	// Neo4j Browser's labels: the dataset nodes carry their kind.
	dump, err := graphtest.Dump(ctx, graphtest.Driver(t), []string{db})
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{obj("MARTS", "REVENUE").String(): `"DynamicTable"`, obj("MARTS", "SALES_MV").String(): `"MaterializedView"`}
	for id, label := range labels {
		found := false
		for _, l := range dump {
			if strings.HasPrefix(l, "dataset "+id+" ") {
				found = strings.Contains(l, label)
			}
		}
		if !found {
			t.Errorf("dataset %s has no %s label in %q", id, label, dump)
		}
	}

	// Lineage crosses the dynamic table: the report's TOTAL comes from RAW.SALES.AMOUNT.
	sg, err := store.Upstream(ctx, col("MARTS", "REVENUE_REPORT", "TOTAL"), 5)
	if err != nil {
		t.Fatal(err)
	}
	var reached []string
	for _, n := range sg.Nodes {
		reached = append(reached, n.ID.String())
	}
	if !slices.Contains(reached, col("RAW", "SALES", "AMOUNT").String()) {
		t.Errorf("upstream of REVENUE_REPORT.TOTAL = %v, want it to reach RAW.SALES.AMOUNT", reached)
	}

	// A changed target lag re-analyses the dynamic table alone and updates its options.
	srv.Update(func(w *snowflaketest.Warehouse) {
		w.PutDynamicTable(db, "MARTS", snowflaketest.DynamicTable{Name: "REVENUE", Created: day0,
			TargetLag: "DOWNSTREAM", Warehouse: "REPORTING_WH", RefreshMode: "INCREMENTAL",
			Text: "create or replace transient dynamic table revenue target_lag = downstream warehouse = reporting_wh\n" +
				"as select region, sum(amount) as total from raw.sales group by region",
			Columns: coldefs("REGION:TEXT", "TOTAL:NUMBER")})
	})
	job = h.wait(h.refresh(ingest.RefreshPayload{Source: "snowflake"}), time.Minute)
	if job.State != ingest.JobDone || job.Total != 1 || job.Unchanged != 2 {
		t.Errorf("after altering REVENUE: %+v; want 1 analysed, 2 unchanged", job)
	}
	wantMeta := graph.Meta{TargetLag: "DOWNSTREAM", Warehouse: "REPORTING_WH", RefreshMode: "INCREMENTAL"}
	if d := cmp.Diff(wantMeta, read(obj("MARTS", "REVENUE")).Meta); d != "" {
		t.Errorf("REVENUE's options after the change (-want +got):\n%s", d)
	}
}
