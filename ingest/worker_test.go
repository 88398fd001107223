package ingest_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
)

// harness runs ingestion tasks on a queue of its own through real asynq servers.
type harness struct {
	t      *testing.T
	addr   string // the job Redis
	rdb    *redis.Client
	queue  string
	jobs   *ingest.JobStore
	g      ingest.Graph
	open   ingest.OpenSource
	batch  int
	client *asynq.Client
}

func newHarness(t *testing.T, g ingest.Graph, open ingest.OpenSource) *harness {
	return newHarnessAt(t, newRedis(t), g, open)
}

// newHarnessAt is newHarness on the Redis rdb is a client of.
func newHarnessAt(t *testing.T, rdb *redis.Client, g ingest.Graph, open ingest.OpenSource) *harness {
	h := &harness{t: t, addr: rdb.Options().Addr, rdb: rdb, queue: unique(t, "tributary-test-"), g: g, open: open,
		jobs: ingest.NewJobStore(rdb, unique(t, "tributary:test:job:")+":", time.Hour), batch: 3}
	h.client = asynq.NewClientFromRedisClient(rdb)
	t.Cleanup(func() {
		in := asynq.NewInspectorFromRedisClient(rdb)
		in.DeleteQueue(h.queue, true)
	})
	return h
}

// startWorker starts an asynq server serving the harness queue; stop shuts it down with
// the given grace period (tasks still running after it are put back in the queue).
func (h *harness) startWorker(concurrency int, grace time.Duration) (stop func()) {
	h.t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: h.addr})
	h.t.Cleanup(func() { rdb.Close() })
	runner := ingest.NewRunner(h.g, h.jobs, nil)
	runner.BatchSize = h.batch
	handlers := ingest.NewHandlers(runner, h.jobs, asynq.NewClientFromRedisClient(rdb), asynq.NewInspectorFromRedisClient(rdb), h.open, h.queue, nil)
	mux := asynq.NewServeMux()
	handlers.Register(mux)
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency:       concurrency,
		Queues:            map[string]int{h.queue: 1},
		ShutdownTimeout:   grace,
		LogLevel:          asynq.ErrorLevel,
		RetryDelayFunc:    func(int, error, *asynq.Task) time.Duration { return 100 * time.Millisecond },
		TaskCheckInterval: 50 * time.Millisecond,
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, task *asynq.Task, err error) {
			slog.Default().Debug("task failed", "type", task.Type(), "error", err)
		}),
	})
	if err := srv.Start(mux); err != nil {
		h.t.Fatalf("start worker: %v", err)
	}
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			srv.Shutdown()
		}
	}
	h.t.Cleanup(stop)
	return stop
}

// refresh enqueues a refresh of spec and returns its job id.
func (h *harness) refresh(p ingest.RefreshPayload) string {
	h.t.Helper()
	p.JobID = unique(h.t, "job-")
	task, err := ingest.NewRefreshTask(context.Background(), p)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.jobs.Create(context.Background(), p.JobID, p.Source, p.Full); err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.client.Enqueue(task, asynq.Queue(h.queue)); err != nil {
		h.t.Fatalf("enqueue refresh: %v", err)
	}
	return p.JobID
}

// wait polls the job until it is final or timeout passes.
func (h *harness) wait(id string, timeout time.Duration) ingest.Job {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		j, err := h.jobs.Get(context.Background(), id)
		if err != nil {
			h.t.Fatal(err)
		}
		if j.Final() {
			return j
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("job %s not finished after %s: %+v", id, timeout, j)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Enqueueing the same analyze work twice is a no-op while the first is queued.
func TestAnalyzeTaskIDDeduplicates(t *testing.T) {
	rdb := newRedis(t)
	queue := unique(t, "tributary-test-")
	t.Cleanup(func() { asynq.NewInspectorFromRedisClient(rdb).DeleteQueue(queue, true) })
	client := asynq.NewClientFromRedisClient(rdb)
	work := []ingest.ViewWork{{View: ingest.ListedView{Text: "CREATE VIEW V AS SELECT 1 AS X"}}}
	work[0].View.ID.Database, work[0].View.ID.Schema, work[0].View.ID.Name = "D", "S", "V"
	p := ingest.AnalyzePayload{Source: "dir:/x", Views: work}
	for i, want := range []error{nil, asynq.ErrTaskIDConflict} {
		task, err := ingest.NewAnalyzeTask(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.Enqueue(task, asynq.Queue(queue))
		if (want == nil) != (err == nil) || want != nil && !errorsIs(err, want) {
			t.Errorf("enqueue %d: %v, want %v", i+1, err, want)
		}
	}
	// Another version of the view is other work.
	p.Views[0].View.Text = "CREATE VIEW V AS SELECT 2 AS X"
	task, err := ingest.NewAnalyzeTask(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Enqueue(task, asynq.Queue(queue)); err != nil {
		t.Errorf("enqueue of a changed view: %v", err)
	}
}

// A batch with a view that does not parse ends archived (SkipRetry). When the same work is
// planned again later (here: the graph lost the views), the archived task does not swallow it.
func TestArchivedAnalyzeTaskDoesNotBlockRework(t *testing.T) {
	ctx := context.Background()
	db := unique(t, "TA_")
	dir := writeFiles(t, map[string]string{
		"s/good.sql":   "CREATE VIEW " + db + ".S.GOOD AS SELECT 1 AS X",
		"s/reader.sql": "CREATE VIEW " + db + ".S.READER AS SELECT * FROM " + db + ".S.GOOD",
		"s/bad.sql":    "CREATE VIEW " + db + ".S.BAD AS SELECT 1 AS X,, 2 AS Y",
	})
	store := newStore(t)
	dropAfter(t, store, db)
	h := newHarness(t, store, dirOpener(dir))
	h.batch = 10
	h.startWorker(1, time.Second)
	ids := []graph.ObjectID{{Database: db, Schema: "S", Name: "BAD"}, {Database: db, Schema: "S", Name: "GOOD"}, {Database: db, Schema: "S", Name: "READER"}}
	for round := range 2 {
		job := h.wait(h.refresh(ingest.RefreshPayload{Source: "dir:" + dir}), time.Minute)
		if job.State != ingest.JobDone || job.Total != 3 || job.Done != 2 || job.Failed != 1 {
			t.Fatalf("round %d: job %+v; want 3 views, 1 failed", round, job)
		}
		for _, id := range ids {
			d, err := store.ViewDetail(ctx, id)
			if err != nil {
				t.Fatalf("round %d: %s: %v", round, id, err)
			}
			if (d.Status == graph.StatusFailed) != (id.Name == "BAD") {
				t.Errorf("round %d: %s has status %q", round, id, d.Status)
			}
		}
		for _, id := range ids { // the graph loses everything
			if err := store.DeleteView(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
	}
}
