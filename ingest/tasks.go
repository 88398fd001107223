package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest/snowflake"
	"github.com/tributary-lineage/tributary/telemetry"
)

// Task types.
const (
	TypeRefresh = "lineage:refresh"
	TypeAnalyze = "lineage:analyze"
)

// DefaultQueue is the asynq queue ingestion tasks go to.
const DefaultQueue = "lineage"

// RefreshPayload asks for a refresh of one source.
type RefreshPayload struct {
	Source string `json:"source"` // a --source spec: "dir:PATH", "dbt:PATH" (absolute) or "snowflake"
	Full   bool   `json:"full,omitempty"`
	// Dir configures a dir: source (catalog file, default database and schema).
	Dir DirOptions `json:"dir,omitzero"`
	// JobID names the job record; empty (periodic refreshes) means the task's id.
	JobID string `json:"jobId,omitempty"`
}

// AnalyzePayload asks for the analysis of one view or a batch.
type AnalyzePayload struct {
	Source string     `json:"source"` // the source's Name, recorded on the views
	JobID  string     `json:"jobId,omitempty"`
	Views  []ViewWork `json:"views"`
}

// NewRefreshTask returns a refresh task carrying ctx's trace context; with a JobID its task id is "refresh:"+JobID, so
// enqueueing the same job twice is a no-op.
func NewRefreshTask(ctx context.Context, p RefreshPayload, opts ...asynq.Option) (*asynq.Task, error) {
	if _, _, err := ParseSourceSpec(p.Source); err != nil {
		return nil, err
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("refresh task: %w", err)
	}
	if p.JobID != "" {
		opts = append([]asynq.Option{asynq.TaskID("refresh:" + p.JobID)}, opts...)
	}
	return asynq.NewTaskWithHeaders(TypeRefresh, b, telemetry.TaskHeaders(ctx), opts...), nil
}

// NewAnalyzeTask returns an analyze task whose id is derived from the source and each view's
// id, version and catalog: enqueueing the same work again while it is queued is a no-op.
func NewAnalyzeTask(ctx context.Context, p AnalyzePayload, opts ...asynq.Option) (*asynq.Task, error) {
	if len(p.Views) == 0 {
		return nil, errors.New("analyze task: no views")
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("analyze task: %w", err)
	}
	opts = append([]asynq.Option{asynq.TaskID(AnalyzeTaskID(p.Source, p.Views))}, opts...)
	return asynq.NewTaskWithHeaders(TypeAnalyze, b, telemetry.TaskHeaders(ctx), opts...), nil
}

// AnalyzeTaskID is "analyze:" and a hash of the source and the views' ids, versions, LAST_ALTERED
// and catalogs.
func AnalyzeTaskID(source string, views []ViewWork) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", source)
	for _, w := range views {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00", w.View.ID, w.View.Version(), w.View.LastAltered.UTC())
		for _, c := range w.Catalog {
			fmt.Fprintf(h, "%s\x01%q\x00", c.ID, c.Columns)
		}
	}
	return "analyze:" + hex.EncodeToString(h.Sum(nil)[:16])
}

// OpenSource opens the source a refresh names; close releases it.
type OpenSource func(ctx context.Context, p RefreshPayload) (src Source, close func() error, err error)

// Handlers serves the ingestion tasks.
type Handlers struct {
	runner    *Runner
	jobs      *JobStore
	client    *asynq.Client
	inspector *asynq.Inspector
	open      OpenSource
	queue     string
	log       *slog.Logger
}

// NewHandlers returns the task handlers: refresh plans with open's sources and enqueues
// analyze tasks on queue through client; inspector (same Redis) finds out what an analyze task
// id that is taken already belongs to.
func NewHandlers(runner *Runner, jobs *JobStore, client *asynq.Client, inspector *asynq.Inspector, open OpenSource, queue string, log *slog.Logger) *Handlers {
	if queue == "" {
		queue = DefaultQueue
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handlers{runner: runner, jobs: jobs, client: client, inspector: inspector, open: open, queue: queue, log: log}
}

// Register adds the handlers to mux.
func (h *Handlers) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(TypeRefresh, h.HandleRefreshTask)
	mux.HandleFunc(TypeAnalyze, h.HandleAnalyzeTask)
}

// HandleRefreshTask lists the source, compares it with the graph, writes changed base tables,
// deletes dropped views and enqueues analyze tasks for new and changed views, each batch as
// soon as it is planned.
func (h *Handlers) HandleRefreshTask(ctx context.Context, t *asynq.Task) error {
	var p RefreshPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("refresh payload: %v: %w", err, asynq.SkipRetry)
	}
	if p.JobID == "" {
		p.JobID, _ = asynq.GetTaskID(ctx)
	}
	err := h.refresh(ctx, p)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil { // shutting down: asynq puts the task back
		return err
	}
	err = classify(err)
	if errors.Is(err, asynq.SkipRetry) {
		h.failJob(ctx, p.JobID, err)
	} else if n, _ := asynq.GetRetryCount(ctx); n >= maxRetry(ctx) {
		h.failJob(ctx, p.JobID, err)
	} else if rerr := h.jobs.Retrying(context.WithoutCancel(ctx), p.JobID, err.Error()); rerr != nil {
		h.log.ErrorContext(ctx, "record job retry", "job", p.JobID, "error", rerr.Error())
	}
	return err
}

func maxRetry(ctx context.Context) int {
	n, _ := asynq.GetMaxRetry(ctx)
	return n
}

func (h *Handlers) failJob(ctx context.Context, id string, err error) {
	if ferr := h.jobs.Fail(context.WithoutCancel(ctx), id, err.Error(), utcNow()); ferr != nil {
		h.log.ErrorContext(ctx, "record job failure", "job", id, "error", ferr.Error())
	}
}

func (h *Handlers) refresh(ctx context.Context, p RefreshPayload) error {
	src, closeSrc, err := h.open(ctx, p)
	if err != nil {
		return fmt.Errorf("refresh %s: %w", p.Source, err)
	}
	defer closeSrc()
	if err := h.jobs.Start(ctx, p.JobID, src.Name(), p.Full, utcNow()); err != nil {
		return err
	}
	if ss, ok := src.(StatementSource); ok {
		_, err := h.runner.RefreshStatements(ctx, ss, p.JobID)
		return err
	}
	plan, err := buildPlan(ctx, src, h.runner.graph, p.Full, planStream{
		size:  h.runner.batchSize(),
		apply: func(plan *Plan) error { return h.runner.Apply(ctx, plan, p.JobID) },
		batch: func(work []ViewWork) error { return h.enqueueBatch(ctx, src.Name(), p.JobID, work) },
	})
	if err != nil {
		return err
	}
	if err := h.jobs.Planned(ctx, p.JobID, plan, utcNow()); err != nil {
		return err
	}
	h.log.InfoContext(ctx, "refresh planned", "job", p.JobID, "source", plan.Source, "analyze", len(plan.Analyze),
		"dropped", len(plan.Drop), "tables", len(plan.Tables), "unchanged", plan.Unchanged)
	return nil
}

// enqueueBatch enqueues the analyze task of one planned batch of job jobID, with the
// analyses, so no worker analyses again. When the same work is queued or running for another
// job (a concurrent refresh), or for this one (an earlier attempt, which may have counted
// before this attempt reset the counts), the job joins it and counts the views when that task
// has written them.
func (h *Handlers) enqueueBatch(ctx context.Context, source, jobID string, work []ViewWork) error {
	task, err := NewAnalyzeTask(ctx, AnalyzePayload{Source: source, JobID: jobID, Views: work})
	if err != nil {
		return err
	}
	dup, err := h.enqueueAnalyze(ctx, task)
	if err != nil {
		return fmt.Errorf("enqueue analyze: %w", err)
	}
	if dup == nil {
		return nil
	}
	var other AnalyzePayload
	if err := json.Unmarshal(dup.Payload, &other); err != nil {
		return fmt.Errorf("analyze task %s: %w", dup.ID, err)
	}
	return h.jobs.Join(ctx, jobID, dup.ID, other.JobID, utcNow())
}

// enqueueAnalyze enqueues task and returns nil, or the live task (pending, active or waiting
// for a retry) that holds its id. An archived one (it ended with a parse failure, or ran out of
// retries) is deleted and the work enqueued again: the graph may have lost what it wrote since;
// so is the work whose task ended between the two looks.
func (h *Handlers) enqueueAnalyze(ctx context.Context, task *asynq.Task) (dup *asynq.TaskInfo, err error) {
	id := AnalyzeTaskIDOf(task)
	for range 10 {
		_, err = h.client.EnqueueContext(ctx, task, asynq.Queue(h.queue))
		if !errors.Is(err, asynq.ErrTaskIDConflict) {
			return nil, err
		}
		info, err := h.inspector.GetTaskInfo(h.queue, id)
		switch {
		case errors.Is(err, asynq.ErrTaskNotFound):
			continue // it just ended: enqueue again
		case err != nil:
			return nil, fmt.Errorf("look up task %s: %w", id, err)
		case info.State != asynq.TaskStateArchived && info.State != asynq.TaskStateCompleted:
			return info, nil
		}
		if err := h.inspector.DeleteTask(h.queue, id); err != nil && !errors.Is(err, asynq.ErrTaskNotFound) {
			return nil, fmt.Errorf("replace archived task %s: %w", id, err)
		}
	}
	return nil, fmt.Errorf("enqueue task %s: its id stays taken", id)
}

// AnalyzeTaskIDOf returns the task id NewAnalyzeTask gave t ("" for other tasks).
func AnalyzeTaskIDOf(t *asynq.Task) string {
	var p AnalyzePayload
	if t.Type() != TypeAnalyze || json.Unmarshal(t.Payload(), &p) != nil {
		return ""
	}
	return AnalyzeTaskID(p.Source, p.Views)
}

// HandleAnalyzeTask analyses and writes a batch of views, counts them in its job and in the
// jobs that joined it (Handlers.refresh). Views that do not parse are written as failed and the
// task ends with a SkipRetry error; graph or Redis failures are retried, and the job shows the
// batch as retrying with the error meanwhile.
func (h *Handlers) HandleAnalyzeTask(ctx context.Context, t *asynq.Task) error {
	var p AnalyzePayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("analyze payload: %v: %w", err, asynq.SkipRetry)
	}
	taskID, _ := asynq.GetTaskID(ctx)
	outcomes, err := h.runner.analyzeBatch(ctx, p.Source, p.JobID, p.Views)
	if outcomes != nil {
		// A retried batch leaves the retrying set before its views are counted: counting the
		// last views makes the job done, and a done job must not show a batch retrying. Should
		// either fail, the batch is retried and marked retrying again.
		if n, _ := asynq.GetRetryCount(ctx); n > 0 {
			if derr := h.jobs.BatchDone(ctx, p.JobID, taskID); derr != nil {
				err = errors.Join(err, derr)
			}
		}
		if werr := h.jobs.TaskWritten(ctx, taskID, p.JobID, outcomes, utcNow()); werr != nil {
			err = errors.Join(err, werr)
		}
	}
	if err == nil || ctx.Err() != nil {
		return err
	}
	err = classify(err)
	switch n, _ := asynq.GetRetryCount(ctx); {
	case errors.Is(err, asynq.SkipRetry):
	case n >= maxRetry(ctx): // asynq archives the task: its views stay unwritten
		h.failJob(ctx, p.JobID, fmt.Errorf("analyze batch %s gave up after %d retries: %w", taskID, n, err))
	default:
		if rerr := h.jobs.BatchRetrying(context.WithoutCancel(ctx), p.JobID, taskID, err.Error()); rerr != nil {
			h.log.ErrorContext(ctx, "record batch retry", "job", p.JobID, "task", taskID, "error", rerr.Error())
		}
	}
	return err
}

// RecoveryDelay wraps next, the retry delay of a worker: a task whose worker died (asynq's
// recoverer found its lease expired, asynq.ErrLeaseExpired) is logged and runs again after
// delay instead of next's back-off, since nothing failed but the worker. asynq's lease (30 s)
// and its recoverer's period (1 min) are fixed, so this is what a worker can shorten.
func RecoveryDelay(next asynq.RetryDelayFunc, delay time.Duration, log *slog.Logger) asynq.RetryDelayFunc {
	return func(n int, err error, t *asynq.Task) time.Duration {
		if !errors.Is(err, asynq.ErrLeaseExpired) {
			return next(n, err, t)
		}
		var p struct {
			JobID string `json:"jobId"`
		}
		_ = json.Unmarshal(t.Payload(), &p)
		log.Warn("recovering a task of a lost worker", "type", t.Type(), "job", p.JobID, "retry", n+1, "in", delay.String())
		return delay
	}
}

// classify wraps permanent errors with asynq.SkipRetry and leaves transient ones (Neo4j or
// Snowflake unavailable, Redis hiccups) plain so asynq retries them with backoff.
func classify(err error) error {
	var pf *ParseFailure
	switch {
	case errors.As(err, &pf), errors.Is(err, graph.ErrInvalid), errors.Is(err, ErrInvalidSource):
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	case neo4j.IsRetryable(err):
		return err
	}
	if _, ok := snowflake.ErrorCode(err); ok && !snowflake.Transient(err) {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	return err
}
