package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/internal/graphtest"
	"github.com/tributary-lineage/tributary/internal/synth"
)

// historyFile writes a generated query history of 100,000 records with 10,000 distinct
// statements (the generated warehouse's view SELECTs as INSERT and CREATE TABLE AS, one second
// apart, ending an hour ago) for database db, and returns its source.
func historyFile(b testing.TB, db string) *ingest.QueryLogSource {
	b.Helper()
	w := synth.Generate(synth.Options{Views: 500, Columns: 12, Seed: 1, Database: db})
	start := time.Now().UTC().Add(-time.Hour - 100_000*time.Second)
	data, err := w.QueryHistory(synth.HistoryOptions{Rows: 100_000, Statements: 10_000, Start: start})
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "history.jsonl")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	src, err := ingest.NewQueryLogSource(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("history: %d records, %.1f MB", 100_000, float64(len(data))/1e6)
	return src
}

// BenchmarkQueryHistoryIngest ingests the generated history end to end in this process (read,
// normalise, hash, analyse 10,000 statements, write them with their job record), each
// iteration into a graph without them (a database of its own).
func BenchmarkQueryHistoryIngest(b *testing.B) {
	store := newStore(b)
	jobs := ingest.NewJobStore(newRedis(b), unique(b, "tributary:bench:job:")+":", time.Hour)
	for b.Loop() {
		b.StopTimer()
		db := unique(b, "TBQ_")
		graphtest.Cleanup(b, store, db)
		src := historyFile(b, db)
		b.Cleanup(func() {
			store.ExpireStatements(context.Background(), graph.OriginQueryHistory, src.Name(), time.Now().Add(time.Hour))
		})
		r := ingest.NewRunner(store, jobs, nil)
		id := unique(b, "job-")
		b.StartTimer()
		if _, err := r.RunInline(context.Background(), src, false, id); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		j, err := jobs.Get(context.Background(), id)
		if err != nil {
			b.Fatal(err)
		}
		if j.State != ingest.JobDone || j.Total != 10_000 || j.Done+j.Failed != 10_000 {
			b.Fatalf("job %+v, want 10,000 statements analysed", j)
		}
		b.ReportMetric(float64(j.Failed), "failed")
		b.StartTimer()
	}
}

// BenchmarkQueryHistoryRerun refreshes the ingested history again with nothing new: the file is
// read, the records within the overlap before the watermark are normalised and their
// statements found recorded; nothing is analysed or written.
func BenchmarkQueryHistoryRerun(b *testing.B) {
	store := newStore(b)
	jobs := ingest.NewJobStore(newRedis(b), unique(b, "tributary:bench:job:")+":", time.Hour)
	db := unique(b, "TBQ_")
	graphtest.Cleanup(b, store, db)
	src := historyFile(b, db)
	b.Cleanup(func() {
		store.ExpireStatements(context.Background(), graph.OriginQueryHistory, src.Name(), time.Now().Add(time.Hour))
	})
	g := &statementCounting{Store: store}
	r := ingest.NewRunner(g, jobs, nil)
	if _, err := r.RunInline(context.Background(), src, false, unique(b, "job-")); err != nil {
		b.Fatal(err)
	}
	g.take()
	for b.Loop() {
		id := unique(b, "job-")
		if _, err := r.RunInline(context.Background(), src, false, id); err != nil {
			b.Fatal(err)
		}
		if w, tc := g.take(); w != 0 || tc != 0 {
			b.Fatalf("re-run wrote %d statements and touched %d", w, tc)
		}
	}
}
