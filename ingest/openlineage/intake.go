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

// Writer stores events; *graph.Writer implements it (each write commits, then the cache is
// invalidated).
type Writer interface {
	WriteOpenLineage(ctx context.Context, ev graph.OpenLineageEvent, lineage []graph.StatementLineage, events graph.EventsFunc) (graph.OpenLineageResult, error)
	JobRuns(ctx context.Context, namespace, name string, limit int) (graph.JobRuns, error)
}

// Intake receives events: decode, validate, plan, write. The API's POST /api/v1/lineage
// calls it; it is safe for concurrent use.
type Intake struct {
	validator *Validator
	writer    Writer
	publish   ingest.Publisher // nil: no change events
	log       *slog.Logger
}

// NewIntake compiles the embedded spec schemas and returns an intake writing through w.
func NewIntake(w Writer, log *slog.Logger) (*Intake, error) {
	v, err := NewValidator()
	if err != nil {
		return nil, fmt.Errorf("openlineage intake: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Intake{validator: v, writer: w, log: log}, nil
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
	var lineage []graph.StatementLineage
	edges := 0
	for _, l := range w.Lineage {
		lineage = append(lineage, graph.StatementLineage{Origin: graph.OriginOpenLineage, Source: Source,
			Statement: w.Job.Statement(), Run: w.RunID, Target: l.Target, Kind: l.Kind,
			Columns: l.Columns, Edges: l.Edges, Inputs: l.Inputs, Text: l.Text, Seen: seen})
		edges += len(l.Edges)
	}
	var events []graph.ChangeEvent
	var eventsFunc graph.EventsFunc
	if in.publish != nil {
		eventsFunc = ingest.ChangeEvents(in.publish, Source, "", &events)
	}
	res, err := in.writer.WriteOpenLineage(ctx, out, lineage, eventsFunc)
	if err != nil {
		return Receipt{}, fmt.Errorf("store openlineage %s: %w", w.Kind, err)
	}
	in.handOn(ctx, events)
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
