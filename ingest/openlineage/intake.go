package openlineage

import (
	"context"
	"fmt"

	"github.com/tributary-lineage/tributary/graph"
)

// Writer stores events; *graph.Writer implements it (the write commits, then the cache is
// invalidated).
type Writer interface {
	WriteOpenLineage(ctx context.Context, ev graph.OpenLineageEvent) (graph.OpenLineageResult, error)
	JobRuns(ctx context.Context, namespace, name string, limit int) (graph.JobRuns, error)
}

// Intake receives events: decode, validate, plan, write. The API's POST /api/v1/lineage
// calls it; it is safe for concurrent use.
type Intake struct {
	validator *Validator
	writer    Writer
}

// NewIntake compiles the embedded spec schemas and returns an intake writing through w.
func NewIntake(w Writer) (*Intake, error) {
	v, err := NewValidator()
	if err != nil {
		return nil, fmt.Errorf("openlineage intake: %w", err)
	}
	return &Intake{validator: v, writer: w}, nil
}

// Receipt says what was done with one event.
type Receipt struct {
	Kind      string   `json:"kind"`                // RunEvent, DatasetEvent or JobEvent
	EventType string   `json:"eventType,omitempty"` // a RunEvent's
	Job       string   `json:"job,omitempty"`       // "namespace/name"
	RunID     string   `json:"runId,omitempty"`
	Datasets  int      `json:"datasets"`        // datasets the event named, written with their columns
	Outputs   int      `json:"outputs"`         // outputs whose lineage was written
	Edges     int64    `json:"edges"`           // column edges written
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
	for _, l := range w.Lineage {
		out.Lineage = append(out.Lineage, graph.JobLineage{Target: l.Target, Columns: l.Columns, Edges: l.Edges, Inputs: l.Inputs})
	}
	res, err := in.writer.WriteOpenLineage(ctx, out)
	if err != nil {
		return Receipt{}, fmt.Errorf("store openlineage %s: %w", w.Kind, err)
	}
	if res.Latest {
		rec.Outputs, rec.Edges = len(w.Lineage), res.Edges
	} else if len(w.Lineage) > 0 {
		rec.Notes = append(rec.Notes, fmt.Sprintf("run %s is older than the job's last completed run: its lineage is not the job's any more and was not written", w.RunID))
	}
	return rec, nil
}

// Runs reads a job's most recent runs (graph.ErrNotFound for a job no event named).
func (in *Intake) Runs(ctx context.Context, namespace, name string, limit int) (graph.JobRuns, error) {
	return in.writer.JobRuns(ctx, namespace, name, limit)
}
