package graph

import (
	"context"
	"errors"
	"time"
)

// Invalidator drops every cached answer made before its call (*Cache bumps the generation).
// It must do so even when ctx has just ended (the write it follows has committed), and wrap
// ErrGenerationNotBumped when it fails.
type Invalidator interface {
	Invalidate(ctx context.Context) error
}

// ErrGenerationNotBumped is wrapped by a write's error when the write committed but the cache
// generation could not be bumped: cached answers from before the write may still be served
// until it is. Writes are idempotent, so retrying the write is the remedy.
var ErrGenerationNotBumped = errors.New("graph written, but the cache generation was not bumped")

// Writer is the one way lineage is written: view batches (a single view is a batch of one),
// their change records and outbox events, deletes, base tables and imports all go through it.
// Each write commits in the store, then the cache is invalidated (the generation bumped), so
// no cached answer from before a write is served after it. Ingestion, the API's persisted
// analyses and imports share it; main only wires one.
type Writer struct {
	store   *Store
	cache   Invalidator // nil: nothing to invalidate
	breaker *Breaker    // nil: writes go to the store unguarded
}

// NewWriter returns the writer of store, invalidating cache (may be nil) after each commit.
func NewWriter(store *Store, cache Invalidator) *Writer {
	return &Writer{store: store, cache: cache}
}

// Guarded returns w with every write going through b: while b is open (Neo4j unreachable) a
// write fails at once with ErrUnavailable, and a write that finds Neo4j gone opens it.
func (w *Writer) Guarded(b *Breaker) *Writer {
	g := *w
	g.breaker = b
	return &g
}

// ReplaceViewLineage writes one view as a batch of one (ReplaceViewsLineage without states).
func (w *Writer) ReplaceViewLineage(ctx context.Context, view View) error {
	return w.ReplaceViewsLineage(ctx, []View{view}, nil)
}

// ReplaceViewsLineage writes a batch of views with their states in one transaction (see
// Store.ReplaceViewsLineage), then invalidates the cache.
func (w *Writer) ReplaceViewsLineage(ctx context.Context, views []View, states []ViewState) error {
	return w.write(ctx, func() error { return w.store.ReplaceViewsLineage(ctx, views, states) }, false)
}

// ReplaceViewsLineageChanges is ReplaceViewsLineage that also reports what changed and stores
// the events of the changes in the same transaction (see Store.ReplaceViewsLineageChanges).
func (w *Writer) ReplaceViewsLineageChanges(ctx context.Context, views []View, states []ViewState, events EventsFunc) ([]ViewChange, error) {
	var out []ViewChange
	err := w.write(ctx, func() (err error) {
		out, err = w.store.ReplaceViewsLineageChanges(ctx, views, states, events)
		return err
	}, false)
	if err != nil && !errors.Is(err, ErrGenerationNotBumped) {
		return nil, err
	}
	return out, err
}

// DeleteView deletes a view (see Store.DeleteView), then invalidates the cache. A delete of a
// view that is not there (ErrNotFound) invalidates too: an earlier attempt may have deleted it
// and failed to invalidate.
func (w *Writer) DeleteView(ctx context.Context, id ObjectID) error {
	return w.write(ctx, func() error { return w.store.DeleteView(ctx, id) }, false)
}

// DeleteViewChange is DeleteView reporting the change and storing its events in the same
// transaction (see Store.DeleteViewChange).
func (w *Writer) DeleteViewChange(ctx context.Context, id ObjectID, events EventsFunc) (ViewChange, error) {
	var out ViewChange
	err := w.write(ctx, func() (err error) {
		out, err = w.store.DeleteViewChange(ctx, id, events)
		return err
	}, false)
	return out, err
}

// UpsertTables writes base tables (see Store.UpsertTables), then invalidates the cache. Tables
// commit in batches, so it invalidates after a failure too: some batches may have committed.
func (w *Writer) UpsertTables(ctx context.Context, tables []Table) error {
	return w.write(ctx, func() error { return w.store.UpsertTables(ctx, tables) }, true)
}

// OpenLineageWrite is one OpenLineage event to write: what it records, and the lineage its
// job wrote, written when its run is the job's latest.
type OpenLineageWrite struct {
	Event   OpenLineageEvent
	Lineage []StatementLineage
}

// WriteOpenLineage writes a batch of OpenLineage events (no two of the same job or run): it
// records them (see Store.RecordOpenLineage), then writes in one batch the lineage of those
// whose run is their job's latest (see WriteStatements: each statement is a job, so a job's
// edges into each output are replaced, and the change events are stored with them). The cache
// is invalidated after each of the two commits. The results are in batch order.
func (w *Writer) WriteOpenLineage(ctx context.Context, batch []OpenLineageWrite, events EventsFunc) ([]OpenLineageResult, error) {
	evs := make([]OpenLineageEvent, len(batch))
	for i, b := range batch {
		evs[i] = b.Event
	}
	var latest []bool
	err := w.write(ctx, func() (err error) {
		latest, err = w.store.RecordOpenLineage(ctx, evs)
		return err
	}, false)
	if err != nil {
		return nil, err
	}
	out := make([]OpenLineageResult, len(batch))
	var lineage []StatementLineage
	for i, b := range batch {
		out[i].Latest = latest[i]
		if latest[i] {
			lineage = append(lineage, b.Lineage...)
		}
	}
	if len(lineage) == 0 {
		return out, nil
	}
	_, err = w.WriteStatements(ctx, lineage, events)
	return out, err
}

// JobRuns reads a job's recent runs (see Store.JobRuns), passed through so the API's
// OpenLineage intake has one value to write and read.
func (w *Writer) JobRuns(ctx context.Context, namespace, name string, limit int) (JobRuns, error) {
	return w.store.JobRuns(ctx, namespace, name, limit)
}

// ImportDatasets writes one batch of imported datasets (see Store.ImportDatasets), then
// invalidates the cache.
func (w *Writer) ImportDatasets(ctx context.Context, batch []ExportDataset) error {
	return w.write(ctx, func() error { return w.store.ImportDatasets(ctx, batch) }, false)
}

// WriteStatements writes a batch of statements' lineage (see Store.WriteStatements), then
// invalidates the cache.
func (w *Writer) WriteStatements(ctx context.Context, batch []StatementLineage, events EventsFunc) ([]ViewChange, error) {
	var out []ViewChange
	err := w.write(ctx, func() (err error) {
		out, err = w.store.WriteStatements(ctx, batch, events)
		return err
	}, false)
	if err != nil && !errors.Is(err, ErrGenerationNotBumped) {
		return nil, err
	}
	return out, err
}

// TouchStatements marks statements seen again (see Store.TouchStatements); lastSeen is shown
// in answers, so it invalidates the cache when any moved.
func (w *Writer) TouchStatements(ctx context.Context, keys []string, seen time.Time) (int, error) {
	var n int
	err := w.write(ctx, func() (err error) {
		n, err = w.store.TouchStatements(ctx, keys, seen)
		return err
	}, true)
	return n, err
}

// ExpireStatements removes statements not seen since before (see Store.ExpireStatements),
// then invalidates the cache (it commits in batches, so after a failure too).
func (w *Writer) ExpireStatements(ctx context.Context, o Origin, source string, before time.Time) (int, error) {
	var n int
	err := w.write(ctx, func() (err error) {
		n, err = w.store.ExpireStatements(ctx, o, source, before)
		return err
	}, true)
	return n, err
}

// SeenStatements reads which statements are recorded (see Store.SeenStatements).
func (w *Writer) SeenStatements(ctx context.Context, keys []string) (map[string]time.Time, error) {
	return w.store.SeenStatements(ctx, keys)
}

// ViewStates and TableStates are the reads ingestion plans with, passed through so one value
// serves ingestion's reads and writes.

// ViewStates reads the stored ingestion states (see Store.ViewStates).
func (w *Writer) ViewStates(ctx context.Context, source string, ids []ObjectID) ([]StoredView, error) {
	return w.store.ViewStates(ctx, source, ids)
}

// TableStates reads the stored base tables' columns (see Store.TableStates).
func (w *Writer) TableStates(ctx context.Context, ids []ObjectID) ([]StoredTable, error) {
	return w.store.TableStates(ctx, ids)
}

// write runs one write, through the breaker when there is one, then invalidates the cache when
// it committed: after success, after ErrNotFound (nothing left to write, but an earlier
// attempt may have written), and after any failure when partial is set (the write commits in
// several transactions).
func (w *Writer) write(ctx context.Context, run func() error, partial bool) error {
	if w.breaker != nil {
		if err := w.breaker.allow(); err != nil {
			return err
		}
	}
	err := run()
	if w.breaker != nil && err != nil {
		err = w.breaker.done(ctx, err)
	}
	if err != nil && !partial && !errors.Is(err, ErrNotFound) {
		return err
	}
	return errors.Join(err, w.invalidate(ctx))
}

func (w *Writer) invalidate(ctx context.Context) error {
	if w.cache == nil {
		return nil
	}
	return w.cache.Invalidate(ctx)
}
