package ingest_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/internal/graphtest"
	"github.com/tributary-lineage/tributary/internal/synth"
)

// countingPublisher counts the records it is given and stores no event.
type countingPublisher struct{ n atomic.Int64 }

func (p *countingPublisher) Events(recs []ingest.ChangeRecord) ([]graph.ChangeEvent, error) {
	p.n.Add(int64(len(recs)))
	return nil, nil
}

func (p *countingPublisher) Publish(context.Context, []graph.ChangeEvent) error { return nil }

// BenchmarkFullRefresh rewrites 500 views of 20 columns (a full refresh of an ingested
// warehouse) with plain writes and with change-reporting writes, to price the reads of the
// prior state inside the write transactions.
func BenchmarkFullRefresh(b *testing.B) {
	store := newStore(b)
	for _, mode := range []string{"plain", "changes"} {
		b.Run(mode, func(b *testing.B) {
			db := unique(b, "TB_")
			dir := b.TempDir()
			w := synth.Generate(synth.Options{Views: 500, Columns: 20, Depth: 5, Seed: 11, Database: db})
			if err := synth.WriteDir(dir, w.AllFiles()); err != nil {
				b.Fatal(err)
			}
			graphtest.Cleanup(b, store, db)
			src, err := ingest.NewDirSource(dir, ingest.DirOptions{})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			r := ingest.NewRunner(store, nil, nil)
			r.Concurrency = 2
			if _, err := r.RunInline(ctx, src, false, ""); err != nil {
				b.Fatal(err)
			}
			pub := &countingPublisher{}
			if mode == "changes" {
				r.WithChanges(store, pub)
			}
			b.ResetTimer()
			for range b.N {
				if _, err := r.RunInline(ctx, src, true, ""); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(500*b.N)/b.Elapsed().Seconds(), "views/s")
			if pub.n.Load() != 0 {
				b.Errorf("a full refresh with nothing changed published %d records", pub.n.Load())
			}
		})
	}
}
