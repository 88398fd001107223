package ingest_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

const testSecret = "webhook-test-secret"

// delivery is one request a receiver got.
type delivery struct {
	header http.Header
	body   []byte
	status int // what the receiver answered
}

// receiver is a local webhook endpoint answering with answer(n) to its n-th request (from 1).
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []delivery
	answer func(n int) int
}

func newReceiver(t *testing.T, answer func(n int) int) *receiver {
	r := &receiver{answer: answer}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		status := r.answer(len(r.got) + 1)
		r.got = append(r.got, delivery{header: req.Header.Clone(), body: b, status: status})
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// event is a webhook body as a receiver decodes it.
type event struct {
	ID        string              `json:"id"`
	Type      string              `json:"type"`
	Timestamp int64               `json:"timestamp"`
	Attempt   int                 `json:"attempt"`
	Data      ingest.ChangeRecord `json:"data"`
}

// verified checks the signature of d as a receiver would (HMAC-SHA256 of the raw body, hex,
// constant-time compare, timestamp within 5 minutes) and decodes it.
func verified(t *testing.T, d delivery) event {
	t.Helper()
	m := hmac.New(sha256.New, []byte(testSecret))
	m.Write(d.body)
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	if got := d.header.Get("X-Tributary-Signature"); !hmac.Equal([]byte(got), []byte(want)) {
		t.Fatalf("signature %q, want %q for body %s", got, want, d.body)
	}
	var e event
	if err := json.Unmarshal(d.body, &e); err != nil {
		t.Fatalf("body: %v: %s", err, d.body)
	}
	if ts := d.header.Get("X-Tributary-Timestamp"); ts != strconv.FormatInt(e.Timestamp, 10) {
		t.Errorf("timestamp header %q, body %d", ts, e.Timestamp)
	}
	if age := time.Since(time.Unix(e.Timestamp, 0)); age < -time.Minute || age > 5*time.Minute {
		t.Errorf("event timestamp %d is %s old", e.Timestamp, age)
	}
	if h := d.header.Get("X-Tributary-Event-Id"); h != e.ID || e.ID == "" {
		t.Errorf("event id header %q, body %q", h, e.ID)
	}
	if e.Type != "lineage.view.changed" {
		t.Errorf("event type %q", e.Type)
	}
	return e
}

// webhookHarness runs refresh, analyze and webhook tasks on a queue of its own, with webhook
// retries after 20 ms, 40 ms, ... (at most 200 ms).
type webhookHarness struct {
	*harness
	dir   string
	db    string
	hooks *ingest.Webhooks
}

func newWebhookHarness(t *testing.T, batch int, urls ...string) *webhookHarness {
	db := unique(t, "TW_")
	dir := t.TempDir()
	store := newStore(t)
	dropAfter(t, store, db)
	open := func(ctx context.Context, p ingest.RefreshPayload) (ingest.Source, func() error, error) {
		src, err := ingest.NewDirSource(dir, ingest.DirOptions{})
		return src, func() error { return nil }, err
	}
	h := &webhookHarness{harness: newHarness(t, store, open), dir: dir, db: db}
	h.batch = batch

	rdb := newRedis(t)
	client := asynq.NewClientFromRedisClient(rdb)
	graphtest.CleanupChangeEvents(t, graphtest.Driver(t), h.queue)
	hooks, err := ingest.NewWebhooks(ingest.WebhookConfig{URLs: urls, Secret: testSecret, Queue: h.queue,
		Timeout: 2 * time.Second, MaxRetry: 5}, client, store, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	h.hooks = hooks
	runner := ingest.NewRunner(store, h.jobs, nil).WithChanges(store, hooks)
	runner.BatchSize = h.batch
	handlers := ingest.NewHandlers(runner, h.jobs, client, asynq.NewInspectorFromRedisClient(rdb), open, h.queue, nil)
	mux := asynq.NewServeMux()
	handlers.Register(mux)
	hooks.Register(mux)
	hookDelay := ingest.RetryDelay(20*time.Millisecond, 200*time.Millisecond)
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency: 2,
		Queues:      map[string]int{h.queue: 1},
		LogLevel:    asynq.FatalLevel,
		RetryDelayFunc: func(n int, err error, task *asynq.Task) time.Duration {
			if task.Type() == ingest.TypeWebhook {
				return hookDelay(n, err, task)
			}
			return 100 * time.Millisecond
		},
		TaskCheckInterval:        20 * time.Millisecond,
		DelayedTaskCheckInterval: 20 * time.Millisecond,
	})
	if err := srv.Start(mux); err != nil {
		t.Fatalf("start worker: %v", err)
	}
	t.Cleanup(srv.Shutdown)
	return h
}

// write puts a view definition in the warehouse folder.
func (h *webhookHarness) write(name, text string) {
	h.t.Helper()
	if err := os.MkdirAll(filepath.Join(h.dir, "s"), 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "s", name+".sql"), []byte(text), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

func (h *webhookHarness) refreshDone() ingest.Job {
	h.t.Helper()
	job := h.wait(h.refresh(ingest.RefreshPayload{Source: "dir:" + h.dir}), time.Minute)
	if job.State != ingest.JobDone {
		h.t.Fatalf("refresh: %+v", job)
	}
	return job
}

// waitFor polls until cond holds on the receiver's deliveries.
func waitFor(t *testing.T, r *receiver, what string, cond func([]delivery) bool) []delivery {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := r.deliveries()
		if cond(got) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 30 s; %d deliveries", what, len(got))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// T -> V1 -> V2 with V2 reading V1.C; V1 is redefined without C. The receiver gets a signed
// event for V1 listing V2's column as broken, whether V1 and V2 are written in one analyze
// batch (one transaction) or in two; then V1 is dropped.
func TestWebhookListsBrokenColumnsAfterAColumnIsDropped(t *testing.T) {
	for _, batch := range []int{10, 1} {
		t.Run("batch="+strconv.Itoa(batch), func(t *testing.T) { testBrokenColumns(t, batch) })
	}
}

func testBrokenColumns(t *testing.T, batch int) {
	rcv := newReceiver(t, func(int) int { return http.StatusNoContent })
	h := newWebhookHarness(t, batch, rcv.srv.URL+"/hooks/lineage")
	v1, v2 := h.db+".S.V1", h.db+".S.V2"
	h.write("v1", "CREATE VIEW "+v1+" AS SELECT A, B, C FROM "+h.db+".S.T")
	h.write("v2", "CREATE VIEW "+v2+" AS SELECT C AS C2, A FROM "+v1)
	job1 := h.refreshDone()

	// Round 1: two added views.
	got := waitFor(t, rcv, "events of the first refresh", func(d []delivery) bool { return len(d) >= 2 })
	kinds := map[string]string{}
	for _, d := range got {
		e := verified(t, d)
		if e.Data.JobID != job1.ID {
			t.Errorf("event %s: job %q, want %q", e.ID, e.Data.JobID, job1.ID)
		}
		kinds[e.Data.View] = e.Data.Kind
	}
	if want := map[string]string{v1: "added", v2: "added"}; !sameMap(kinds, want) {
		t.Errorf("first refresh: events %v, want %v", kinds, want)
	}

	// Round 2: V1 loses C.
	h.write("v1", "CREATE VIEW "+v1+" AS SELECT A, B FROM "+h.db+".S.T")
	job2 := h.refreshDone()
	got = waitFor(t, rcv, "the event of V1", func(d []delivery) bool {
		return slices.ContainsFunc(d[min(2, len(d)):], func(x delivery) bool {
			var e event
			return json.Unmarshal(x.body, &e) == nil && e.Data.View == v1
		})
	})
	var ev event
	for _, d := range got[2:] {
		if e := verified(t, d); e.Data.View == v1 {
			ev = e
		}
	}
	rec := ev.Data
	if rec.Kind != "modified" || rec.JobID != job2.ID || rec.Source != "dir:"+h.dir {
		t.Errorf("V1 record kind %q job %q source %q, want modified, %s, dir:%s", rec.Kind, rec.JobID, rec.Source, job2.ID, h.dir)
	}
	if !slices.Equal(rec.ColumnsRemoved, []string{"C"}) || len(rec.ColumnsAdded) != 0 {
		t.Errorf("V1 columns added %v removed %v, want none and [C]", rec.ColumnsAdded, rec.ColumnsRemoved)
	}
	wantRemoved := ingest.ChangedEdge{From: v1 + ".C", To: h.db + ".S.T.C", Type: "DIRECT", Subtype: "IDENTITY"}
	if !slices.Equal(rec.EdgesRemoved, []ingest.ChangedEdge{wantRemoved}) || len(rec.EdgesAdded) != 0 {
		t.Errorf("V1 edges added %v removed %v, want none and [%v]", rec.EdgesAdded, rec.EdgesRemoved, wantRemoved)
	}
	wantBroken := []ingest.BrokenColumn{{Column: v2 + ".C2", View: v2, LostSources: []string{v1 + ".C"}, Kinds: []string{"DIRECT/IDENTITY"}}}
	if len(rec.Broken) != 1 || rec.Broken[0].Column != wantBroken[0].Column || rec.Broken[0].View != v2 ||
		!slices.Equal(rec.Broken[0].LostSources, wantBroken[0].LostSources) || !slices.Equal(rec.Broken[0].Kinds, wantBroken[0].Kinds) {
		t.Errorf("V1 broken columns %+v, want %+v", rec.Broken, wantBroken)
	}
	if rec.At.IsZero() || ev.Attempt != 1 {
		t.Errorf("record time %v, attempt %d", rec.At, ev.Attempt)
	}

	// Round 3: nothing changed, no event.
	time.Sleep(300 * time.Millisecond) // V2's event, if any, is in
	seen := len(rcv.deliveries())
	h.refreshDone()
	time.Sleep(500 * time.Millisecond)
	if n := len(rcv.deliveries()); n != seen {
		t.Errorf("a refresh with nothing changed sent %d events", n-seen)
	}

	// Round 4: V1 is dropped; V2.A loses its source.
	if err := os.Remove(filepath.Join(h.dir, "s", "v1.sql")); err != nil {
		t.Fatal(err)
	}
	job4 := h.refreshDone()
	isV1 := func(x delivery) bool {
		var e event
		return json.Unmarshal(x.body, &e) == nil && e.Data.View == v1
	}
	got = waitFor(t, rcv, "the drop event", func(d []delivery) bool { return slices.ContainsFunc(d[seen:], isV1) })
	e := verified(t, got[seen+slices.IndexFunc(got[seen:], isV1)])
	if e.Data.View != v1 || e.Data.Kind != "dropped" || e.Data.JobID != job4.ID || e.Data.StatusAfter != "" {
		t.Fatalf("drop event %+v", e.Data)
	}
	if !slices.Equal(e.Data.ColumnsRemoved, []string{"A", "B"}) || len(e.Data.EdgesRemoved) != 2 {
		t.Errorf("drop removed columns %v edges %v", e.Data.ColumnsRemoved, e.Data.EdgesRemoved)
	}
	if len(e.Data.Broken) != 1 || e.Data.Broken[0].Column != v2+".A" || !slices.Equal(e.Data.Broken[0].LostSources, []string{v1 + ".A"}) {
		t.Errorf("drop broken columns %+v, want %s.A losing %s.A", e.Data.Broken, v2, v1)
	}
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A receiver failing twice with 500 gets the event on the third try; a receiver answering 400
// gets it once (permanent failure); a receiver that is down does not hold the refresh up.
func TestWebhookRetriesAndFailuresDoNotBlockIngestion(t *testing.T) {
	flaky := newReceiver(t, func(n int) int {
		if n <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	rejecting := newReceiver(t, func(int) int { return http.StatusBadRequest })
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL + "/hook"
	down.Close() // connection refused from now on
	h := newWebhookHarness(t, 10, flaky.srv.URL, rejecting.srv.URL, downURL)
	view := h.db + ".S.ONLY"
	h.write("only", "CREATE VIEW "+view+" AS SELECT 1 AS X")

	start := time.Now()
	job := h.refreshDone() // done although one endpoint is down and one fails
	t.Logf("refresh done in %s", time.Since(start))
	if job.Done != 1 {
		t.Fatalf("job %+v", job)
	}

	got := waitFor(t, flaky, "third attempt", func(d []delivery) bool { return len(d) >= 3 })
	var id string
	for i, d := range got[:3] {
		e := verified(t, d)
		if e.Attempt != i+1 || d.header.Get("X-Tributary-Attempt") != strconv.Itoa(i+1) {
			t.Errorf("delivery %d: attempt %d (header %q)", i+1, e.Attempt, d.header.Get("X-Tributary-Attempt"))
		}
		if i == 0 {
			id = e.ID
		} else if e.ID != id {
			t.Errorf("delivery %d: event id %s, want %s (same event)", i+1, e.ID, id)
		}
		if e.Data.View != view || e.Data.Kind != "added" {
			t.Errorf("delivery %d: %s %s", i+1, e.Data.View, e.Data.Kind)
		}
	}
	if got[2].status != http.StatusOK {
		t.Errorf("third delivery answered %d", got[2].status)
	}

	in := asynq.NewInspectorFromRedisClient(newRedis(t))
	state := func(url string) asynq.TaskState {
		t.Helper()
		info, err := in.GetTaskInfo(h.queue, ingest.WebhookTaskID(id, url))
		if err != nil {
			t.Fatalf("task for %s: %v", url, err)
		}
		return info.State
	}
	waitState := func(url string, want asynq.TaskState) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for s := state(url); s != want; s = state(url) {
			if time.Now().After(deadline) {
				t.Fatalf("task for %s is %s, want %s", url, s, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitState(flaky.srv.URL, asynq.TaskStateCompleted)
	waitState(rejecting.srv.URL, asynq.TaskStateArchived) // 400: no retry
	if n := len(rejecting.deliveries()); n != 1 {
		t.Errorf("rejecting receiver got %d deliveries, want 1", n)
	}
	waitState(downURL, asynq.TaskStateArchived) // 1 try + 5 retries, all refused
	time.Sleep(300 * time.Millisecond)
	if n := len(flaky.deliveries()); n != 3 {
		t.Errorf("flaky receiver got %d deliveries, want 3", n)
	}
	// The outbox reports the event as settled with a failure (refused by one URL, never
	// acknowledged by another), and nothing pending.
	if c, err := h.hooks.Sweep(context.Background()); err != nil || c.Pending != 0 || c.Failed != 1 {
		t.Errorf("outbox after the deliveries: %+v, %v; want 0 pending, 1 failed", c, err)
	}

	// Publishing the same event again is a no-op: the delivered task keeps its id.
	client := asynq.NewClientFromRedisClient(newRedis(t))
	task, err := ingest.NewWebhookTask(context.Background(), ingest.WebhookPayload{EventID: id, URL: flaky.srv.URL, Data: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Enqueue(task, asynq.Queue(h.queue), asynq.Retention(time.Hour)); !errorsIs(err, asynq.ErrTaskIDConflict) {
		t.Errorf("duplicate delivery enqueue: %v, want ErrTaskIDConflict", err)
	}
}
