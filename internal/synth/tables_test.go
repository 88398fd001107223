package synth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tributary-lineage/tributary/engine/lineage"
	"github.com/tributary-lineage/tributary/ingest/dbt"
	"github.com/tributary-lineage/tributary/ingest/querylog"
	"github.com/tributary-lineage/tributary/internal/synth"
)

func TestDBTManifestReadsAndAnalyses(t *testing.T) {
	w := synth.Generate(synth.Options{Views: 60, Columns: 8, Seed: 7})
	data, err := w.DBTManifest()
	if err != nil {
		t.Fatal(err)
	}
	m, err := dbt.ParseManifest(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Models) != 60 || len(m.Sources) != len(w.Tables) || len(m.Skipped) != 0 {
		t.Fatalf("models %d sources %d skipped %v", len(m.Models), len(m.Sources), m.Skipped)
	}
	mats := map[string]int{}
	cat := m.LineageCatalog()
	for _, md := range m.Models {
		mats[md.Materialization]++
		res := lineage.AnalyzeSQL(md.Statement(), lineage.Options{Catalog: cat})
		if len(res.Errors) != 0 || len(res.Statements) != 1 {
			t.Fatalf("%s: %+v", md.UniqueID, res.Errors)
		}
		var edges int
		for _, c := range res.Statements[0].Columns {
			edges += len(c.Sources)
		}
		if edges == 0 {
			t.Errorf("%s: no column lineage", md.UniqueID)
		}
	}
	if mats[dbt.MaterializedView] == 0 || mats[dbt.MaterializedTable] == 0 || mats[dbt.MaterializedIncremental] == 0 {
		t.Errorf("materialisations %v", mats)
	}
}

func TestQueryHistoryNormalisesToDistinctStatements(t *testing.T) {
	w := synth.Generate(synth.Options{Views: 20, Columns: 6, Seed: 3})
	start := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	data, err := w.QueryHistory(synth.HistoryOptions{Rows: 250, Statements: 40, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n"); n != 250 {
		t.Fatalf("%d lines", n)
	}
	l := querylog.NewLog()
	if err := querylog.ParseJSONLines(data, l); err != nil {
		t.Fatal(err)
	}
	if l.Records != 250 || len(l.Statements) != 40 || len(l.Dropped) != 0 {
		t.Fatalf("records %d statements %d dropped %v", l.Records, len(l.Statements), l.Dropped)
	}
	if want := start.Add(249 * time.Second); !l.Watermark.Equal(want) {
		t.Errorf("watermark %v, want %v", l.Watermark, want)
	}
	cat, err := lineage.ParseCatalogJSON(w.CatalogWithViews())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range l.Statements[:6] {
		res := lineage.AnalyzeSQL(s.Text, lineage.Options{Catalog: cat, DefaultDatabase: s.DatabaseName, DefaultSchema: s.SchemaName})
		if len(res.Errors) != 0 || len(res.Statements) != 1 || len(res.Statements[0].Columns) == 0 {
			t.Fatalf("%s: %+v", s.QueryID, res)
		}
	}
	if _, err := w.QueryHistory(synth.HistoryOptions{Rows: 5, Statements: 6}); err == nil {
		t.Error("more statements than rows accepted")
	}
}
