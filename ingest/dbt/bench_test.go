package dbt_test

import (
	"testing"

	"github.com/tributary-lineage/tributary/engine/lineage"
	"github.com/tributary-lineage/tributary/ingest/dbt"
	"github.com/tributary-lineage/tributary/internal/synth"
)

func manifest5000(b *testing.B) []byte {
	b.Helper()
	w := synth.Generate(synth.Options{Views: 5000, Columns: 12, Seed: 1})
	data, err := w.DBTManifest()
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkParseManifest reads a generated manifest of 5,000 models.
func BenchmarkParseManifest(b *testing.B) {
	data := manifest5000(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		m, err := dbt.ParseManifest(data)
		if err != nil {
			b.Fatal(err)
		}
		if len(m.Models) != 5000 {
			b.Fatalf("%d models", len(m.Models))
		}
	}
}

// BenchmarkAnalyseManifest reads the same manifest and runs the lineage
// engine over every model: the pure part of a dbt ingest.
func BenchmarkAnalyseManifest(b *testing.B) {
	data := manifest5000(b)
	b.ResetTimer()
	for b.Loop() {
		m, err := dbt.ParseManifest(data)
		if err != nil {
			b.Fatal(err)
		}
		cat := m.LineageCatalog()
		for _, md := range m.Models {
			if res := lineage.AnalyzeSQL(md.Statement(), lineage.Options{Catalog: cat}); len(res.Errors) != 0 {
				b.Fatalf("%s: %+v", md.UniqueID, res.Errors)
			}
		}
	}
}
