package ingest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest/dbt"
)

// dbtFixture is the manifest.json dbt-core wrote for manifest schema version (10, 11, 12).
func dbtFixture(version string) string {
	return filepath.Join("dbt", "testdata", "manifest-v"+version, "manifest.json")
}

func TestDBTSourceList(t *testing.T) {
	for _, v := range []string{"10", "11", "12"} {
		t.Run("v"+v, func(t *testing.T) {
			src, err := NewDBTSource(dbtFixture(v))
			if err != nil {
				t.Fatal(err)
			}
			abs, _ := filepath.Abs(dbtFixture(v))
			if src.Name() != "dbt:"+abs {
				t.Errorf("name %q", src.Name())
			}
			l, err := src.List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			type row struct{ ID, Kind, Materialization, UniqueID string }
			var got []row
			for _, lv := range l.Views {
				if lv.DefinedBy != graph.OriginDBT || lv.DefaultDatabase != "ANALYTICS" || lv.DefaultSchema != lv.ID.Schema {
					t.Errorf("%s: defined by %q, defaults %s.%s", lv.ID, lv.DefinedBy, lv.DefaultDatabase, lv.DefaultSchema)
				}
				got = append(got, row{lv.ID.String(), lv.Kind, lv.Meta.Materialization, lv.Meta.UniqueID})
			}
			want := []row{
				{"ANALYTICS.MARTS.DIM_CUSTOMERS", graph.KindTable, "table", "model.jaffle.dim_customers"},
				{"ANALYTICS.MARTS.FCT_DAILY_REVENUE", graph.KindTable, "incremental", "model.jaffle.fct_daily_revenue"},
				{"ANALYTICS.MARTS.FCT_ORDERS", graph.KindTable, "table", "model.jaffle.fct_orders"},
				{"ANALYTICS.MARTS.RPT_REGION_REVENUE", graph.KindDynamicTable, "dynamic_table", "model.jaffle.rpt_region_revenue"},
				{"ANALYTICS.STAGING.STG_CUSTOMERS", graph.KindView, "view", "model.jaffle.stg_customers"},
				{"ANALYTICS.STAGING.STG_ORDERS", graph.KindView, "view", "model.jaffle.stg_orders"},
				{"ANALYTICS.STAGING.STG_PAYMENTS", graph.KindView, "view", "model.jaffle.stg_payments"},
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("views (-want +got):\n%s", d)
			}

			fct := l.Views[2]
			wantMeta := graph.Meta{UniqueID: "model.jaffle.fct_orders", Description: "One row per order with what was paid for it.",
				Tags: []string{"marts"}, Owner: "sales-analytics", Materialization: "table", Path: "models/marts/fct_orders.sql"}
			if d := cmp.Diff(wantMeta, fct.Meta); d != "" {
				t.Errorf("fct_orders meta (-want +got):\n%s", d)
			}
			if !strings.HasPrefix(fct.Text, "CREATE OR REPLACE TABLE ANALYTICS.MARTS.FCT_ORDERS AS\n") ||
				!strings.Contains(fct.Text, "__dbt__cte__int_order_payments as (") {
				t.Errorf("fct_orders text:\n%s", fct.Text)
			}
			if len(fct.Columns) != 6 || fct.Columns[4] != (graph.Column{Name: "AMOUNT_PAID", Ordinal: 5, DataType: "numeric"}) {
				t.Errorf("fct_orders columns %+v", fct.Columns)
			}
			rpt := l.Views[3]
			if rpt.Meta.TargetLag != "1 hour" || rpt.Meta.Warehouse != "reporting_wh" ||
				!strings.HasPrefix(rpt.Text, "CREATE OR REPLACE DYNAMIC TABLE ANALYTICS.MARTS.RPT_REGION_REVENUE TARGET_LAG = '1 hour' WAREHOUSE = reporting_wh AS\n") {
				t.Errorf("dynamic table: meta %+v, text:\n%s", rpt.Meta, rpt.Text)
			}

			var tables []string
			for _, tb := range l.Tables {
				tables = append(tables, tb.ID.String()+" "+strings.Join(columnNames(tb.Columns), ","))
			}
			wantTables := []string{
				"ANALYTICS.REFERENCE.COUNTRY_CODES COUNTRY_CODE,COUNTRY_NAME,SALES_REGION", // the catalog's
				"RAW.SHOP.CUSTOMERS ID,FIRST_NAME,LAST_NAME,EMAIL,COUNTRY_CODE",            // documented in the manifest
				"RAW.SHOP.ORDERS ID,CUSTOMER_ID,ORDERED_AT,STATUS",
				"RAW.SHOP.PAYMENTS ID,ORDER_ID,METHOD,AMOUNT_CENTS,SUCCEEDED",
			}
			if d := cmp.Diff(wantTables, tables); d != "" {
				t.Errorf("tables (-want +got):\n%s", d)
			}
			wantSkipped := []SkippedFile{{Path: "model.jaffle.int_order_payments", Reason: "ephemeral: inlined by dbt into the models that read it"}}
			if d := cmp.Diff(wantSkipped, l.Skipped); d != "" {
				t.Errorf("skipped (-want +got):\n%s", d)
			}
		})
	}
}

// A dbt project folder is read through its target/manifest.json; without catalog.json a
// seed's columns come from its CSV header.
func TestDBTSourceProjectFolder(t *testing.T) {
	proj := filepath.Join(t.TempDir(), "jaffle")
	if err := os.CopyFS(proj, os.DirFS(filepath.Join("dbt", "testdata", "jaffle"))); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(dbtFixture("12"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(proj, "target"), 0o755); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(proj, "target", "manifest.json")
	if err := os.WriteFile(manifest, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{proj, manifest} {
		src, err := NewDBTSource(path)
		if err != nil {
			t.Fatal(err)
		}
		if src.Name() != "dbt:"+manifest {
			t.Errorf("%s: name %q", path, src.Name())
		}
		l, err := src.List(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got := columnNames(l.Tables[0].Columns); l.Tables[0].ID.Name != "COUNTRY_CODES" ||
			!cmp.Equal(got, []string{"COUNTRY_CODE", "COUNTRY_NAME", "SALES_REGION"}) {
			t.Errorf("%s: seed %s columns %v", path, l.Tables[0].ID, got)
		}
	}
	if _, err := NewDBTSource(filepath.Join(proj, "models")); err == nil || !strings.Contains(err.Error(), "dbt_project.yml") {
		t.Errorf("a folder that is no project: %v", err)
	}
}

// A manifest that cannot be read as one fails at once (ErrInvalidSource); a missing one is
// retried (it may be being written).
func TestDBTSourceErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "manifest.json")
	if err := os.WriteFile(bad, []byte(`{"metadata":{"dbt_schema_version":"https://schemas.getdbt.com/dbt/manifest/v9.json"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := NewDBTSource(bad)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.List(context.Background()); !errors.Is(err, ErrInvalidSource) || !strings.Contains(err.Error(), "schema version v9 is not supported") {
		t.Errorf("v9 manifest: %v", err)
	}
	if err := os.Remove(bad); err != nil {
		t.Fatal(err)
	}
	if _, err := src.List(context.Background()); err == nil || errors.Is(err, ErrInvalidSource) {
		t.Errorf("missing manifest: %v", err)
	}
	if _, err := NewDBTSource(filepath.Join(dir, "nope.json")); err == nil {
		t.Error("NewDBTSource of a missing file: no error")
	}
}

// Two models with one relation_name give one dataset, failed naming both.
func TestDBTListingConflict(t *testing.T) {
	id := graph.ObjectID{Database: "D", Schema: "S", Name: "M"}
	l := dbtListing(&dbt.Manifest{Models: []dbt.Model{
		{UniqueID: "model.p.a", Target: id, Materialization: "table", CompiledCode: "select 1 as x"},
		{UniqueID: "model.p.b", Target: id, Materialization: "view", CompiledCode: "select 2 as x"},
	}})
	if len(l.Views) != 1 || l.Views[0].Conflict != "relation D.S.M is the relation_name of 2 models (model.p.a, model.p.b): keep one" {
		t.Fatalf("views %+v", l.Views)
	}
	a := AnalyzeView(l.Views[0], "dbt:x", &Catalog{})
	if a.View.Status != graph.StatusFailed || a.View.Message != l.Views[0].Conflict {
		t.Errorf("analysis %+v", a.View)
	}
}
