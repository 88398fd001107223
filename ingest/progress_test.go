package ingest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tributary-lineage/tributary/ingest"
)

// `ingest --wait` fails, naming what happened, when the job record vanishes (a job Redis
// restarted without persistence) instead of waiting forever.
func TestWatchJobFailsWhenJobVanishes(t *testing.T) {
	rdb := newRedis(t)
	prefix := unique(t, "tributary:ingest-test:job:") + ":"
	jobs := ingest.NewJobStore(rdb, prefix, time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := jobs.Create(ctx, "j1", "dir:/w", false); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	var out strings.Builder
	go func() { done <- ingest.WatchJob(ctx, &out, jobs, "j1", nil) }()
	time.Sleep(1500 * time.Millisecond)
	if err := rdb.Del(ctx, prefix+"j1").Err(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, ingest.ErrJobNotFound) || !strings.Contains(err.Error(), "vanished") || !strings.Contains(err.Error(), "dir:/w") {
			t.Errorf("WatchJob: %v; want the job named as vanished", err)
		}
	case <-ctx.Done():
		t.Fatal("WatchJob still waiting for a job that vanished")
	}
	if !strings.Contains(out.String(), "queued: dir:/w") {
		t.Errorf("progress before the job vanished: %q", out.String())
	}
}

// The progress line shows retrying batches and a retried refresh's attempt with the error.
func TestProgressLineShowsRetries(t *testing.T) {
	j := ingest.Job{State: ingest.JobRunning, Source: "dir:/w", Total: 10, Done: 3, Retrying: 2, LastError: "neo4j unavailable"}
	if got, want := ingest.ProgressLine(j, false), "running: 3/10 views analysed, 0 failed, 0 unchanged, 0 dropped (2 batch(es) retrying after: neo4j unavailable)"; got != want {
		t.Errorf("running: %q, want %q", got, want)
	}
	j = ingest.Job{State: ingest.JobPlanning, Source: "dir:/w", Attempt: 3, LastError: "list: timeout"}
	if got, want := ingest.ProgressLine(j, false), "planning: dir:/w (attempt 3 after: list: timeout)"; got != want {
		t.Errorf("planning: %q, want %q", got, want)
	}
}

// Batches written while the refresh still plans are counted (the line shows them without a
// total), and a job whose views are all counted when planning ends is done at once.
func TestJobDoneWhenBatchesFinishBeforePlanningEnds(t *testing.T) {
	rdb := newRedis(t)
	jobs := ingest.NewJobStore(rdb, unique(t, "tributary:ingest-test:job:")+":", time.Hour)
	ctx := context.Background()
	if err := jobs.Start(ctx, "j1", "dir:/w", false, time.Now()); err != nil {
		t.Fatal(err)
	}
	outcomes := []ingest.Outcome{{View: "D.S.A"}, {View: "D.S.B", Failed: true, Message: "1:8: unexpected"}}
	if err := jobs.ViewsDone(ctx, "j1", outcomes, time.Now()); err != nil {
		t.Fatal(err)
	}
	j, err := jobs.Get(ctx, "j1")
	if err != nil {
		t.Fatal(err)
	}
	if j.State != ingest.JobPlanning || j.Done != 1 || j.Failed != 1 {
		t.Errorf("job while planning: %+v; want planning with 2 views counted", j)
	}
	if got, want := ingest.ProgressLine(j, false), "planning: dir:/w, 2 views analysed so far, 1 failed"; got != want {
		t.Errorf("line while planning: %q, want %q", got, want)
	}
	plan := &ingest.Plan{Source: "dir:/w", Analyze: make([]ingest.ViewWork, 2), Unchanged: 3}
	if err := jobs.Planned(ctx, "j1", plan, time.Now()); err != nil {
		t.Fatal(err)
	}
	if j, err = jobs.Get(ctx, "j1"); err != nil {
		t.Fatal(err)
	}
	if j.State != ingest.JobDone || j.Total != 2 || j.Unchanged != 3 || j.Finished.IsZero() {
		t.Errorf("job planned after its batches were counted: %+v; want done", j)
	}
}
