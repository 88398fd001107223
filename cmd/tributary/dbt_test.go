package main

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tributary-lineage/tributary/api"
	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest/dbt"
	"github.com/tributary-lineage/tributary/internal/graphtest"
	"github.com/tributary-lineage/tributary/internal/warehousetest"
)

// `tributary ingest --source dbt:PATH --inline` of the jaffle manifest dbt-core 1.8 wrote (its
// databases renamed), then `tributary serve`: every dbt model is a dataset of its kind defined
// by dbt with its metadata, its columns' sources say they come from dbt, and the source tables
// are plain tables.
func TestDBTIngestThroughCLIAndAPI(t *testing.T) {
	store := graph.NewStore(graphtest.Driver(t), graphtest.Neo4jDatabase())
	analytics, raw := graphtest.Name(t, "TC_A_"), graphtest.Name(t, "TC_R_")
	graphtest.Cleanup(t, store, analytics, raw)
	dir := t.TempDir()
	for _, f := range []string{"manifest.json", "catalog.json"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "ingest", "dbt", "testdata", "manifest-v12", f))
		if err != nil {
			t.Fatal(err)
		}
		renamed := warehousetest.Rename(string(b), strings.ToLower(analytics), strings.ToLower(raw))
		if err := os.WriteFile(filepath.Join(dir, f), []byte(renamed), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	manifest := filepath.Join(dir, "manifest.json")
	code, stdout, stderr := runCmd(t, testEnv(nil), "ingest", "--source", "dbt:"+manifest, "--inline")
	if code != exitOK {
		t.Fatalf("ingest: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"7 views analysed (0 failed)", "4 base tables written",
		"skipped: model.jaffle.int_order_payments: ephemeral: inlined by dbt into the models that read it"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("ingest output lacks %q:\n%s", want, stdout)
		}
	}

	s := apiServe(t)
	get := func(path, name string) api.ViewJSON {
		t.Helper()
		code, body := getBody(t, s.base+"/api/v1/lineage/"+path+"/"+url.PathEscape(name))
		if code != 200 {
			t.Fatalf("GET %s/%s: %d %s", path, name, code, body)
		}
		var v api.ViewJSON
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	fct := get("datasets", analytics+".MARTS.FCT_ORDERS")
	if fct.Kind != graph.KindTable || fct.DefinedBy != "dbt" || fct.Meta == nil || fct.Meta.UniqueID != "model.jaffle.fct_orders" ||
		fct.Meta.Materialization != "table" || fct.Meta.Path != "models/marts/fct_orders.sql" || !slices.Equal(fct.Meta.Tags, []string{"marts"}) ||
		fct.Meta.Description != "One row per order with what was paid for it." {
		t.Errorf("FCT_ORDERS: kind %q defined by %q meta %+v", fct.Kind, fct.DefinedBy, fct.Meta)
	}
	if !strings.HasPrefix(fct.Definition, "CREATE OR REPLACE TABLE "+analytics+".MARTS.FCT_ORDERS AS\n") {
		t.Errorf("FCT_ORDERS definition:\n%s", fct.Definition)
	}
	var amount *api.ViewColumnJSON
	for i, c := range fct.Columns {
		if c.Name == "AMOUNT_PAID" {
			amount = &fct.Columns[i]
		}
	}
	if amount == nil || amount.DataType != "numeric" || len(amount.Sources) == 0 {
		t.Fatalf("FCT_ORDERS.AMOUNT_PAID: %+v", amount)
	}
	for _, src := range amount.Sources {
		if src.Origin != "dbt" || src.Statement != "model.jaffle.fct_orders" || src.Column != analytics+".STAGING.STG_PAYMENTS.AMOUNT" {
			t.Errorf("AMOUNT_PAID source %+v", src)
		}
	}

	rpt := get("datasets", analytics+".MARTS.RPT_REGION_REVENUE")
	if rpt.Kind != graph.KindDynamicTable || rpt.DefinedBy != "dbt" || rpt.Meta == nil || rpt.Meta.TargetLag != "1 hour" || rpt.Meta.Warehouse != "reporting_wh" {
		t.Errorf("RPT_REGION_REVENUE: kind %q defined by %q meta %+v", rpt.Kind, rpt.DefinedBy, rpt.Meta)
	}
	stg := get("views", analytics+".STAGING.STG_ORDERS")
	if stg.Kind != graph.KindView || stg.DefinedBy != "dbt" || stg.Meta == nil || stg.Meta.Materialization != "view" {
		t.Errorf("STG_ORDERS: kind %q defined by %q meta %+v", stg.Kind, stg.DefinedBy, stg.Meta)
	}
	orders := get("datasets", raw+".SHOP.ORDERS")
	if orders.Kind != graph.KindTable || orders.DefinedBy != "" || orders.Placeholder || len(orders.Columns) != 4 {
		t.Errorf("source table ORDERS: kind %q defined by %q placeholder %t, %d columns", orders.Kind, orders.DefinedBy, orders.Placeholder, len(orders.Columns))
	}
}

// `tributary gen --dbt` writes the warehouse as a dbt manifest and nothing else.
func TestGenDBTManifest(t *testing.T) {
	out := filepath.Join(t.TempDir(), "dbt")
	if code, _, stderr := runCmd(t, testEnv(nil), "gen", "--views", "30", "--columns", "6", "--depth", "3", "--dbt", out); code != exitOK {
		t.Fatalf("gen --dbt: exit %d: %s", code, stderr)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "manifest.json" {
		t.Fatalf("gen --dbt wrote %v, want manifest.json alone", entries)
	}
	m, err := dbt.ReadProject(filepath.Join(out, "manifest.json"), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Models) != 30 || len(m.Sources) == 0 {
		t.Errorf("manifest: %d models, %d sources", len(m.Models), len(m.Sources))
	}
}

// The worker's periodic refresh may name a dbt manifest; a dbt: source without a path is a
// configuration error at start.
func TestScheduleDBTSource(t *testing.T) {
	s, err := scheduleFromEnv(envMap(map[string]string{envRefreshCron: "@every 1h", envRefreshSource: "dbt:/srv/dbt/target/manifest.json"}))
	if err != nil || s.payload.Source != "dbt:/srv/dbt/target/manifest.json" {
		t.Errorf("schedule %+v, %v", s, err)
	}
	if _, err := scheduleFromEnv(envMap(map[string]string{envRefreshCron: "@every 1h", envRefreshSource: "dbt:"})); err == nil ||
		!strings.Contains(err.Error(), envRefreshSource) || !strings.Contains(err.Error(), "want dbt:PATH") {
		t.Errorf("dbt: without a path: %v", err)
	}
}
