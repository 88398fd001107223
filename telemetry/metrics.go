package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// WorkerMetrics counts the tasks a worker runs, in an injected registry.
//
//	tributary_worker_tasks_processed_total{type,outcome}  attempts finished (outcome ok, failed, skipped)
//	tributary_worker_tasks_failed_total{type}             attempts that returned an error
//	tributary_worker_tasks_retried_total{type}            attempts that were retries (retry count > 0)
//	tributary_worker_task_duration_seconds{type,outcome}  attempt latency
//	tributary_worker_tasks_in_progress{type}              attempts running now
//
// "skipped" is a failure wrapping asynq.SkipRetry: permanent, not retried.
type WorkerMetrics struct {
	processed  *prometheus.CounterVec
	failed     *prometheus.CounterVec
	retried    *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	inProgress *prometheus.GaugeVec
}

// NewWorkerMetrics registers the task metrics in reg.
func NewWorkerMetrics(reg prometheus.Registerer) *WorkerMetrics {
	m := &WorkerMetrics{
		processed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tributary_worker_tasks_processed_total",
			Help: "Task attempts finished by the worker, by task type and outcome (ok, failed, skipped).",
		}, []string{"type", "outcome"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tributary_worker_tasks_failed_total",
			Help: "Task attempts that returned an error (retried later unless skipped or out of retries).",
		}, []string{"type"}),
		retried: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tributary_worker_tasks_retried_total",
			Help: "Task attempts that were retries of an earlier failed attempt.",
		}, []string{"type"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tributary_worker_task_duration_seconds",
			Help:    "Task attempt latency by task type and outcome.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600},
		}, []string{"type", "outcome"}),
		inProgress: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "tributary_worker_tasks_in_progress",
			Help: "Task attempts running now.",
		}, []string{"type"}),
	}
	reg.MustRegister(m.processed, m.failed, m.retried, m.duration, m.inProgress)
	return m
}

// Middleware records every task attempt. Install it on the asynq ServeMux (mux.Use).
func (m *WorkerMetrics) Middleware() asynq.MiddlewareFunc {
	return func(next asynq.Handler) asynq.Handler {
		return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			typ := t.Type()
			if n, ok := asynq.GetRetryCount(ctx); ok && n > 0 {
				m.retried.WithLabelValues(typ).Inc()
			}
			m.inProgress.WithLabelValues(typ).Inc()
			start := time.Now()
			err := next.ProcessTask(ctx, t)
			m.inProgress.WithLabelValues(typ).Dec()
			outcome := "ok"
			switch {
			case err == nil:
			case errors.Is(err, asynq.SkipRetry):
				outcome = "skipped"
			default:
				outcome = "failed"
			}
			if err != nil {
				m.failed.WithLabelValues(typ).Inc()
			}
			m.processed.WithLabelValues(typ, outcome).Inc()
			m.duration.WithLabelValues(typ, outcome).Observe(time.Since(start).Seconds())
			return err
		})
	}
}

// QueueInspector is what the queue collector reads (*asynq.Inspector implements it).
type QueueInspector interface {
	Queues() ([]string, error)
	GetQueueInfo(queue string) (*asynq.QueueInfo, error)
}

// QueueCollector reports the depth of asynq queues at each scrape, from Redis through the
// asynq Inspector, so any replica (api or worker) can export it:
//
//	tributary_asynq_queue_tasks{queue,state}      tasks by state (pending, active, scheduled, retry, archived, completed)
//	tributary_asynq_queue_latency_seconds{queue}  age of the oldest pending task
//	tributary_asynq_queue_scrape_ok               1 when Redis answered
//
// Queues that do not exist yet (nothing enqueued) report zeros.
type QueueCollector struct {
	insp   QueueInspector
	queues []string
}

var (
	queueTasksDesc   = prometheus.NewDesc("tributary_asynq_queue_tasks", "Tasks in an asynq queue by state.", []string{"queue", "state"}, nil)
	queueLatencyDesc = prometheus.NewDesc("tributary_asynq_queue_latency_seconds", "Age of the oldest pending task of an asynq queue.", []string{"queue"}, nil)
	queueScrapeDesc  = prometheus.NewDesc("tributary_asynq_queue_scrape_ok", "1 when the asynq queues could be read at this scrape.", nil, nil)
)

// NewQueueCollector reports queues through insp.
func NewQueueCollector(insp QueueInspector, queues ...string) *QueueCollector {
	return &QueueCollector{insp: insp, queues: queues}
}

// Describe implements prometheus.Collector.
func (c *QueueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueTasksDesc
	ch <- queueLatencyDesc
	ch <- queueScrapeDesc
}

// Collect implements prometheus.Collector.
func (c *QueueCollector) Collect(ch chan<- prometheus.Metric) {
	infos, err := c.read()
	if err != nil {
		ch <- prometheus.MustNewConstMetric(queueScrapeDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(queueScrapeDesc, prometheus.GaugeValue, 1)
	for _, q := range infos {
		for state, n := range map[string]int{
			"pending": q.Pending, "active": q.Active, "scheduled": q.Scheduled,
			"retry": q.Retry, "archived": q.Archived, "completed": q.Completed,
		} {
			ch <- prometheus.MustNewConstMetric(queueTasksDesc, prometheus.GaugeValue, float64(n), q.Queue, state)
		}
		ch <- prometheus.MustNewConstMetric(queueLatencyDesc, prometheus.GaugeValue, q.Latency.Seconds(), q.Queue)
	}
}

func (c *QueueCollector) read() ([]asynq.QueueInfo, error) {
	known, err := c.insp.Queues()
	if err != nil {
		return nil, fmt.Errorf("list asynq queues: %w", err)
	}
	out := make([]asynq.QueueInfo, 0, len(c.queues))
	for _, q := range c.queues {
		if !slices.Contains(known, q) {
			out = append(out, asynq.QueueInfo{Queue: q})
			continue
		}
		info, err := c.insp.GetQueueInfo(q)
		if err != nil {
			return nil, fmt.Errorf("asynq queue %s: %w", q, err)
		}
		out = append(out, *info)
	}
	return out, nil
}

// MetricsHandler serves reg's metrics at GET /metrics and nothing else (serve's separate
// listener on TRIBUTARY_METRICS_ADDR).
func MetricsHandler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return mux
}

// WorkerHandler serves the worker's operational endpoints on a side port: /metrics from reg,
// /health/live (the process answers) and /health/ready (ready returns nil, e.g. Redis answers
// PING within the request's deadline). Kubernetes probes and Prometheus use it; the worker serves
// no API.
func WorkerHandler(reg *prometheus.Registry, ready func(context.Context) error) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("GET /health/live", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n")) // a failed write means the prober went away
	})
	mux.HandleFunc("GET /health/ready", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		if err := ready(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = fmt.Fprintf(w, "{\"status\":\"unavailable\",\"error\":%q}\n", err.Error())
			return
		}
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	return mux
}
