package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tributary-lineage/tributary/graph"
)

// DefaultBatchSize is the number of views per analyze task.
const DefaultBatchSize = 100

// Runner analyses views and writes them to the graph; the task handlers and inline runs share
// it.
type Runner struct {
	graph Graph
	jobs  *JobStore // nil: no progress records
	log   *slog.Logger
	// BatchSize is the number of views per analyze task (DefaultBatchSize when 0).
	BatchSize int
	// Concurrency is the number of batches RunInline writes at once (1 when 0).
	Concurrency int
	// Retention is how long query-history lineage stays unseen before a refresh removes it
	// (DefaultQueryLineageRetention when 0; RefreshStatements).
	Retention time.Duration
	// changes and publish are set by WithChanges.
	changes ChangeWriter
	publish Publisher
}

// WithChanges makes the runner write views and drop views through w, which reports what each
// write transaction changed and stores, in that transaction, the events p makes of the change
// records; after the commit, and before the job counts the write, the events are handed to p
// for delivery. A hand-on error is logged and never fails ingestion: the events stay in the
// outbox until a sweep (Webhooks.Run) hands them on. It returns r.
func (r *Runner) WithChanges(w ChangeWriter, p Publisher) *Runner {
	r.changes, r.publish = w, p
	return r
}

// write is the outbox events of one write transaction of job jobID.
type write struct {
	events []graph.ChangeEvent // made by the transaction's last run
}

// eventsFunc returns the graph.EventsFunc of a write of job jobID of source, which records the
// events it makes in wr.
func (r *Runner) eventsFunc(source, jobID string, wr *write) graph.EventsFunc {
	return ChangeEvents(r.publish, source, jobID, &wr.events)
}

// publishEvents hands the events of one committed write on for delivery.
func (r *Runner) publishEvents(ctx context.Context, source, jobID string, wr *write) {
	if len(wr.events) == 0 {
		return
	}
	// The write has committed: hand on even when ctx ends now (a retry would find no change).
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := r.publish.Publish(pctx, wr.events); err != nil {
		r.log.ErrorContext(ctx, "hand change events on; they wait in the outbox for the next sweep", "job", jobID,
			"source", source, "events", len(wr.events), "error", err.Error())
	}
}

// NewRunner returns a runner writing to g and recording progress in jobs (may be nil).
func NewRunner(g Graph, jobs *JobStore, log *slog.Logger) *Runner {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runner{graph: g, jobs: jobs, log: log}
}

func (r *Runner) batchSize() int {
	if r.BatchSize > 0 {
		return r.BatchSize
	}
	return DefaultBatchSize
}

// Apply writes the plan's base tables and deletes its dropped views (with their change events
// for job jobID when the runner has WithChanges). Both are idempotent.
func (r *Runner) Apply(ctx context.Context, p *Plan, jobID string) error {
	if len(p.Tables) > 0 {
		if err := r.graph.UpsertTables(ctx, p.Tables); err != nil {
			return fmt.Errorf("refresh %s: %w", p.Source, err)
		}
	}
	for _, id := range p.Drop {
		if r.changes != nil {
			var wr write
			_, err := r.changes.DeleteViewChange(ctx, id, r.eventsFunc(p.Source, jobID, &wr))
			if errors.Is(err, graph.ErrNotFound) {
				continue // dropped by an earlier attempt, which stored the event
			}
			if err != nil {
				return fmt.Errorf("refresh %s: drop: %w", p.Source, err)
			}
			r.publishEvents(ctx, p.Source, jobID, &wr)
			continue
		}
		if err := r.graph.DeleteView(ctx, id); err != nil && !errors.Is(err, graph.ErrNotFound) {
			return fmt.Errorf("refresh %s: drop: %w", p.Source, err)
		}
	}
	return nil
}

// ParseFailure lists the views of a batch whose definitions did not parse; they were written
// with status failed. Analyze tasks wrap it with asynq.SkipRetry: retrying cannot help.
type ParseFailure struct {
	Views []string
}

func (e *ParseFailure) Error() string {
	return fmt.Sprintf("%d view(s) did not parse and were recorded as failed: %v", len(e.Views), e.Views)
}

// AnalyzeBatch analyses the views of one batch and writes them with their states in one
// transaction (graph.Store.ReplaceViewsLineage: per view, what ReplaceViewLineage writes), then
// counts them in job jobID. It returns a *ParseFailure when some views did not parse (all views
// were still written); any other error means the batch must be retried (writes are
// idempotent).
func (r *Runner) AnalyzeBatch(ctx context.Context, source, jobID string, work []ViewWork) error {
	_, err := r.analyzeBatch(ctx, source, jobID, work)
	return err
}

// analysis is the work's view analysed: the analysis planning handed on with the work, else
// (an analyze task enqueued by an earlier version carries none) AnalyzeView with the work's
// catalog now.
func (w ViewWork) analysis(source string) Analysis {
	if w.Analysis != nil {
		return *w.Analysis
	}
	a := AnalyzeView(w.View, source, NewCatalog(w.Catalog))
	if len(w.Cycle) > 0 {
		a.View.Message = joinNotes(a.View.Message, cycleMessage(w.Cycle))
	}
	return a
}

// analyzeBatch is AnalyzeBatch that also returns the outcomes once the views are written (nil
// when they are not).
func (r *Runner) analyzeBatch(ctx context.Context, source, jobID string, work []ViewWork) ([]Outcome, error) {
	views := make([]graph.View, 0, len(work))
	states := make([]graph.ViewState, 0, len(work))
	outcomes := make([]Outcome, 0, len(work))
	var failed []string
	for _, w := range work {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		a := w.analysis(source)
		views = append(views, a.View)
		states = append(states, a.State)
		o := Outcome{View: w.View.ID.String(), Failed: a.Failed}
		if a.Failed {
			o.Message = a.View.Message
			failed = append(failed, w.View.ID.String())
		}
		outcomes = append(outcomes, o)
	}
	if r.changes != nil {
		var wr write
		if _, err := r.changes.ReplaceViewsLineageChanges(ctx, views, states, r.eventsFunc(source, jobID, &wr)); err != nil {
			return nil, fmt.Errorf("analyze: %w", err)
		}
		r.publishEvents(ctx, source, jobID, &wr)
	} else if err := r.graph.ReplaceViewsLineage(ctx, views, states); err != nil {
		return nil, fmt.Errorf("analyze: %w", err)
	}
	if r.jobs != nil {
		if err := r.jobs.ViewsDone(ctx, jobID, outcomes, utcNow()); err != nil {
			return outcomes, err
		}
	}
	if len(failed) > 0 {
		return outcomes, &ParseFailure{Views: failed}
	}
	return outcomes, nil
}

// RunInline runs a whole refresh in this process: plan, apply, and the batches (Concurrency
// at a time) written as planning hands them on, while it plans the next; progress is recorded
// in job jobID when the runner has a JobStore. A query-history source (StatementSource) runs
// RefreshStatements instead. The plan is nil then, or when planning did not end.
func (r *Runner) RunInline(ctx context.Context, src Source, full bool, jobID string) (*Plan, error) {
	if r.jobs != nil {
		if err := r.jobs.Start(ctx, jobID, src.Name(), full, utcNow()); err != nil {
			return nil, err
		}
	}
	var p *Plan
	var err error
	if ss, ok := src.(StatementSource); ok {
		_, err = r.RefreshStatements(ctx, ss, jobID)
	} else {
		p, err = r.runInline(ctx, src, full, jobID)
	}
	if err != nil && r.jobs != nil {
		if ferr := r.jobs.Fail(context.WithoutCancel(ctx), jobID, err.Error(), utcNow()); ferr != nil {
			err = errors.Join(err, ferr)
		}
	}
	return p, err
}

func (r *Runner) runInline(ctx context.Context, src Source, full bool, jobID string) (*Plan, error) {
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := max(1, r.Concurrency)
	next := make(chan []ViewWork)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range next {
				err := r.AnalyzeBatch(ctx, src.Name(), jobID, b)
				var pf *ParseFailure
				if errors.As(err, &pf) {
					r.log.WarnContext(ctx, "views did not parse", "source", src.Name(), "views", pf.Views)
					continue
				}
				if err != nil {
					errs <- err
					cancel()
					return
				}
			}
		}()
	}
	p, err := buildPlan(ctx, src, r.graph, full, planStream{
		size:  r.batchSize(),
		apply: func(p *Plan) error { return r.Apply(ctx, p, jobID) },
		batch: func(b []ViewWork) error {
			select {
			case next <- b:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		},
	})
	close(next)
	planned := time.Now()
	if err == nil && r.jobs != nil {
		err = r.jobs.Planned(ctx, jobID, p, utcNow())
	}
	if err != nil {
		cancel()
	}
	wg.Wait()
	close(errs)
	if werr := <-errs; werr != nil {
		return p, werr // planning saw the cancel it caused
	}
	if err != nil {
		return p, err
	}
	// plan_ms covers listing, planning and the writes made meanwhile; write_ms the writes left.
	r.log.InfoContext(ctx, "refresh timings", "source", p.Source, "views", len(p.Analyze),
		"plan_ms", planned.Sub(start).Milliseconds(), "write_ms", time.Since(planned).Milliseconds())
	return p, ctx.Err()
}
