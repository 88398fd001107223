package ingest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/internal/graphtest"
	"github.com/tributary-lineage/tributary/internal/synth"
)

// stalling makes the n-th batch write hang after it committed, until its context ends, once,
// and says when it hangs: the worker can then be killed while a task has written its views
// but not finished (the worst moment: the retried task writes them again).
type stalling struct {
	*counting
	mu      sync.Mutex
	calls   int
	n       int
	stalled chan struct{}
}

func (s *stalling) ReplaceViewsLineage(ctx context.Context, v []graph.View, st []graph.ViewState) error {
	s.mu.Lock()
	s.calls++
	stall := s.calls == s.n
	s.mu.Unlock()
	err := s.counting.ReplaceViewsLineage(ctx, v, st)
	if stall && err == nil {
		close(s.stalled)
		<-ctx.Done()
		return ctx.Err()
	}
	return err
}

// generated writes a synthetic warehouse in database db and returns its folder.
func generated(t *testing.T, db string) string {
	dir := t.TempDir()
	w := synth.Generate(synth.Options{Views: 120, Columns: 8, Depth: 4, Seed: 7, Database: db})
	if err := synth.WriteDir(dir, w.AllFiles()); err != nil {
		t.Fatal(err)
	}
	return dir
}

// normalized is graphtest.NormalizeDump failing t on a malformed dump.
func normalized(t *testing.T, lines []string, db, dir string) []string {
	t.Helper()
	out, err := graphtest.NormalizeDump(lines, db, dir)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A worker shut down in the middle of a batch loses nothing: after a restart the graph is
// the one an uninterrupted run builds.
func TestWorkerKilledMidBatchConverges(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)

	// Uninterrupted, in process.
	dbA := unique(t, "TK_")
	dropAfter(t, store, dbA)
	dirA := generated(t, dbA)
	srcA, err := ingest.NewDirSource(dirA, ingest.DirOptions{})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := ingest.NewRunner(store, nil, nil).RunInline(ctx, srcA, false, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Analyze) != 120 {
		t.Fatalf("uninterrupted run analysed %d views, want 120", len(plan.Analyze))
	}
	want, err := graphtest.Dump(ctx, graphtest.Driver(t), []string{dbA})
	if err != nil {
		t.Fatal(err)
	}

	// Through the queue, killed while a batch is half written.
	dbB := unique(t, "TK_")
	dropAfter(t, store, dbB)
	dirB := generated(t, dbB)
	open := func(ctx context.Context, p ingest.RefreshPayload) (ingest.Source, func() error, error) {
		src, err := ingest.NewDirSource(dirB, ingest.DirOptions{})
		return src, func() error { return nil }, err
	}
	g := &stalling{counting: newCounting(store), n: 14, stalled: make(chan struct{})}
	h := newHarness(t, g, open)
	stop := h.startWorker(2, 10*time.Millisecond)
	id := h.refresh(ingest.RefreshPayload{Source: "dir:" + dirB})
	select {
	case <-g.stalled:
	case <-time.After(time.Minute):
		t.Fatal("the 14th batch never came")
	}
	stop()
	mid, err := h.jobs.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if mid.Final() || mid.Total >= 0 && mid.Done >= mid.Total { // Total is -1 while the refresh plans
		t.Fatalf("job after the kill: %+v; want it unfinished", mid)
	}
	h.startWorker(2, 5*time.Second)
	job := h.wait(id, 2*time.Minute)
	if job.State != ingest.JobDone || job.Done != 120 || job.Failed != 0 {
		t.Fatalf("job after the restart: %+v; want done with 120 views", job)
	}
	got, err := graphtest.Dump(ctx, graphtest.Driver(t), []string{dbB})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(normalized(t, want, dbA, dirA), normalized(t, got, dbB, dirB)); d != "" {
		t.Errorf("interrupted run differs from the uninterrupted one (-want +got):\n%s", d)
	}
	replaced, _ := g.take()
	rewritten := 0
	for _, n := range replaced {
		if n > 1 {
			rewritten++
		}
	}
	if rewritten == 0 {
		t.Errorf("no view was written twice: the killed task was not run again")
	}
	t.Logf("killed at job %d/%d; %d views written, %d of them again after the restart", mid.Done, mid.Total, len(replaced), rewritten)
}
