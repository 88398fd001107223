package telemetry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/otel/codes"
)

// gauge reads one gauge sample from reg.
func gauge(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
					continue metrics
				}
			}
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

// TestWorkerMetricsAndSpans runs a real asynq server on the shared Redis (its own queue) with
// the tracing and metrics middleware, and checks that running jobs moves the metrics: queue
// depth before and after, processed / failed / retried / skipped counts, latency samples, and
// task spans that continue the enqueuer's trace.
func TestWorkerMetricsAndSpans(t *testing.T) {
	rdb := newRedis(t)
	queue := strings.ToLower(unique(t, "test-otel-"))
	insp := asynq.NewInspectorFromRedisClient(rdb)
	t.Cleanup(func() {
		if err := insp.DeleteQueue(queue, true); err != nil {
			t.Logf("delete queue %s: %v", queue, err)
		}
	})
	reg := prometheus.NewRegistry()
	m := NewWorkerMetrics(reg)
	reg.MustRegister(NewQueueCollector(insp, queue))
	p, exp := recorder()

	// Nothing enqueued yet: the queue reports zero, and the scrape succeeds.
	if v, ok := gauge(t, reg, "tributary_asynq_queue_tasks", map[string]string{"queue": queue, "state": "pending"}); !ok || v != 0 {
		t.Fatalf("pending before enqueue = %v (present %v), want 0", v, ok)
	}
	if v, _ := gauge(t, reg, "tributary_asynq_queue_scrape_ok", nil); v != 1 {
		t.Fatalf("scrape_ok = %v", v)
	}

	client := asynq.NewClientFromRedisClient(rdb)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	pctx, enqueueSpan := p.Tracer.Tracer("test").Start(ctx, "POST /api/v1/data/refresh")
	for _, typ := range []string{"test:ok", "test:flaky", "test:skip"} {
		task := asynq.NewTaskWithHeaders(typ, []byte(`{}`), TaskHeaders(pctx))
		if _, err := client.EnqueueContext(pctx, task, asynq.Queue(queue), asynq.MaxRetry(3)); err != nil {
			t.Fatal(err)
		}
	}
	enqueueSpan.End()
	if v, _ := gauge(t, reg, "tributary_asynq_queue_tasks", map[string]string{"queue": queue, "state": "pending"}); v != 3 {
		t.Fatalf("pending after enqueueing 3 = %v", v)
	}

	var flakyRuns atomic.Int32
	mux := asynq.NewServeMux()
	mux.Use(TaskMiddleware(p), m.Middleware())
	mux.HandleFunc("test:ok", func(context.Context, *asynq.Task) error { return nil })
	mux.HandleFunc("test:flaky", func(context.Context, *asynq.Task) error {
		if flakyRuns.Add(1) == 1 {
			return errors.New("transient: neo4j unavailable")
		}
		return nil
	})
	mux.HandleFunc("test:skip", func(context.Context, *asynq.Task) error {
		return fmt.Errorf("bad payload: %w", asynq.SkipRetry)
	})
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency:              2,
		Queues:                   map[string]int{queue: 1},
		RetryDelayFunc:           func(int, error, *asynq.Task) time.Duration { return 0 },
		DelayedTaskCheckInterval: 100 * time.Millisecond,
		Logger:                   quietLogger{},
	})
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()

	ok := m.processed.WithLabelValues("test:flaky", "ok")
	for testutil.ToFloat64(ok) < 1 || testutil.ToFloat64(m.processed.WithLabelValues("test:skip", "skipped")) < 1 ||
		testutil.ToFloat64(m.processed.WithLabelValues("test:ok", "ok")) < 1 {
		if ctx.Err() != nil {
			t.Fatalf("tasks did not finish: %v", ctx.Err())
		}
		time.Sleep(50 * time.Millisecond)
	}

	for _, c := range []struct {
		name string
		got  float64
		want float64
	}{
		{"processed test:ok ok", testutil.ToFloat64(m.processed.WithLabelValues("test:ok", "ok")), 1},
		{"processed test:flaky failed", testutil.ToFloat64(m.processed.WithLabelValues("test:flaky", "failed")), 1},
		{"processed test:flaky ok", testutil.ToFloat64(m.processed.WithLabelValues("test:flaky", "ok")), 1},
		{"processed test:skip skipped", testutil.ToFloat64(m.processed.WithLabelValues("test:skip", "skipped")), 1},
		{"failed test:flaky", testutil.ToFloat64(m.failed.WithLabelValues("test:flaky")), 1},
		{"failed test:skip", testutil.ToFloat64(m.failed.WithLabelValues("test:skip")), 1},
		{"failed test:ok", testutil.ToFloat64(m.failed.WithLabelValues("test:ok")), 0},
		{"retried test:flaky", testutil.ToFloat64(m.retried.WithLabelValues("test:flaky")), 1},
		{"retried test:ok", testutil.ToFloat64(m.retried.WithLabelValues("test:ok")), 0},
		{"in progress test:flaky", testutil.ToFloat64(m.inProgress.WithLabelValues("test:flaky")), 0},
		{"latency samples", float64(testutil.CollectAndCount(m.duration)), 4}, // series: ok/ok, flaky/failed, flaky/ok, skip/skipped
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// After the run: nothing pending; the skipped task is archived (not retried).
	deadline := time.Now().Add(10 * time.Second)
	for {
		pending, _ := gauge(t, reg, "tributary_asynq_queue_tasks", map[string]string{"queue": queue, "state": "pending"})
		archived, _ := gauge(t, reg, "tributary_asynq_queue_tasks", map[string]string{"queue": queue, "state": "archived"})
		if pending == 0 && archived == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue after run: pending %v, archived %v; want 0 and 1", pending, archived)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Spans: one per attempt, each continuing the enqueuer's trace.
	n := byName(exp.GetSpans())
	if len(n["asynq test:ok"]) != 1 || len(n["asynq test:flaky"]) != 2 || len(n["asynq test:skip"]) != 1 {
		t.Fatalf("task spans: %v", names(exp.GetSpans()))
	}
	for _, name := range []string{"asynq test:ok", "asynq test:flaky", "asynq test:skip"} {
		for _, s := range n[name] {
			if s.Parent.SpanID() != enqueueSpan.SpanContext().SpanID() || s.SpanContext.TraceID() != enqueueSpan.SpanContext().TraceID() {
				t.Errorf("%s does not continue the enqueuer's trace", name)
			}
			if attr(s, "messaging.destination.name") != queue {
				t.Errorf("%s queue attribute = %q", name, attr(s, "messaging.destination.name"))
			}
		}
	}
	if s := n["asynq test:skip"][0]; s.Status.Code != codes.Error {
		t.Errorf("skipped task span status = %v, want Error", s.Status.Code)
	}
	retries := map[string]int{}
	for _, s := range n["asynq test:flaky"] {
		retries[attr(s, "asynq.retry_count")]++
	}
	if retries["0"] != 1 || retries["1"] != 1 {
		t.Errorf("flaky attempts by retry count: %v, want one each of 0 and 1", retries)
	}
}

func TestWorkerHandler(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewWorkerMetrics(reg)
	m.processed.WithLabelValues("lineage:refresh", "ok").Inc()
	var readyErr error
	srv := httptest.NewServer(WorkerHandler(reg, func(context.Context) error { return readyErr }))
	defer srv.Close()
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, `tributary_worker_tasks_processed_total{outcome="ok",type="lineage:refresh"} 1`) {
		t.Errorf("/metrics: %d\n%s", code, body)
	}
	if code, _ := get("/health/live"); code != 200 {
		t.Errorf("/health/live: %d", code)
	}
	if code, _ := get("/health/ready"); code != 200 {
		t.Errorf("/health/ready: %d", code)
	}
	readyErr = errors.New("redis: connection refused")
	if code, body := get("/health/ready"); code != 503 || !strings.Contains(body, "connection refused") {
		t.Errorf("/health/ready with Redis down: %d %s", code, body)
	}
	if code, _ := get("/nope"); code != 404 {
		t.Errorf("/nope: %d", code)
	}
}

type quietLogger struct{}

func (quietLogger) Debug(...any) {}
func (quietLogger) Info(...any)  {}
func (quietLogger) Warn(...any)  {}
func (quietLogger) Error(...any) {}
func (quietLogger) Fatal(...any) {}

func TestSideServerServesAndStops(t *testing.T) {
	reg := prometheus.NewRegistry()
	NewWorkerMetrics(reg)
	s, err := StartSideServer("127.0.0.1:0", WorkerHandler(reg, func(context.Context) error { return nil }),
		slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + s.Addr() + "/health/live")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/health/live: %d", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get("http://" + s.Addr() + "/health/live"); err == nil {
		t.Error("still serving after Shutdown")
	}
	if _, err := StartSideServer("256.0.0.1:1", http.NotFoundHandler(), slog.New(slog.NewJSONHandler(io.Discard, nil))); err == nil {
		t.Error("listening on an invalid address succeeded")
	}
}
