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
