package ingest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/internal/graphtest"
	"github.com/tributary-lineage/tributary/internal/redistest"
)

// faultRun prepares a fault test: it ingests a generated warehouse in process, uninterrupted,
// and returns the normalized dump every faulty run of the same warehouse must end with, and
// the database and folder of a second copy for the faulty run.
func faultRun(t *testing.T, store *graph.Store) (want []string, db, dir string) {
	t.Helper()
	ctx := context.Background()
	clean := unique(t, "TF_")
	dropAfter(t, store, clean)
	cleanDir := generated(t, clean)
	src, err := ingest.NewDirSource(cleanDir, ingest.DirOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.NewRunner(store, nil, nil).RunInline(ctx, src, false, ""); err != nil {
		t.Fatal(err)
	}
	dump, err := graphtest.Dump(ctx, graphtest.Driver(t), []string{clean})
	if err != nil {
		t.Fatal(err)
	}
	db = unique(t, "TF_")
	dropAfter(t, store, db)
	return normalized(t, dump, clean, cleanDir), db, generated(t, db)
}

// sameGraph fails the test unless database db (ingested from dir) dumps as want.
func sameGraph(t *testing.T, store *graph.Store, want []string, db, dir string) {
	t.Helper()
	got, err := graphtest.Dump(context.Background(), graphtest.Driver(t), []string{db})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, normalized(t, got, db, dir)); d != "" {
		t.Errorf("graph differs from the clean run's (-want +got):\n%s", d)
	}
}

// dirOpener opens the folder dir whatever the payload names.
func dirOpener(dir string) ingest.OpenSource {
	return func(ctx context.Context, p ingest.RefreshPayload) (ingest.Source, func() error, error) {
		src, err := ingest.NewDirSource(dir, ingest.DirOptions{})
		return src, func() error { return nil }, err
	}
}

// slow delays every batch write, so refreshes overlap.
type slow struct {
	*graph.Store
	delay time.Duration
}

func (s slow) ReplaceViewsLineage(ctx context.Context, v []graph.View, st []graph.ViewState) error {
	time.Sleep(s.delay)
	return s.Store.ReplaceViewsLineage(ctx, v, st)
}

// Two refreshes of one source started together: each job is done only when every view it
// planned is in the graph, also those the other job's tasks wrote (issue 12, item 1).
func TestConcurrentRefreshesDoneOnlyWhenWritten(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	want, db, dir := faultRun(t, store)
	source := "dir:" + dir
	h := newHarness(t, slow{Store: store, delay: 40 * time.Millisecond}, dirOpener(dir))
	h.startWorker(4, time.Second)
	ids := []string{h.refresh(ingest.RefreshPayload{Source: source}), h.refresh(ingest.RefreshPayload{Source: source})}

	// When a job turns final, the graph must hold all its views.
	final := map[string]ingest.Job{}
	inGraph := map[string]int64{}
	for deadline := time.Now().Add(2 * time.Minute); len(final) < len(ids); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("jobs not final after 2 min: %v", final)
		}
		for _, id := range ids {
			if _, ok := final[id]; ok {
				continue
			}
			j, err := h.jobs.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if !j.Final() {
				continue
			}
			c, err := store.SourceCounts(ctx, source)
			if err != nil {
				t.Fatal(err)
			}
			final[id], inGraph[id] = j, c.Views
		}
	}
	joined := 0
	for _, id := range ids {
		j := final[id]
		if j.State != ingest.JobDone || j.Total != 120 || j.Done != 120 || j.Failed != 0 {
			t.Errorf("job %s: %+v; want done with 120 views", id, j)
		}
		if inGraph[id] != 120 {
			t.Errorf("job %s was %s with %d of its 120 views in the graph", id, j.State, inGraph[id])
		}
		joined += len(j.Joined)
	}
	if joined == 0 {
		t.Errorf("no job joined the other's tasks: the refreshes did not overlap (%+v)", final)
	}
	sameGraph(t, store, want, db, dir)
}

// gated holds the n-th batch write, once it committed, until release closes; reached closes
// when it is held.
type gated struct {
	*graph.Store
	n                int32
	calls            atomic.Int32
	reached, release chan struct{}
}

func (g *gated) ReplaceViewsLineage(ctx context.Context, v []graph.View, st []graph.ViewState) error {
	err := g.Store.ReplaceViewsLineage(ctx, v, st)
	if g.calls.Add(1) == g.n && err == nil {
		close(g.reached)
		<-g.release
	}
	return err
}

// A job Redis killed mid-ingest and restarted empty loses the job record and the queued
// tasks; the graph keeps what was written. The job is not found until a task of it still in
// flight ends, which records the job as failed saying what happened; the next refresh (here one
// like a scheduled refresh: no job record created beforehand) writes the rest, its job saying
// how many views it found unwritten (issue 12, item 2).
func TestJobRedisRestartNextRefreshCompletes(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	want, db, dir := faultRun(t, store)
	source := "dir:" + dir
	red := redistest.Start(t)
	g := &gated{Store: store, n: 10, reached: make(chan struct{}), release: make(chan struct{})}
	h := newHarnessAt(t, red.Client(t), g, dirOpener(dir))
	h.startWorker(1, time.Second)
	id := h.refresh(ingest.RefreshPayload{Source: source})
	select {
	case <-g.reached:
	case <-time.After(time.Minute):
		t.Fatal("the 10th batch never came")
	}
	red.Kill()
	red.Restart()
	if _, err := h.jobs.Get(ctx, id); !errors.Is(err, ingest.ErrJobNotFound) {
		t.Fatalf("job after the restart: %v, want ErrJobNotFound", err)
	}
	close(g.release) // the task in flight ends: its job record is gone
	var lost ingest.Job
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var err error
		lost, err = h.jobs.Get(ctx, id)
		if err == nil {
			break
		}
		if !errors.Is(err, ingest.ErrJobNotFound) || time.Now().After(deadline) {
			t.Fatalf("job after its task ended: %v", err)
		}
	}
	if lost.State != ingest.JobFailed || len(lost.Errors) != 1 || !strings.Contains(lost.Errors[0], "job record was lost") {
		t.Errorf("job after its task ended: %+v; want failed, saying its record was lost", lost)
	}
	c, err := store.SourceCounts(ctx, source)
	if err != nil {
		t.Fatal(err)
	}
	if c.Views == 0 || c.Views >= 120 {
		t.Fatalf("%d views in the graph after the restart; want a half-written graph", c.Views)
	}

	// The next refresh, enqueued as the scheduler does (the job id is the task id).
	task, err := ingest.NewRefreshTask(ctx, ingest.RefreshPayload{Source: source}, asynq.TaskID("scheduled-"+id))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.Enqueue(task, asynq.Queue(h.queue)); err != nil {
		t.Fatal(err)
	}
	var next ingest.Job
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		next, err = h.jobs.Get(ctx, "scheduled-"+id)
		if err == nil && next.Final() {
			break
		}
		if err != nil && !errors.Is(err, ingest.ErrJobNotFound) || time.Now().After(deadline) {
			t.Fatalf("next refresh: %+v, %v", next, err)
		}
	}
	if next.State != ingest.JobDone || next.Total != 120-int(c.Views) || next.Unchanged != int(c.Views) || next.Done != next.Total {
		t.Errorf("next refresh's job: %+v; want the %d views left unwritten analysed, the %d written unchanged", next, 120-c.Views, c.Views)
	}
	t.Logf("the lost job had written %d views; the next refresh wrote %d and left %d", c.Views, next.Done, next.Unchanged)
	sameGraph(t, store, want, db, dir)
}

// writeFiles writes name -> content under a new temporary folder.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A view defined twice is one failed view naming both definitions, the other views land;
// binary and empty files are reported as skipped; a view cycle is named (issue 12, items 3
// and 6).
func TestDuplicateViewAndSkippedFilesReported(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	db := unique(t, "TF_")
	dropAfter(t, store, db)
	dir := writeFiles(t, map[string]string{
		"s/twice.sql": "CREATE VIEW " + db + ".S.X AS SELECT 1 AS A;\nCREATE VIEW " + db + ".S.X AS SELECT 2 AS A;\n",
		"s/y.sql":     "CREATE VIEW " + db + ".S.Y AS SELECT 1 AS B",
		"s/c1.sql":    "CREATE VIEW " + db + ".S.C1 AS SELECT A FROM " + db + ".S.C2",
		"s/c2.sql":    "CREATE VIEW " + db + ".S.C2 AS SELECT A FROM " + db + ".S.C1",
		"s/empty.sql": "",
		"s/blank.sql": " \n\t\n",
		"s/bin.sql":   "\x00\x01\x02CREATE VIEW",
		"s/bad8.sql":  "CREATE VIEW " + db + ".S.Z AS SELECT '\xff' AS C",
	})
	h := newHarness(t, store, dirOpener(dir))
	h.batch = 10
	h.startWorker(1, time.Second)
	job := h.wait(h.refresh(ingest.RefreshPayload{Source: "dir:" + dir}), time.Minute)
	if job.State != ingest.JobDone || job.Total != 4 || job.Done != 3 || job.Failed != 1 {
		t.Fatalf("job %+v; want done, 4 views, 1 failed", job)
	}
	if len(job.Errors) != 1 || !strings.Contains(job.Errors[0], "s/twice.sql:1") || !strings.Contains(job.Errors[0], "s/twice.sql:2") {
		t.Errorf("job errors %q; want the duplicate named with both positions", job.Errors)
	}
	wantSkipped := []string{"s/bad8.sql: binary (not UTF-8 text)", "s/bin.sql: binary (not UTF-8 text)", "s/blank.sql: empty", "s/empty.sql: empty"}
	if d := cmp.Diff(wantSkipped, job.Skipped); d != "" {
		t.Errorf("skipped files (-want +got):\n%s", d)
	}
	x, err := store.ViewDetail(ctx, graph.ObjectID{Database: db, Schema: "S", Name: "X"})
	if err != nil {
		t.Fatal(err)
	}
	if x.Status != graph.StatusFailed || !strings.Contains(x.Message, "defined 2 times") {
		t.Errorf("X: status %q, message %q; want failed as defined twice", x.Status, x.Message)
	}
	y, err := store.ViewDetail(ctx, graph.ObjectID{Database: db, Schema: "S", Name: "Y"})
	if err != nil || y.Status != graph.StatusOK {
		t.Errorf("Y: %+v, %v; want it written ok", y, err)
	}
	for _, pair := range [][2]string{{"C1", "C2"}, {"C2", "C1"}} {
		d, err := store.ViewDetail(ctx, graph.ObjectID{Database: db, Schema: "S", Name: pair[0]})
		if err != nil {
			t.Fatal(err)
		}
		cycle := "dependency cycle: " + db + ".S." + pair[0] + " reads " + db + ".S." + pair[1] + " reads " + db + ".S." + pair[0]
		if !strings.Contains(d.Message, cycle) {
			t.Errorf("%s message %q; want it to name the cycle %q", pair[0], d.Message, cycle)
		}
	}
}

// flakySource fails its first listing, after the job started.
type flakySource struct {
	ingest.Source
	calls    *atomic.Int32
	failedAt *atomic.Int64
}

func (s flakySource) List(ctx context.Context) (*ingest.Listing, error) {
	if s.calls.Add(1) == 1 {
		s.failedAt.Store(time.Now().UnixNano())
		return nil, errors.New("warehouse unreachable (test)")
	}
	return s.Source.List(ctx)
}

// A listing error that cannot heal (a malformed catalog) fails the job at once, without
// retries; a transient one is retried, the job showing the attempt and the error and keeping
// its first start (issue 12, item 3).
func TestListingErrorsRetriedOnlyWhenTransient(t *testing.T) {
	store := newStore(t)
	db := unique(t, "TF_")
	dropAfter(t, store, db)

	t.Run("permanent", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{
			"v.sql":        "CREATE VIEW " + db + ".S.V AS SELECT A FROM " + db + ".S.T",
			"catalog.json": `{"` + db + `.S.T": ["A"`,
		})
		h := newHarness(t, store, dirOpener(dir))
		h.startWorker(1, time.Second)
		id := h.refresh(ingest.RefreshPayload{Source: "dir:" + dir})
		job := h.wait(id, time.Minute)
		if job.State != ingest.JobFailed || len(job.Errors) == 0 || !strings.Contains(job.Errors[0], "catalog") {
			t.Errorf("job %+v; want failed naming the catalog", job)
		}
		info, err := asynq.NewInspectorFromRedisClient(h.rdb).GetTaskInfo(h.queue, "refresh:"+id)
		if err != nil {
			t.Fatal(err)
		}
		if info.State != asynq.TaskStateArchived || info.Retried != 0 || job.Attempt != 1 {
			t.Errorf("refresh task %s after %d retries, job attempt %d; want archived after one attempt", info.State, info.Retried, job.Attempt)
		}
	})

	t.Run("transient", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{"v.sql": "CREATE VIEW " + db + ".S.W AS SELECT 1 AS A"})
		var calls atomic.Int32
		var failedAt atomic.Int64
		open := func(ctx context.Context, p ingest.RefreshPayload) (ingest.Source, func() error, error) {
			src, err := ingest.NewDirSource(dir, ingest.DirOptions{})
			return flakySource{Source: src, calls: &calls, failedAt: &failedAt}, func() error { return nil }, err
		}
		h := newHarness(t, store, open)
		h.startWorker(1, time.Second)
		job := h.wait(h.refresh(ingest.RefreshPayload{Source: "dir:" + dir}), time.Minute)
		if job.State != ingest.JobDone || job.Done != 1 {
			t.Fatalf("job %+v; want done with 1 view", job)
		}
		if job.Attempt != 2 || !strings.Contains(job.LastError, "warehouse unreachable") {
			t.Errorf("job attempt %d, last error %q; want attempt 2 after the listing error", job.Attempt, job.LastError)
		}
		if first := time.Unix(0, failedAt.Load()); !job.Started.Before(first) {
			t.Errorf("job started %s, after the first attempt failed (%s): the retry reset it", job.Started, first)
		}
	})
}

// outage fails every batch write while down is set, like a Neo4j that does not answer.
type outage struct {
	*graph.Store
	down   atomic.Bool
	mu     sync.Mutex
	failed int
}

func (o *outage) ReplaceViewsLineage(ctx context.Context, v []graph.View, st []graph.ViewState) error {
	if o.down.Load() {
		o.mu.Lock()
		o.failed++
		o.mu.Unlock()
		return errors.New("neo4j unavailable (test outage)")
	}
	return o.Store.ReplaceViewsLineage(ctx, v, st)
}

// While the graph is down the job shows its retrying batches and their error; when it is
// back they land and the job is done with nothing retrying (issue 12, item 4).
func TestOutageShowsInJob(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	want, db, dir := faultRun(t, store)
	g := &outage{Store: store}
	g.down.Store(true)
	h := newHarness(t, g, dirOpener(dir))
	h.batch = 30
	h.startWorker(2, time.Second)
	id := h.refresh(ingest.RefreshPayload{Source: "dir:" + dir})
	var seen ingest.Job
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		j, err := h.jobs.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if j.Retrying > 0 && strings.Contains(j.LastError, "test outage") {
			seen = j
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job never showed retrying batches: %+v", j)
		}
	}
	g.down.Store(false)
	job := h.wait(id, time.Minute)
	if job.State != ingest.JobDone || job.Done != 120 || job.Retrying != 0 {
		t.Errorf("job after the outage: %+v; want done with 120 views, none retrying", job)
	}
	t.Logf("during the outage: %s, %d batch(es) retrying: %s", seen.State, seen.Retrying, seen.LastError)
	sameGraph(t, store, want, db, dir)
}

// A batch that runs out of retries fails its job, naming the batch and the error, instead of
// leaving it running forever.
func TestBatchOutOfRetriesFailsJob(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	db := unique(t, "TF_")
	dropAfter(t, store, db)
	g := &outage{Store: store}
	g.down.Store(true)
	h := newHarness(t, g, nil)
	h.startWorker(1, time.Second)
	work := []ingest.ViewWork{{View: ingest.ListedView{ID: graph.ObjectID{Database: db, Schema: "S", Name: "V"}, Text: "CREATE VIEW V AS SELECT 1 AS X"}}}
	id := unique(t, "job-")
	if err := h.jobs.Create(ctx, id, "api", false); err != nil {
		t.Fatal(err)
	}
	if err := h.jobs.Planned(ctx, id, &ingest.Plan{Source: "api", Analyze: work}, time.Now()); err != nil {
		t.Fatal(err)
	}
	task, err := ingest.NewAnalyzeTask(ctx, ingest.AnalyzePayload{Source: "api", JobID: id, Views: work}, asynq.MaxRetry(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.Enqueue(task, asynq.Queue(h.queue)); err != nil {
		t.Fatal(err)
	}
	job := h.wait(id, time.Minute)
	if job.State != ingest.JobFailed || len(job.Errors) != 1 || !strings.Contains(job.Errors[0], "gave up after 1 retries") ||
		!strings.Contains(job.Errors[0], "test outage") {
		t.Errorf("job %+v; want failed naming the batch that gave up and its error", job)
	}
}
