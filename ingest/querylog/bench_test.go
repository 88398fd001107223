package querylog_test

import (
	"testing"
	"time"

	"github.com/tributary-lineage/tributary/ingest/querylog"
	"github.com/tributary-lineage/tributary/internal/synth"
)

// BenchmarkParseJSONLines reads a generated history of 100,000 records with
// 10,000 distinct statements: parsing, normalising and hashing, the part of
// a query-history ingest before the lineage engine.
func BenchmarkParseJSONLines(b *testing.B) {
	w := synth.Generate(synth.Options{Views: 500, Columns: 12, Seed: 1})
	data, err := w.QueryHistory(synth.HistoryOptions{Rows: 100_000, Statements: 10_000, Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		l := querylog.NewLog()
		if err := querylog.ParseJSONLines(data, l); err != nil {
			b.Fatal(err)
		}
		if len(l.Statements) != 10_000 {
			b.Fatalf("%d statements", len(l.Statements))
		}
	}
}
