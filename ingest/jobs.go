package ingest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Job states.
const (
	JobQueued   = "queued"   // enqueued, no worker has started it
	JobPlanning = "planning" // listing the source and comparing it with the graph
	JobRunning  = "running"  // analyze tasks are writing views
	JobDone     = "done"     // every planned view was analysed (some may have failed to parse)
	JobFailed   = "failed"   // the refresh itself failed (source or graph unavailable, ...)
)

// Job is the progress record of one refresh.
type Job struct {
	ID        string `json:"id"`
	Source    string `json:"source"`
	Full      bool   `json:"full"`
	State     string `json:"state"`
	Total     int    `json:"total"`  // views to analyse
	Done      int    `json:"done"`   // analysed and written
	Failed    int    `json:"failed"` // written as failed (did not parse)
	Deleted   int    `json:"deleted"`
	Unchanged int    `json:"unchanged"`
	// ReanalysedEngine counts the views of Total analysed again only because an engine with
	// another lineage version had analysed them.
	ReanalysedEngine int       `json:"reanalysed_engine"`
	Tables           int       `json:"tables"` // base tables written
	Started          time.Time `json:"started,omitzero"`
	Finished         time.Time `json:"finished,omitzero"`
	Errors           []string  `json:"errors,omitempty"` // first MaxJobErrors messages
}

// Final reports whether the job reached a final state.
func (j Job) Final() bool { return j.State == JobDone || j.State == JobFailed }

// MaxJobErrors caps the messages a job record keeps.
const MaxJobErrors = 100

// ErrJobNotFound is returned by JobStore.Get for an unknown (or expired) job id.
var ErrJobNotFound = errors.New("job not found")

// JobStore keeps job records in Redis: a hash per job, the set of views already counted (so a
// retried task does not count twice) and a capped list of error messages, all expiring after
// ttl.
type JobStore struct {
	rdb    redis.UniversalClient
	prefix string
	ttl    time.Duration
}

// NewJobStore returns a store with keys under prefix ("tributary:job:" when empty).
func NewJobStore(rdb redis.UniversalClient, prefix string, ttl time.Duration) *JobStore {
	if prefix == "" {
		prefix = "tributary:job:"
	}
	if ttl <= 0 {
		ttl = 7 * 24 * time.Hour
	}
	return &JobStore{rdb: rdb, prefix: prefix, ttl: ttl}
}

func (s *JobStore) keys(id string) (hash, views, errs string) {
	k := s.prefix + id
	return k, k + ":views", k + ":errors"
}

// Create writes a new job record in state JobQueued unless one with this id exists.
func (s *JobStore) Create(ctx context.Context, id, source string, full bool) error {
	h, _, _ := s.keys(id)
	ok, err := s.rdb.HSetNX(ctx, h, "id", id).Result()
	if err != nil {
		return fmt.Errorf("create job %s: %w", id, err)
	}
	if !ok {
		return nil
	}
	if err := s.rdb.HSet(ctx, h, "source", source, "full", full, "state", JobQueued).Err(); err != nil {
		return fmt.Errorf("create job %s: %w", id, err)
	}
	return s.expire(ctx, id)
}

func (s *JobStore) expire(ctx context.Context, id string) error {
	h, v, e := s.keys(id)
	p := s.rdb.Pipeline()
	p.Expire(ctx, h, s.ttl)
	p.Expire(ctx, v, s.ttl)
	p.Expire(ctx, e, s.ttl)
	if _, err := p.Exec(ctx); err != nil {
		return fmt.Errorf("expire job %s: %w", id, err)
	}
	return nil
}

// Start marks the job planning (a retried refresh starts over: counters are reset).
func (s *JobStore) Start(ctx context.Context, id, source string, full bool, at time.Time) error {
	h, v, e := s.keys(id)
	p := s.rdb.TxPipeline()
	p.Del(ctx, v, e)
	p.HSet(ctx, h, "id", id, "source", source, "full", full, "state", JobPlanning, "started", at.Format(time.RFC3339Nano),
		"total", -1, "done", 0, "failed", 0, "deleted", 0, "unchanged", 0, "reanalysed_engine", 0, "tables", 0, "finished", "")
	if _, err := p.Exec(ctx); err != nil {
		return fmt.Errorf("start job %s: %w", id, err)
	}
	return s.expire(ctx, id)
}

// Planned records the plan's sizes; the job is done at once when there is nothing to analyse.
func (s *JobStore) Planned(ctx context.Context, id string, p *Plan, at time.Time) error {
	h, _, _ := s.keys(id)
	state, finished := JobRunning, ""
	if len(p.Analyze) == 0 {
		state, finished = JobDone, at.Format(time.RFC3339Nano)
	}
	err := s.rdb.HSet(ctx, h, "total", len(p.Analyze), "deleted", len(p.Drop), "unchanged", p.Unchanged,
		"reanalysed_engine", p.ReanalysedEngine, "tables", len(p.Tables), "state", state, "finished", finished).Err()
	if err != nil {
		return fmt.Errorf("record plan of job %s: %w", id, err)
	}
	return nil
}

// Fail marks the job failed with msg.
func (s *JobStore) Fail(ctx context.Context, id, msg string, at time.Time) error {
	h, _, e := s.keys(id)
	p := s.rdb.TxPipeline()
	p.HSet(ctx, h, "state", JobFailed, "finished", at.Format(time.RFC3339Nano))
	p.RPush(ctx, e, msg)
	p.LTrim(ctx, e, 0, MaxJobErrors-1)
	if _, err := p.Exec(ctx); err != nil {
		return fmt.Errorf("fail job %s: %w", id, err)
	}
	return nil
}

// Outcome is the result of one view for progress.
type Outcome struct {
	View    string
	Failed  bool
	Message string // for failed views
}

// viewsDone counts outcomes once per view and closes the job when all planned views are in.
var viewsDone = redis.NewScript(`
local h, set, errs = KEYS[1], KEYS[2], KEYS[3]
local now, ttl = ARGV[1], tonumber(ARGV[2])
if redis.call('EXISTS', h) == 0 then return -1 end
for i = 3, #ARGV, 3 do
  if redis.call('SADD', set, ARGV[i]) == 1 then
    if ARGV[i+1] == '1' then
      redis.call('HINCRBY', h, 'failed', 1)
      if redis.call('LLEN', errs) < ` + strconv.Itoa(MaxJobErrors) + ` then redis.call('RPUSH', errs, ARGV[i+2]) end
    else
      redis.call('HINCRBY', h, 'done', 1)
    end
  end
end
redis.call('EXPIRE', set, ttl)
redis.call('EXPIRE', errs, ttl)
local total = tonumber(redis.call('HGET', h, 'total') or '-1')
local n = tonumber(redis.call('HGET', h, 'done') or '0') + tonumber(redis.call('HGET', h, 'failed') or '0')
if total >= 0 and n >= total and redis.call('HGET', h, 'state') == 'running' then
  redis.call('HSET', h, 'state', 'done', 'finished', now)
end
return n
`)

// ViewsDone counts the outcomes of a batch (each view once, however often it is retried).
func (s *JobStore) ViewsDone(ctx context.Context, id string, outcomes []Outcome, at time.Time) error {
	if id == "" || len(outcomes) == 0 {
		return nil
	}
	h, v, e := s.keys(id)
	args := []any{at.Format(time.RFC3339Nano), int64(s.ttl / time.Second)}
	for _, o := range outcomes {
		f := "0"
		if o.Failed {
			f = "1"
		}
		args = append(args, o.View, f, o.View+": "+o.Message)
	}
	if err := viewsDone.Run(ctx, s.rdb, []string{h, v, e}, args...).Err(); err != nil {
		return fmt.Errorf("record progress of job %s: %w", id, err)
	}
	return nil
}

// Get reads a job record.
func (s *JobStore) Get(ctx context.Context, id string) (Job, error) {
	h, _, e := s.keys(id)
	m, err := s.rdb.HGetAll(ctx, h).Result()
	if err != nil {
		return Job{}, fmt.Errorf("get job %s: %w", id, err)
	}
	if len(m) == 0 {
		return Job{}, fmt.Errorf("get job %s: %w", id, ErrJobNotFound)
	}
	atoi := func(k string) int { n, _ := strconv.Atoi(m[k]); return n }
	tm := func(k string) time.Time { t, _ := time.Parse(time.RFC3339Nano, m[k]); return t }
	j := Job{ID: id, Source: m["source"], Full: m["full"] == "1" || m["full"] == "true", State: m["state"],
		Total: atoi("total"), Done: atoi("done"), Failed: atoi("failed"), Deleted: atoi("deleted"),
		Unchanged: atoi("unchanged"), ReanalysedEngine: atoi("reanalysed_engine"), Tables: atoi("tables"), Started: tm("started"), Finished: tm("finished")}
	if j.Errors, err = s.rdb.LRange(ctx, e, 0, MaxJobErrors-1).Result(); err != nil {
		return Job{}, fmt.Errorf("get job %s errors: %w", id, err)
	}
	return j, nil
}
