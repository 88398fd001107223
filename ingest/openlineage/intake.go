package openlineage

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
)

// Source is the source recorded on the statements OpenLineage events write (graph
// StatementLineage.Source) and on their change events.
const Source = "openlineage"

// Writer stores batches of events; *graph.Writer implements it (each write commits, then the
// cache is invalidated).
type Writer interface {
	WriteOpenLineage(ctx context.Context, batch []graph.OpenLineageWrite, events graph.EventsFunc) ([]graph.OpenLineageResult, error)
	JobRuns(ctx context.Context, namespace, name string, limit int) (graph.JobRuns, error)
}

// Intake receives events: decode, validate, plan, write. The API's POST /api/v1/lineage
// calls it; it is safe for concurrent use. Events are decoded and planned in the caller's
// goroutine; with batching (NewIntake's maxBatch > 1) their writes are handed to Run, which
// writes the events waiting at that moment together (group commit: two transactions per batch
// instead of per event), and each caller gets its own event's result once its batch committed.
type Intake struct {
	validator *Validator
	writer    Writer
	publish   ingest.Publisher // nil: no change events
	log       *slog.Logger
	maxBatch  int
	queue     chan *pending // nil: each event written by its caller
}

// pending is one event waiting for a batch write.
type pending struct {
	write    graph.OpenLineageWrite
	job, run string // no two events of one job or run share a batch
	done     chan written
}

type written struct {
	res graph.OpenLineageResult
	err error
}

// DefaultMaxBatch is the most events serve writes in one batch.
const DefaultMaxBatch = 64

// BatchTimeout bounds one batch write (the callers' own deadlines end their wait sooner).
const BatchTimeout = 30 * time.Second

// NewIntake compiles the embedded spec schemas and returns an intake writing through w. With
// maxBatch > 1 writes are batched, up to maxBatch events each, and Run must be running.
func NewIntake(w Writer, log *slog.Logger, maxBatch int) (*Intake, error) {
	v, err := NewValidator()
	if err != nil {
		return nil, fmt.Errorf("openlineage intake: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	in := &Intake{validator: v, writer: w, log: log, maxBatch: max(maxBatch, 1)}
	if in.maxBatch > 1 {
		in.queue = make(chan *pending, 4*in.maxBatch)
	}
	return in, nil
}

// Run writes the batches of a batching intake until ctx ends; a batch being written then is
// finished first. It returns at once for an intake without batching.
func (in *Intake) Run(ctx context.Context) {
	if in.queue == nil {
		return
	}
	var carry *pending
	for {
		first := carry
		carry = nil
		if first == nil {
			select {
			case first = <-in.queue:
			case <-ctx.Done():
				return
			}
		}
		batch := []*pending{first}
		jobs, runs := map[string]bool{first.job: true}, map[string]bool{first.run: true}
	gather:
		for len(batch) < in.maxBatch {
			select {
			case p := <-in.queue:
				if (p.job != "" && jobs[p.job]) || (p.run != "" && runs[p.run]) {
					carry = p // the next batch's first: its job's earlier event must commit first
					break gather
				}
				jobs[p.job], runs[p.run] = true, true
				batch = append(batch, p)
			default:
				break gather
			}
		}
		in.writeBatch(ctx, batch)
	}
}

// writeBatch writes a batch and answers each of its events. When a batch of several fails,
// each event is written alone, so one event's failure is its own.
func (in *Intake) writeBatch(ctx context.Context, batch []*pending) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), BatchTimeout)
	defer cancel()
	writes := make([]graph.OpenLineageWrite, len(batch))
	for i, p := range batch {
		writes[i] = p.write
	}
	res, err := in.write(wctx, writes)
	if err != nil && len(batch) > 1 {
		for _, p := range batch {
			in.writeBatch(ctx, []*pending{p})
		}
		return
	}
	for i, p := range batch {
		if err != nil {
			p.done <- written{err: err}
		} else {
			p.done <- written{res: res[i]}
		}
	}
}

// write writes events with their change events, handed on after the commit.
func (in *Intake) write(ctx context.Context, batch []graph.OpenLineageWrite) ([]graph.OpenLineageResult, error) {
	var events []graph.ChangeEvent
	var eventsFunc graph.EventsFunc
	if in.publish != nil {
		eventsFunc = ingest.ChangeEvents(in.publish, Source, "", &events)
	}
	res, err := in.writer.WriteOpenLineage(ctx, batch, eventsFunc)
	if err != nil {
		return nil, err
	}
	in.handOn(ctx, events)
	return res, nil
}

// store writes one event: through Run's batches, or at once without batching.
func (in *Intake) store(ctx context.Context, w graph.OpenLineageWrite) (graph.OpenLineageResult, error) {
	if in.queue == nil {
		res, err := in.write(ctx, []graph.OpenLineageWrite{w})
		if err != nil {
			return graph.OpenLineageResult{}, err
		}
		return res[0], nil
	}
	p := &pending{write: w, done: make(chan written, 1)}
	if r := w.Event.Run; r != nil {
		p.job, p.run = r.Namespace+"\x00"+r.Name, r.RunID
	}
	select {
	case in.queue <- p:
	case <-ctx.Done():
		return graph.OpenLineageResult{}, fmt.Errorf("queue the event for writing: %w", ctx.Err())
	}
	select {
	case r := <-p.done:
		return r.res, r.err
	case <-ctx.Done():
		// The batch may still commit: the event is idempotent, so the producer's retry is safe.
		return graph.OpenLineageResult{}, fmt.Errorf("wait for the event's write: %w", ctx.Err())
	}
}

// WithChanges makes the intake store, with each lineage write, the change events p makes of
// what the write changed, and hand them to p for delivery after the commit (as ingestion
// does: a hand-on error is logged, the events wait in the outbox for the worker's sweep). It
// returns in.
func (in *Intake) WithChanges(p ingest.Publisher) *Intake {
	in.publish = p
	return in
}

// Receipt says what was done with one event.
type Receipt struct {
	Kind      string   `json:"kind"`                // RunEvent, DatasetEvent or JobEvent
	EventType string   `json:"eventType,omitempty"` // a RunEvent's
	Job       string   `json:"job,omitempty"`       // "namespace/name"
	RunID     string   `json:"runId,omitempty"`
	Datasets  int      `json:"datasets"`        // datasets the event named, written with their columns
	Outputs   int      `json:"outputs"`         // outputs whose lineage was written
	Edges     int      `json:"edges"`           // column edges written into them
	Notes     []string `json:"notes,omitempty"` // what the event held that was not stored, and why
}

// Receive stores one event (the request body). An invalid event gives an *Error naming the
// JSON path of the first problem, and nothing is written.
func (in *Intake) Receive(ctx context.Context, body []byte) (Receipt, error) {
	ev, err := in.validator.Decode(body)
	if err != nil {
		return Receipt{}, err
	}
	w, err := Plan(ctx, ev)
	if err != nil {
		return Receipt{}, err
	}
	rec := Receipt{Kind: w.Kind, EventType: w.EventType, RunID: w.RunID, Datasets: len(w.Datasets), Notes: w.Notes}
	out := graph.OpenLineageEvent{}
	if w.Job != (JobKey{}) {
		rec.Job = w.Job.Statement()
		state := w.EventType
		if w.Kind == KindJob {
			state = graph.RunOther // a JobEvent has no run: it describes the job
		}
		out.Run = &graph.JobRun{Namespace: w.Job.Namespace, Name: w.Job.Name, RunID: w.RunID, State: state, EventTime: w.EventTime, Error: w.Error}
	}
	for _, d := range w.Datasets {
		out.Datasets = append(out.Datasets, graph.EventDataset{ID: d.ID, Kind: d.Kind, Namespace: d.Namespace, Name: d.Name, Columns: d.Columns})
	}
	seen := w.EventTime
	if seen.IsZero() {
		seen = time.Now()
	}
	write := graph.OpenLineageWrite{Event: out}
	edges := 0
	for _, l := range w.Lineage {
		write.Lineage = append(write.Lineage, graph.StatementLineage{Origin: graph.OriginOpenLineage, Source: Source,
			Statement: w.Job.Statement(), Run: w.RunID, Target: l.Target, Kind: l.Kind,
			Columns: l.Columns, Edges: l.Edges, Inputs: l.Inputs, Text: l.Text, Seen: seen})
		edges += len(l.Edges)
	}
	res, err := in.store(ctx, write)
	if err != nil {
		return Receipt{}, fmt.Errorf("store openlineage %s: %w", w.Kind, err)
	}
	switch {
	case res.Latest:
		rec.Outputs, rec.Edges = len(w.Lineage), edges
	case len(w.Lineage) > 0:
		rec.Notes = append(rec.Notes, fmt.Sprintf("run %s is older than the job's last completed run: its lineage is not the job's any more and was not written", w.RunID))
	}
	return rec, nil
}

// handOn hands the events of a committed write on for delivery; a failure leaves them in the
// outbox for the next sweep.
func (in *Intake) handOn(ctx context.Context, events []graph.ChangeEvent) {
	if len(events) == 0 {
		return
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := in.publish.Publish(pctx, events); err != nil {
		in.log.ErrorContext(ctx, "hand change events on; they wait in the outbox for the next sweep",
			"source", Source, "events", len(events), "error", err.Error())
	}
}

// Runs reads a job's most recent runs (graph.ErrNotFound for a job no event named).
func (in *Intake) Runs(ctx context.Context, namespace, name string, limit int) (graph.JobRuns, error) {
	return in.writer.JobRuns(ctx, namespace, name, limit)
}
