package export

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/internal/graphtest"
	"github.com/tributary-lineage/tributary/internal/synth"
)

// benchGraphs caches the generated graphs of this benchmark run: loading 10,000 views takes
// minutes and the benchmark function is called several times per size.
var benchGraphs sync.Map // views -> database name

// loadSynth generates a warehouse of n views under a fresh database name and loads it through
// the ingestion pipeline (dir: source, inline runner). The data is deleted when b ends.
func loadSynth(b *testing.B, s *graph.Store, views int) string {
	if db, ok := benchGraphs.Load(views); ok {
		return db.(string)
	}
	db := fmt.Sprintf("BENCHX_%d_%d", views, time.Now().UnixNano()%1e6)
	w := synth.Generate(synth.Options{Views: views, Columns: 40, Depth: 8, Seed: 11, Database: db})
	dir := b.TempDir()
	if err := synth.WriteDir(dir, w.AllFiles()); err != nil {
		b.Fatal(err)
	}
	src, err := ingest.NewDirSource(dir, ingest.DirOptions{})
	if err != nil {
		b.Fatal(err)
	}
	runner := ingest.NewRunner(s, nil, nil)
	runner.Concurrency = 2
	start := time.Now()
	if _, err := runner.RunInline(context.Background(), src, false, ""); err != nil {
		b.Fatalf("load %d views: %v", views, err)
	}
	b.Logf("loaded %d views into %s through ingestion in %s", views, db, time.Since(start).Round(time.Second))
	benchGraphs.Store(views, db)
	return db
}

// forgetBenchGraphs empties benchGraphs (so a later benchmark loads its graphs again rather
// than reading a deleted database) and returns the database names it held.
func forgetBenchGraphs() []string {
	var names []string
	benchGraphs.Range(func(views, db any) bool {
		names = append(names, db.(string))
		benchGraphs.Delete(views)
		return true
	})
	return names
}

// peakHeap samples the heap while fn runs and returns the largest HeapInuse seen.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var peak uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(done)
	<-sampled
	return peak
}

type countingDiscard struct{ n int64 }

func (c *countingDiscard) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// benchSizes are the warehouse sizes (views) to benchmark: 1,000 and 10,000, or the comma
// separated list in TRIBUTARY_BENCH_VIEWS.
func benchSizes(b *testing.B) []int {
	v := os.Getenv("TRIBUTARY_BENCH_VIEWS")
	if v == "" {
		return []int{1000, 10000}
	}
	var sizes []int
	for _, p := range strings.Split(v, ",") {
		n, err := strconv.Atoi(p)
		if err != nil {
			b.Fatalf("TRIBUTARY_BENCH_VIEWS: %v", err)
		}
		sizes = append(sizes, n)
	}
	return sizes
}

// BenchmarkExport exports synthetic warehouses of 1,000 and 10,000 views (loaded through the
// ingestion pipeline) to xlsx and csv, reporting the peak heap during each export. Set
// TRIBUTARY_BENCH_CLI to a tributary binary to also measure the CLI's peak RSS with
// /usr/bin/time -v. TRIBUTARY_BENCH_VIEWS (comma separated) changes the sizes.
func BenchmarkExport(b *testing.B) {
	s := newStore(b)
	sizes := benchSizes(b)
	b.Cleanup(func() { graphtest.Drop(b, s, forgetBenchGraphs()...) })
	for _, views := range sizes {
		for _, format := range []Format{FormatXLSX, FormatCSV} {
			b.Run(fmt.Sprintf("views=%d/%s", views, format), func(b *testing.B) {
				db := loadSynth(b, s, views)
				scope := Scope{Kind: ScopeDatabase, Databases: []string{db}}
				var sum Summary
				var out countingDiscard
				var peak uint64
				b.ResetTimer()
				for b.Loop() {
					out.n = 0
					peak = max(peak, peakHeap(func() {
						var err error
						if sum, err = Run(context.Background(), s, scope, format, &out, Options{}); err != nil {
							b.Fatal(err)
						}
					}))
				}
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
				b.ReportMetric(float64(out.n)/(1<<20), "out-MB")
				b.ReportMetric(float64(sum.Columns+sum.Edges+sum.Views+sum.Tables), "rows")
				b.ReportMetric(float64(sum.Columns), "columns")
				b.ReportMetric(float64(sum.Edges), "edges")
				if bin := os.Getenv("TRIBUTARY_BENCH_CLI"); bin != "" {
					rss, elapsed := cliPeakRSS(b, bin, db, format)
					b.ReportMetric(float64(rss)/1024, "cli-maxrss-MB")
					b.ReportMetric(elapsed.Seconds(), "cli-s")
				}
			})
		}
	}
}

// cliPeakRSS runs `tributary export` under /usr/bin/time -v and returns its maximum RSS (KiB).
func cliPeakRSS(b *testing.B, bin, db string, format Format) (int64, time.Duration) {
	out := filepath.Join(b.TempDir(), "export"+format.Extension())
	cmd := exec.Command("/usr/bin/time", "-v", bin, "export", "--scope", "database:"+db, "--format", string(format), "--out", out)
	cmd.Env = os.Environ()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var rss int64
	var lines []string
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		lines = append(lines, line)
		if v, ok := strings.CutPrefix(line, "Maximum resident set size (kbytes): "); ok {
			rss, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	io.Copy(io.Discard, stderr)
	if err := cmd.Wait(); err != nil {
		b.Fatalf("%s export: %v\n%s", bin, err, strings.Join(lines, "\n"))
	}
	return rss, time.Since(start)
}

// BenchmarkImport exports a loaded synthetic warehouse as a JSON document and imports it under
// another database name (validation passes, then batched writes), reporting the peak heap.
func BenchmarkImport(b *testing.B) {
	s := newStore(b)
	sizes := benchSizes(b)
	var copies []string
	b.Cleanup(func() { graphtest.Drop(b, s, append(copies, forgetBenchGraphs()...)...) })
	for _, views := range sizes {
		b.Run(fmt.Sprintf("views=%d", views), func(b *testing.B) {
			db := loadSynth(b, s, views)
			doc := filepath.Join(b.TempDir(), "doc.json")
			f, err := os.Create(doc)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := Run(context.Background(), s, Scope{Kind: ScopeDatabase, Databases: []string{db}}, FormatJSON, f, Options{}); err != nil {
				b.Fatal(err)
			}
			f.Close()
			var peak uint64
			var res ImportResult
			i := 0
			b.ResetTimer()
			for b.Loop() {
				i++
				copyDB := fmt.Sprintf("%s_COPY%d", db, i)
				copies = append(copies, copyDB)
				peak = max(peak, peakHeap(func() {
					if res, err = Import(context.Background(), s, FileOpener(doc), ImportOptions{RenameDatabases: map[string]string{db: copyDB}}); err != nil {
						b.Fatal(err)
					}
				}))
			}
			st, _ := os.Stat(doc)
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(st.Size())/(1<<20), "doc-MB")
			b.ReportMetric(float64(res.Views), "views")
			b.ReportMetric(float64(res.Edges), "edges")
		})
	}
}
