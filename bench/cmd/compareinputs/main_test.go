package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/tributary-lineage/tributary/engine/lineage"
	"github.com/tributary-lineage/tributary/internal/synth"
)

func TestDemoSetHasEveryViewWithItsColumns(t *testing.T) {
	s, err := demoSet()
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Views) != 73 {
		t.Fatalf("got %d demo views, want 73 (74 files less the broken one)", len(s.Views))
	}
	for _, v := range s.Views {
		if filepath.Base(v.File) == "broken_view.sql" {
			t.Errorf("the broken view is in the set")
		}
		if len(s.Catalog[v.Name]) == 0 {
			t.Errorf("%s (%s): no columns in the catalog", v.Name, v.File)
		}
	}
	// A view that selects c.* EXCLUDE (...) from another view: its columns
	// must come from the upstream view's catalog entry.
	const dim = "ANALYTICS.MARTS.DIM_CUSTOMERS"
	cols := s.Catalog[dim]
	if len(cols) < 10 || cols[0] != "CUSTOMER_ID" {
		t.Errorf("%s columns = %v, want the expanded star first (CUSTOMER_ID, ...)", dim, cols)
	}
}

func TestSynthSetIsTheGeneratedWarehouse(t *testing.T) {
	opts := synth.Options{Views: 30, Seed: 7}
	s, err := synthSet(opts)
	if err != nil {
		t.Fatal(err)
	}
	w := synth.Generate(opts)
	if len(s.Views) != len(w.Views) || len(s.Catalog) != len(w.Tables)+len(w.Views) {
		t.Fatalf("got %d views and %d catalog entries, want %d and %d", len(s.Views), len(s.Catalog), len(w.Views), len(w.Tables)+len(w.Views))
	}
	for k, cols := range s.Catalog {
		if len(s.Types[k]) != len(cols) {
			t.Errorf("%s: %d types for %d columns", k, len(s.Types[k]), len(cols))
		}
	}
}

func TestBench200SetParsesWithItsCatalog(t *testing.T) {
	s, err := bench200Set("../../../engine/sql/testdata/snowflake-syntax/bench/bench_200.sql", "../../testdata/bench_200_catalog_types.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Views) != 1 || s.Views[0].Name != "ANALYTICS.REPORTING.CUSTOMER_360" {
		t.Fatalf("views = %+v", s.Views)
	}
	// Every column the view reads is in the hand-written catalog: no warnings.
	b, err := json.Marshal(s.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := lineage.ParseCatalogJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	res := lineage.AnalyzeSQL(s.Views[0].SQL, lineage.Options{Catalog: cat})
	if len(res.Statements) != 1 || len(res.Statements[0].Warnings) != 0 {
		t.Errorf("analysis: %d statements, warnings %+v", len(res.Statements), res.Statements[0].Warnings)
	}
}
