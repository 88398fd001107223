package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/internal/graphtest"
	"github.com/tributary-lineage/tributary/internal/synth"
)

// BenchmarkDBTRefresh5000 ingests a generated dbt manifest of 5,000 models (synth's defaults:
// 20 columns, 5 layers; `tributary gen --views 5000 --dbt` writes the same manifest) end to
// end into Neo4j: read the manifest, plan, analyse, write every model and the source tables.
// "first" is an ingest into an empty graph (a database of its own each time), "unchanged" a
// second refresh of the same manifest, which writes nothing; "dir-baseline" ingests the same
// warehouse from .sql files (CREATE VIEWs), to tell the dbt path's cost from the graph's.
func BenchmarkDBTRefresh5000(b *testing.B) {
	store := newStore(b)
	ctx := context.Background()
	manifest := func(b *testing.B) string {
		b.Helper()
		db := unique(b, "TB_DBT_")
		graphtest.Cleanup(b, store, db)
		data, err := synth.Generate(synth.Options{Views: 5000, Columns: synth.DefaultColumns, Depth: synth.DefaultDepth,
			Seed: 1, Database: db}).DBTManifest()
		if err != nil {
			b.Fatal(err)
		}
		p := filepath.Join(b.TempDir(), "manifest.json")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			b.Fatal(err)
		}
		return p
	}
	run := func(b *testing.B, src ingest.Source) {
		b.Helper()
		r := ingest.NewRunner(store, nil, nil)
		r.Concurrency = 2
		plan, err := r.RunInline(ctx, src, false, "")
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(plan.Analyze)), "datasets-written")
	}
	refresh := func(b *testing.B, path string) {
		b.Helper()
		src, err := ingest.NewDBTSource(path)
		if err != nil {
			b.Fatal(err)
		}
		run(b, src)
	}
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			path := manifest(b)
			b.StartTimer()
			refresh(b, path)
		}
	})
	b.Run("dir-baseline", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			db := unique(b, "TB_DBT_")
			graphtest.Cleanup(b, store, db)
			dir := b.TempDir()
			w := synth.Generate(synth.Options{Views: 5000, Columns: synth.DefaultColumns, Depth: synth.DefaultDepth, Seed: 1, Database: db})
			if err := synth.WriteDir(dir, w.AllFiles()); err != nil {
				b.Fatal(err)
			}
			src, err := ingest.NewDirSource(dir, ingest.DirOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			run(b, src)
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		path := manifest(b)
		refresh(b, path)
		b.ResetTimer()
		for b.Loop() {
			refresh(b, path)
		}
	})
}
