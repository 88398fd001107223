package ingest_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/internal/graphtest"
	"github.com/tributary-lineage/tributary/internal/redistest"
)

// killAfterCommit is the store's change-reporting writes, with the job Redis killed once,
// right after the first write committed: between the commit and the enqueue of its deliveries.
type killAfterCommit struct {
	*graph.Store
	once sync.Once
	kill func()
}

func (k *killAfterCommit) ReplaceViewsLineageChanges(ctx context.Context, views []graph.View, states []graph.ViewState, events graph.EventsFunc) ([]graph.ViewChange, error) {
	c, err := k.Store.ReplaceViewsLineageChanges(ctx, views, states, events)
	if err == nil {
		k.once.Do(k.kill)
	}
	return c, err
}

// The job Redis (a private redis-server) dies after a batch's graph write committed and before
// its webhook deliveries are enqueued, and comes back empty. Every change event was stored in
// the outbox with its write; once Redis is back, a sweep hands them on and each view's event
// reaches the receiver exactly once, correctly signed, and the outbox shows them delivered.
func TestChangeEventsSurviveAJobRedisOutageAfterTheCommit(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	db := unique(t, "TO_")
	dropAfter(t, store, db)
	queue := unique(t, "tributary-outbox-test-")
	driver := graphtest.Driver(t)
	graphtest.CleanupChangeEvents(t, driver, queue)
	rcv := newReceiver(t, func(int) int { return http.StatusOK })
	red := redistest.Start(t)
	rdb := red.Client(t) // one client throughout, as a worker keeps its own across an outage

	hooks, err := ingest.NewWebhooks(ingest.WebhookConfig{URLs: []string{rcv.srv.URL + "/hook"}, Secret: testSecret,
		Queue: queue, Timeout: 2 * time.Second, MaxRetry: 3}, asynq.NewClientFromRedisClient(rdb), store, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	writer := &killAfterCommit{Store: store, kill: func() { red.Kill() }}
	runner := ingest.NewRunner(store, nil, nil).WithChanges(writer, hooks)
	runner.BatchSize = 2 // three batches: Redis dies after the first commits

	dir := t.TempDir()
	views := []string{db + ".S.V1", db + ".S.V2", db + ".S.V3", db + ".S.V4", db + ".S.V5"}
	if err := os.MkdirAll(filepath.Join(dir, "s"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, v := range views {
		sql := "CREATE VIEW " + v + " AS SELECT " + string(rune('1'+i)) + " AS X"
		if err := os.WriteFile(filepath.Join(dir, "s", filepath.Base(v)+".sql"), []byte(sql), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := ingest.NewDirSource(dir, ingest.DirOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runner.RunInline(ctx, src, false, "job-outbox"); err != nil {
		t.Fatalf("refresh with the job Redis down: %v", err)
	}
	if err := rdb.Ping(ctx).Err(); err == nil {
		t.Fatal("the job Redis was not killed during the refresh")
	}
	c, err := store.ChangeEventCounts(ctx, queue)
	if err != nil {
		t.Fatal(err)
	}
	if c.Pending != len(views) || c.OldestPending.IsZero() {
		t.Fatalf("outbox after the refresh: %+v, want %d pending events", c, len(views))
	}
	// A sweep while Redis is down fails and leaves the events pending.
	if _, err := hooks.Sweep(ctx); err == nil {
		t.Error("a sweep with the job Redis down reported no error")
	}

	red.Restart() // empty: no persistence
	// go-redis answers from a failed dial for a moment after one: wait until this client's
	// pool has reconnected, as a worker's would.
	for deadline := time.Now().Add(10 * time.Second); rdb.Ping(ctx).Err() != nil; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the job Redis client did not reconnect after the restart")
		}
	}
	mux := asynq.NewServeMux()
	hooks.Register(mux)
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency: 2, Queues: map[string]int{queue: 1}, LogLevel: asynq.FatalLevel,
		TaskCheckInterval: 20 * time.Millisecond,
	})
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	if _, err := hooks.Sweep(ctx); err != nil {
		t.Fatalf("sweep after Redis returned: %v", err)
	}
	got := waitFor(t, rcv, "every event", func(d []delivery) bool { return len(d) >= len(views) })
	var delivered []string
	for _, d := range got {
		e := verified(t, d)
		if e.Data.Kind != ingest.ChangeAdded || e.Data.JobID != "job-outbox" || e.Attempt != 1 {
			t.Errorf("event %s: %s %s of job %s, attempt %d", e.ID, e.Data.View, e.Data.Kind, e.Data.JobID, e.Attempt)
		}
		delivered = append(delivered, e.Data.View)
	}
	sort.Strings(delivered)
	if diff := cmp.Diff(views, delivered); diff != "" {
		t.Errorf("delivered views (-want +got):\n%s", diff)
	}

	// The outbox records the deliveries; later sweeps hand nothing on again.
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := hooks.Sweep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.Pending == 0 && c.Failed == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox after the deliveries: %+v", c)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(rcv.deliveries()); n != len(views) {
		t.Errorf("%d deliveries, want %d (one per event)", n, len(views))
	}
	res, err := neo4j.ExecuteQuery(ctx, driver, `MATCH (e:ChangeEvent {queue: $queue})
		RETURN count(e) AS n, count(e.settled) AS settled,
		       sum(size(e.deliveredTo)) AS delivered, sum(size(e.failedTo)) AS failed`,
		map[string]any{"queue": queue}, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(graphtest.Neo4jDatabase()))
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]any{}
	for _, k := range []string{"n", "settled", "delivered", "failed"} {
		stored[k], _ = res.Records[0].Get(k)
	}
	want := map[string]any{"n": int64(len(views)), "settled": int64(len(views)), "delivered": int64(len(views)), "failed": int64(0)}
	if diff := cmp.Diff(want, stored); diff != "" {
		t.Errorf("stored events (-want +got):\n%s", diff)
	}
	// Settled events are pruned once older than the retention.
	if n, err := store.PruneChangeEvents(ctx, queue, time.Now().Add(time.Minute), 100); err != nil || n != len(views) {
		t.Errorf("prune: %d, %v; want %d", n, err, len(views))
	}
}
