package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Job states.
const (
	JobQueued   = "queued"   // enqueued, no worker has started it
	JobPlanning = "planning" // listing the source, comparing it with the graph; planned batches are written meanwhile
	JobRunning  = "running"  // planned: analyze tasks are writing the views left
	JobDone     = "done"     // every planned view was analysed (some may have failed to parse)
	JobFailed   = "failed"   // the refresh itself failed (source or graph unavailable, ...)
)

// Job is the progress record of one refresh.
type Job struct {
	ID        string `json:"id"`
	Source    string `json:"source"`
	Full      bool   `json:"full"`
	State     string `json:"state"`
	Total     int    `json:"total"`  // views to analyse; -1 while planning (Done counts meanwhile)
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
	// Attempt counts the refresh's starts (a retried refresh starts over; Started keeps the
	// first start).
	Attempt int `json:"attempt,omitempty"`
	// LastError is the last error a retried refresh or analyze batch ended with.
	LastError string `json:"lastError,omitempty"`
	// Retrying is the number of analyze batches that failed and wait for a retry.
	Retrying int `json:"retrying,omitempty"`
	// Skipped lists the source's files that were not read ("path: reason").
	Skipped []string `json:"skipped,omitempty"`
	// Joined lists the jobs whose analyze tasks wrote some of this job's views: the same
	// work was queued or running when this job planned it.
	Joined []string `json:"joined,omitempty"`
}

// Final reports whether the job reached a final state.
func (j Job) Final() bool { return j.State == JobDone || j.State == JobFailed }

// MaxJobErrors caps the messages a job record keeps.
const MaxJobErrors = 100

// ErrJobNotFound is returned by JobStore.Get for an unknown (or expired) job id.
var ErrJobNotFound = errors.New("job not found")

// JobStore keeps job records in Redis: a hash per job, the set of views already counted (so a
// retried task does not count twice), a capped list of error messages, the batches waiting for
// a retry, the skipped files and the joined jobs, all expiring after ttl.
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

// moreKeys are the job's keys besides those of keys.
func (s *JobStore) moreKeys(id string) (retrying, skipped, joined string) {
	k := s.prefix + id
	return k + ":retrying", k + ":skipped", k + ":joined"
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
	r, sk, j := s.moreKeys(id)
	p := s.rdb.Pipeline()
	for _, k := range []string{h, v, e, r, sk, j} {
		p.Expire(ctx, k, s.ttl)
	}
	if _, err := p.Exec(ctx); err != nil {
		return fmt.Errorf("expire job %s: %w", id, err)
	}
	return nil
}

// Start marks the job planning (a retried refresh starts over: counters are reset, the
// attempt counted; started keeps the first start).
func (s *JobStore) Start(ctx context.Context, id, source string, full bool, at time.Time) error {
	h, v, e := s.keys(id)
	r, sk, j := s.moreKeys(id)
	p := s.rdb.TxPipeline()
	p.Del(ctx, v, e, r, sk, j)
	p.HSet(ctx, h, "id", id, "source", source, "full", full, "state", JobPlanning,
		"total", -1, "done", 0, "failed", 0, "deleted", 0, "unchanged", 0, "reanalysed_engine", 0, "tables", 0, "finished", "")
	p.HSetNX(ctx, h, "started", at.Format(time.RFC3339Nano))
	p.HIncrBy(ctx, h, "attempt", 1)
	if _, err := p.Exec(ctx); err != nil {
		return fmt.Errorf("start job %s: %w", id, err)
	}
	return s.expire(ctx, id)
}

// planned records a plan's sizes and marks the job running, or done when its batches, written
// while it was planning, have counted every view already (viewsDone never finishes a job that
// is planning). A job failed meanwhile (a batch out of retries) stays failed.
var planned = redis.NewScript(`
local h = KEYS[1]
local total, now = tonumber(ARGV[1]), ARGV[6]
redis.call('HSET', h, 'total', total, 'deleted', ARGV[2], 'unchanged', ARGV[3],
  'reanalysed_engine', ARGV[4], 'tables', ARGV[5])
if redis.call('HGET', h, 'state') == 'failed' then return -1 end
local n = tonumber(redis.call('HGET', h, 'done') or '0') + tonumber(redis.call('HGET', h, 'failed') or '0')
if n >= total then
  redis.call('HSET', h, 'state', 'done', 'finished', now)
else
  redis.call('HSET', h, 'state', 'running', 'finished', '')
end
return n
`)

// Planned records the plan's sizes and skipped files once planning has ended; the job is done
// at once when its views are all counted (its batches may have been written while it planned)
// or there is nothing to analyse.
func (s *JobStore) Planned(ctx context.Context, id string, p *Plan, at time.Time) error {
	h, _, _ := s.keys(id)
	_, sk, _ := s.moreKeys(id)
	tx := s.rdb.TxPipeline()
	tx.Del(ctx, sk)
	for _, f := range p.Skipped {
		tx.RPush(ctx, sk, f.String())
	}
	tx.Expire(ctx, sk, s.ttl)
	planned.Eval(ctx, tx, []string{h}, len(p.Analyze), len(p.Drop), p.Unchanged, p.ReanalysedEngine, len(p.Tables),
		at.Format(time.RFC3339Nano))
	if _, err := tx.Exec(ctx); err != nil {
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

// retrying records a retry's error in an existing job record (a vanished one is left gone) and,
// for a batch, adds it to the retrying set.
var retrying = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'lastError', ARGV[1])
if ARGV[2] ~= '' then
  redis.call('SADD', KEYS[2], ARGV[2])
  redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
end
return 1
`)

// Retrying records that the refresh failed with msg and will be tried again.
func (s *JobStore) Retrying(ctx context.Context, id, msg string) error {
	return s.BatchRetrying(ctx, id, "", msg)
}

// BatchRetrying records that the analyze batch (task id; "" for the refresh itself) failed with
// msg and waits for a retry; BatchDone clears it.
func (s *JobStore) BatchRetrying(ctx context.Context, id, batch, msg string) error {
	h, _, _ := s.keys(id)
	r, _, _ := s.moreKeys(id)
	if err := retrying.Run(ctx, s.rdb, []string{h, r}, msg, batch, int64(s.ttl/time.Second)).Err(); err != nil {
		return fmt.Errorf("record retry of job %s: %w", id, err)
	}
	return nil
}

// BatchDone clears a batch BatchRetrying recorded.
func (s *JobStore) BatchDone(ctx context.Context, id, batch string) error {
	r, _, _ := s.moreKeys(id)
	if err := s.rdb.SRem(ctx, r, batch).Err(); err != nil {
		return fmt.Errorf("record progress of job %s: %w", id, err)
	}
	return nil
}

// joinKeys are the keys of the analyze task taskID enqueued by job owner: the jobs that joined
// it and, once it has written its views, their outcomes.
func (s *JobStore) joinKeys(taskID, owner string) (joiners, written string) {
	k := s.prefix + "task:" + taskID + ":" + owner
	return k + ":joiners", k + ":written"
}

// joinTask adds a job to a task's joiners unless the task has written its views already; then
// it returns their outcomes.
var joinTask = redis.NewScript(`
local joiners, written, joined = KEYS[1], KEYS[2], KEYS[3]
local job, owner, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
local w = redis.call('GET', written)
if w then return w end
redis.call('SADD', joiners, job)
redis.call('EXPIRE', joiners, ttl)
if owner ~= job then
  redis.call('SADD', joined, owner)
  redis.call('EXPIRE', joined, ttl)
end
return false
`)

// Join makes job id wait for the analyze task taskID that job owner enqueued with the same
// work: the task counts its views in id too when it has written them (TaskWritten). When the
// task has written them already, Join counts them itself. Either way the job is done only when
// the views are in the graph.
func (s *JobStore) Join(ctx context.Context, id, taskID, owner string, at time.Time) error {
	joiners, written := s.joinKeys(taskID, owner)
	_, _, joined := s.moreKeys(id)
	w, err := joinTask.Run(ctx, s.rdb, []string{joiners, written, joined}, id, owner, int64(s.ttl/time.Second)).Text()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("job %s: join task %s: %w", id, taskID, err)
	}
	var outcomes []Outcome
	if err := json.Unmarshal([]byte(w), &outcomes); err != nil {
		return fmt.Errorf("job %s: join task %s: %w", id, taskID, err)
	}
	return s.ViewsDone(ctx, id, outcomes, at)
}

// taskWritten records a task's outcomes and returns the jobs that joined it.
var taskWritten = redis.NewScript(`
redis.call('SET', KEYS[2], ARGV[1], 'EX', tonumber(ARGV[2]))
return redis.call('SMEMBERS', KEYS[1])
`)

// TaskWritten records that the analyze task taskID of job owner has written its views with
// outcomes, and counts them in every job that joined it. A retried task counts again (each
// view once per job).
func (s *JobStore) TaskWritten(ctx context.Context, taskID, owner string, outcomes []Outcome, at time.Time) error {
	joiners, written := s.joinKeys(taskID, owner)
	b, err := json.Marshal(outcomes)
	if err != nil {
		return fmt.Errorf("task %s written: %w", taskID, err)
	}
	ids, err := taskWritten.Run(ctx, s.rdb, []string{joiners, written}, b, int64(s.ttl/time.Second)).StringSlice()
	if err != nil {
		return fmt.Errorf("task %s written: %w", taskID, err)
	}
	for _, id := range ids {
		if err := s.ViewsDone(ctx, id, outcomes, at); err != nil {
			return err
		}
	}
	return nil
}

// Outcome is the result of one view for progress.
type Outcome struct {
	View    string `json:"view"`
	Failed  bool   `json:"failed,omitempty"`
	Message string `json:"message,omitempty"` // for failed views
}

// lostMessage is the error of a job whose record vanished (the job Redis lost it) while its
// tasks were still writing views.
const lostMessage = "the job record was lost while its views were being written (job Redis restarted without persistence?); " +
	"the views written stay, the next refresh of the source writes the others"

// viewsDone counts outcomes once per view and closes the job when all planned views are in. A
// task of a job whose record vanished records the job as failed with lostMessage.
var viewsDone = redis.NewScript(`
local h, set, errs = KEYS[1], KEYS[2], KEYS[3]
local now, ttl, id = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if redis.call('EXISTS', h) == 0 then
  redis.call('HSET', h, 'id', id, 'state', 'failed', 'finished', now, 'total', -1)
  redis.call('RPUSH', errs, '` + lostMessage + `')
  redis.call('EXPIRE', h, ttl)
  redis.call('EXPIRE', errs, ttl)
  return -1
end
for i = 4, #ARGV, 3 do
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
	args := []any{at.Format(time.RFC3339Nano), int64(s.ttl / time.Second), id}
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
		Unchanged: atoi("unchanged"), ReanalysedEngine: atoi("reanalysed_engine"), Tables: atoi("tables"), Started: tm("started"), Finished: tm("finished"),
		Attempt: atoi("attempt"), LastError: m["lastError"]}
	r, sk, jn := s.moreKeys(id)
	p := s.rdb.Pipeline()
	errs := p.LRange(ctx, e, 0, MaxJobErrors-1)
	retrying := p.SCard(ctx, r)
	skipped := p.LRange(ctx, sk, 0, -1)
	joined := p.SMembers(ctx, jn)
	if _, err := p.Exec(ctx); err != nil {
		return Job{}, fmt.Errorf("get job %s: %w", id, err)
	}
	j.Errors, j.Skipped, j.Joined = errs.Val(), skipped.Val(), joined.Val()
	j.Retrying = int(retrying.Val())
	slices.Sort(j.Joined)
	return j, nil
}
