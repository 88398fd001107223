package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/internal/graphtest"
	"github.com/tributary-lineage/tributary/internal/redistest"
	"github.com/tributary-lineage/tributary/internal/synth"
)

// envWorkerProcess makes the test binary run `tributary` with the arguments it holds (split
// on spaces) instead of the tests: a worker in a process of its own, which a test can kill -9.
const envWorkerProcess = "TRIBUTARY_TEST_RUN_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(envWorkerProcess); args != "" {
		os.Exit(run(context.Background(), strings.Fields(args), os.Getenv, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// A worker process killed with SIGKILL mid-ingest: another worker recovers its tasks once
// asynq finds their lease expired, logs them and runs them again after a second; the job ends
// done and the graph is the one an uninterrupted run builds. The test logs the recovery time
// (docs/scaling.md).
func TestWorkerKilledRecovers(t *testing.T) {
	ctx := context.Background()
	store := graph.NewStore(graphtest.Driver(t), graphtest.Neo4jDatabase())
	warehouse := func() (dir, db string) {
		db, dir = uniqueDB(t), t.TempDir()
		w := synth.Generate(synth.Options{Views: 400, Columns: 8, Depth: 4, Seed: 11, Database: db})
		if err := synth.WriteDir(dir, w.AllFiles()); err != nil {
			t.Fatal(err)
		}
		return dir, db
	}
	dump := func(db, dir string) []string {
		lines, err := graphtest.Dump(ctx, graphtest.Driver(t), []string{db})
		if err != nil {
			t.Fatal(err)
		}
		out, err := graphtest.NormalizeDump(lines, db, dir)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	// Uninterrupted, in process.
	cleanDir, cleanDB := warehouse()
	src, err := ingest.NewDirSource(cleanDir, ingest.DirOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.NewRunner(store, nil, nil).RunInline(ctx, src, false, ""); err != nil {
		t.Fatal(err)
	}
	want := dump(cleanDB, cleanDir)

	// Through a job Redis of the test's own and a worker process.
	dir, db := warehouse()
	red := redistest.Start(t)
	rdb := red.Client(t)
	queue := uniqueName(t, "tributary-cmd-test-")
	var procOut bytes.Buffer
	proc := exec.Command(os.Args[0], "-test.run=^$")
	proc.Env = append(os.Environ(), envWorkerProcess+"=worker --queue "+queue+" --batch 10 --concurrency 2",
		envRedisAddr+"="+red.Addr, envRefreshCron+"=")
	proc.Stdout, proc.Stderr = &procOut, &procOut
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proc.Process.Kill(); proc.Wait() })

	jobs := ingest.NewJobStore(rdb, "", 0)
	p := ingest.RefreshPayload{Source: "dir:" + dir, JobID: uniqueName(t, "job-")}
	task, err := ingest.NewRefreshTask(ctx, p, asynq.Queue(queue), asynq.MaxRetry(5))
	if err != nil {
		t.Fatal(err)
	}
	if err := jobs.Create(ctx, p.JobID, p.Source, false); err != nil {
		t.Fatal(err)
	}
	if _, err := asynq.NewClientFromRedisClient(rdb).EnqueueContext(ctx, task); err != nil {
		t.Fatal(err)
	}
	var mid ingest.Job
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(5 * time.Millisecond) {
		if mid, err = jobs.Get(ctx, p.JobID); err != nil {
			t.Fatal(err)
		}
		if mid.State == ingest.JobRunning && mid.Done >= 100 {
			break
		}
		if mid.Final() || time.Now().After(deadline) {
			t.Fatalf("job before the kill: %+v\nworker: %s", mid, procOut.String())
		}
	}
	proc.Process.Kill() // SIGKILL: no shutdown, its tasks stay active with a lease
	proc.Wait()
	killed := time.Now()
	in := asynq.NewInspectorFromRedisClient(rdb)
	active, err := in.ListActiveTasks(queue)
	if err != nil {
		t.Fatal(err)
	}
	if len(active) == 0 {
		t.Fatalf("no task was active when the worker died (job %+v)", mid)
	}

	w := startWorker(t, testEnv(map[string]string{envRedisAddr: red.Addr, envRefreshCron: "", envShutdownTimeout: "5s"}), queue)
	var job ingest.Job
	for deadline := time.Now().Add(4 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if job, err = jobs.Get(ctx, p.JobID); err != nil {
			t.Fatal(err)
		}
		if job.Final() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job not final 4 min after the kill: %+v\nworker: %s", job, w.logs())
		}
	}
	recovered := time.Since(killed)
	w.stop(t)
	if job.State != ingest.JobDone || job.Done != 400 || job.Failed != 0 {
		t.Errorf("job after the recovery: %+v; want done with 400 views", job)
	}
	logged := 0
	for _, r := range decodeLog(t, w.out.String()) {
		if r.Msg == "recovering a task of a lost worker" {
			logged++
		}
	}
	if logged < len(active) {
		t.Errorf("%d recovered tasks logged, want %d (the tasks active at the kill):\n%s", logged, len(active), w.out.String())
	}
	if d := cmp.Diff(want, dump(db, dir)); d != "" {
		t.Errorf("graph after the recovery differs from the uninterrupted run's (-want +got):\n%s", d)
	}
	t.Logf("killed at %d/%d views with %d task(s) active; job done %.1fs after the kill", mid.Done, mid.Total, len(active), recovered.Seconds())
}
