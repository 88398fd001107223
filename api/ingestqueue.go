package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
)

// IngestQueue adapts ingestion's asynq tasks and job store to JobQueue, ViewJobs and JobCounter.
type IngestQueue struct {
	client    *asynq.Client
	inspector *asynq.Inspector
	jobs      *ingest.JobStore
	queue     string
}

// NewIngestQueue enqueues on queue of the job Redis rdb; Close closes its asynq clients.
func NewIngestQueue(rdb redis.UniversalClient, queue string) *IngestQueue {
	return &IngestQueue{
		client:    asynq.NewClientFromRedisClient(rdb),
		inspector: asynq.NewInspectorFromRedisClient(rdb),
		jobs:      ingest.NewJobStore(rdb, "", 0),
		queue:     queue,
	}
}

// EnqueueRefresh implements JobQueue. Only the configured Snowflake account (its views, or its
// query history) can be refreshed over HTTP: a dir:, dbt: or querylog: source would let a
// caller make the server read any local path.
func (q *IngestQueue) EnqueueRefresh(ctx context.Context, req RefreshRequest) (string, error) {
	kind, _, err := ingest.ParseSourceSpec(req.Source)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadRefresh, err)
	}
	if kind != "snowflake" && kind != ingest.SourceSnowflakeQueries {
		return "", fmt.Errorf("%w: source %q: only \"snowflake\" and \"snowflake-queries\" can be refreshed through the API (use `tributary ingest` for files and directories)", ErrBadRefresh, req.Source)
	}
	p := ingest.RefreshPayload{Source: req.Source, Full: req.Full, JobID: uuid.NewString()}
	task, err := ingest.NewRefreshTask(ctx, p, asynq.Queue(q.queue), asynq.MaxRetry(5))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrBadRefresh, err)
	}
	if err := q.jobs.Create(ctx, p.JobID, p.Source, p.Full); err != nil {
		return "", err
	}
	if _, err := q.client.EnqueueContext(ctx, task); err != nil {
		return "", fmt.Errorf("enqueue refresh: %w", err)
	}
	return p.JobID, nil
}

// EnqueueViews implements ViewJobs: the analysed views become analyze tasks of one job,
// written by the workers as they were analysed (ingest.Runner.AnalyzeBatch through graph.Writer).
func (q *IngestQueue) EnqueueViews(ctx context.Context, views []graph.View, states []graph.ViewState) (string, error) {
	if len(views) != len(states) {
		return "", fmt.Errorf("enqueue views: %d views, %d states", len(views), len(states))
	}
	id := uuid.NewString()
	work := make([]ingest.ViewWork, len(views))
	for i, v := range views {
		work[i] = ingest.ViewWork{View: ingest.ListedView{ID: v.ID},
			Analysis: &ingest.Analysis{View: v, State: states[i], Failed: v.Status == graph.StatusFailed}}
	}
	if err := q.jobs.Create(ctx, id, ingest.SourceAPI, false); err != nil {
		return "", err
	}
	if err := q.jobs.Planned(ctx, id, &ingest.Plan{Source: ingest.SourceAPI, Analyze: work}, time.Now().UTC()); err != nil {
		return "", err
	}
	for start := 0; start < len(work); start += ingest.DefaultBatchSize {
		batch := work[start:min(start+ingest.DefaultBatchSize, len(work))]
		// The task id names the job: the default one (a hash of the views) would merge two
		// requests with the same SQL into one task, and the second job would never finish.
		task, err := ingest.NewAnalyzeTask(ctx, ingest.AnalyzePayload{Source: ingest.SourceAPI, JobID: id, Views: batch},
			asynq.Queue(q.queue), asynq.MaxRetry(5), asynq.TaskID(fmt.Sprintf("analyze:%s:%d", id, start)))
		if err != nil {
			return "", err
		}
		if _, err := q.client.EnqueueContext(ctx, task); err != nil {
			return "", fmt.Errorf("enqueue analyze batch %d of job %s: %w", start/ingest.DefaultBatchSize, id, err)
		}
	}
	return id, nil
}

// Job implements JobQueue.
func (q *IngestQueue) Job(ctx context.Context, id string) (JobStatus, error) {
	j, err := q.jobs.Get(ctx, id)
	if errors.Is(err, ingest.ErrJobNotFound) {
		return JobStatus{}, fmt.Errorf("job %s: %w", id, ErrJobNotFound)
	}
	if err != nil {
		return JobStatus{}, err
	}
	return JobStatus{ID: j.ID, Source: j.Source, Full: j.Full, State: j.State, Final: j.Final(),
		Total: j.Total, Done: j.Done, Failed: j.Failed, Deleted: j.Deleted, Unchanged: j.Unchanged,
		ReanalysedEngine: j.ReanalysedEngine, Tables: j.Tables, Started: j.Started, Finished: j.Finished, Errors: j.Errors,
		Attempt: j.Attempt, LastError: j.LastError, Retrying: j.Retrying, Skipped: j.Skipped, Joined: j.Joined}, nil
}

// JobCounts implements JobCounter: the ingestion queue's tasks by state.
func (q *IngestQueue) JobCounts(ctx context.Context) (map[string]int64, error) {
	info, err := q.inspector.GetQueueInfo(q.queue)
	if err != nil {
		if errors.Is(err, asynq.ErrQueueNotFound) {
			return map[string]int64{"pending": 0, "active": 0, "scheduled": 0, "retry": 0, "archived": 0, "completed": 0}, nil
		}
		return nil, fmt.Errorf("queue %s: %w", q.queue, err)
	}
	return map[string]int64{
		"pending": int64(info.Pending), "active": int64(info.Active), "scheduled": int64(info.Scheduled),
		"retry": int64(info.Retry), "archived": int64(info.Archived), "completed": int64(info.Completed),
	}, nil
}

// Close closes the asynq client and inspector.
func (q *IngestQueue) Close() error { return errors.Join(q.client.Close(), q.inspector.Close()) }
