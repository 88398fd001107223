package ingest_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
)

// watching is a store that reads the job record when the first batch is written.
type watching struct {
	*counting
	jobs  *ingest.JobStore
	id    string
	once  sync.Once
	first ingest.Job
	err   error
}

func (w *watching) ReplaceViewsLineage(ctx context.Context, views []graph.View, states []graph.ViewState) error {
	w.once.Do(func() { w.first, w.err = w.jobs.Get(ctx, w.id) })
	return w.counting.ReplaceViewsLineage(ctx, views, states)
}

// An inline refresh writes each batch while planning analyses the next ones: with one writer
// and unbuffered hand-over, planning cannot end while the first of several batches is being
// written, so the job is still planning then. Each view is written once, and the job is done
// with every view counted once planning has ended.
func TestInlineWritesBatchesWhilePlanning(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	db := unique(t, "TS_")
	dropAfter(t, store, db)
	src, err := ingest.NewDirSource(generated(t, db), ingest.DirOptions{})
	if err != nil {
		t.Fatal(err)
	}
	jobs := ingest.NewJobStore(newRedis(t), unique(t, "tributary:test:job:")+":", time.Hour)
	id := unique(t, "job-")
	g := &watching{counting: newCounting(store), jobs: jobs, id: id}
	r := ingest.NewRunner(g, jobs, nil)
	r.BatchSize, r.Concurrency = 10, 1
	p, err := r.RunInline(ctx, src, false, id)
	if err != nil {
		t.Fatal(err)
	}
	if g.err != nil {
		t.Fatal(g.err)
	}
	if g.first.State != ingest.JobPlanning || g.first.Total != -1 {
		t.Errorf("job when the first batch was written: %+v; want still planning", g.first)
	}
	job, err := jobs.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if job.State != ingest.JobDone || job.Total != 120 || job.Done != 120 || len(p.Analyze) != 120 {
		t.Errorf("job after the refresh: %+v (plan %d views); want done with 120 views", job, len(p.Analyze))
	}
	replaced, _ := g.take()
	for v, n := range replaced {
		if n != 1 {
			t.Errorf("%s written %d times", v, n)
		}
	}
	if len(replaced) != 120 {
		t.Errorf("%d views written, want 120", len(replaced))
	}
}

// A queued refresh enqueues each batch with the analyses planning made, so no worker analyses
// a view again; the workers then write every view once and the job ends done.
func TestRefreshEnqueuesBatchesWithTheirAnalyses(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	db := unique(t, "TS_")
	dropAfter(t, store, db)
	dir := generated(t, db)
	g := newCounting(store)
	h := newHarness(t, g, dirOpener(dir))
	h.batch = 25
	runner := ingest.NewRunner(g, h.jobs, nil)
	runner.BatchSize = h.batch
	inspector := asynq.NewInspectorFromRedisClient(h.rdb)
	handlers := ingest.NewHandlers(runner, h.jobs, h.client, inspector, h.open, h.queue, nil)
	id := unique(t, "job-")
	b, err := json.Marshal(ingest.RefreshPayload{Source: "dir:" + dir, JobID: id})
	if err != nil {
		t.Fatal(err)
	}
	if err := handlers.HandleRefreshTask(ctx, asynq.NewTask(ingest.TypeRefresh, b)); err != nil {
		t.Fatal(err)
	}
	tasks, err := inspector.ListPendingTasks(h.queue, asynq.PageSize(100))
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 5 {
		t.Errorf("%d analyze tasks queued, want 5 (120 views by 25)", len(tasks))
	}
	views, largest := map[graph.ObjectID]bool{}, 0
	for _, task := range tasks {
		var p ingest.AnalyzePayload
		if err := json.Unmarshal(task.Payload, &p); err != nil {
			t.Fatal(err)
		}
		largest = max(largest, len(task.Payload))
		for _, w := range p.Views {
			if w.Analysis == nil || w.Analysis.View.ID != w.View.ID {
				t.Errorf("task %s: %s carries no analysis; a worker would analyse it again", task.ID, w.View.ID)
			}
			views[w.View.ID] = true
		}
	}
	if len(views) != 120 {
		t.Errorf("the tasks carry %d views, want 120", len(views))
	}
	h.startWorker(2, time.Second)
	job := h.wait(id, time.Minute)
	if job.State != ingest.JobDone || job.Total != 120 || job.Done != 120 {
		t.Errorf("job: %+v; want done with 120 views", job)
	}
	replaced, _ := g.take()
	for v, n := range replaced {
		if n != 1 {
			t.Errorf("%s written %d times", v, n)
		}
	}
	t.Logf("largest analyze payload: %d bytes for %d views of ~8 columns", largest, h.batch)
}
