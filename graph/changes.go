package graph

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/cypher"
)

// ViewChange is what one write did to one view. The write methods that return it
// (ReplaceViewsLineageChanges, DeleteViewChange) read the state they replace inside their own
// write transaction, before rewriting it, so a change describes exactly that transaction: a
// retried write that finds its work already committed reports no difference.
type ViewChange struct {
	View    ObjectID
	Existed bool // the graph held the view before the write
	Deleted bool // the write removed the view
	Before  ViewVersion
	After   ViewVersion // zero when Deleted
	// ColumnsAdded are by name in the new order; ColumnsRemoved in the stored order.
	ColumnsAdded   []string
	ColumnsRemoved []string
	EdgesAdded     []Edge // DERIVES_FROM edges out of the view's columns, by (from, to, type, subtype)
	EdgesRemoved   []Edge
	// Broken are the columns of other views that read a removed column of this view: the
	// write deleted the edges listed in LostSources.
	Broken []BrokenColumn
}

// ViewVersion is what ingestion records about a view's definition.
type ViewVersion struct {
	Status        string
	SourceVersion string // the source's fingerprint of the analysed definition
	LastAltered   time.Time
}

// LineageChanged reports whether the write changed the view's columns, edges or status, or
// created or removed it.
func (c ViewChange) LineageChanged() bool {
	return !c.Existed || c.Deleted || c.Before.Status != c.After.Status ||
		len(c.ColumnsAdded)+len(c.ColumnsRemoved)+len(c.EdgesAdded)+len(c.EdgesRemoved)+len(c.Broken) > 0
}

// ReplaceViewsLineageChanges is ReplaceViewsLineage that also returns, per view (in the order of
// views), what the transaction changed. The prior state is read in the same transaction, before
// the first write, with one batched read, plus one for the downstream edges of the columns the
// batch removes. When events is not nil, the events it makes of the changes are stored in the
// same transaction (the outbox): they commit with the write or not at all.
func (s *Store) ReplaceViewsLineageChanges(ctx context.Context, views []View, states []ViewState, events EventsFunc) ([]ViewChange, error) {
	return s.replaceViews(ctx, views, states, true, events)
}

// DeleteViewChange is DeleteView that returns what the deletion removed: the view's columns and
// edges and the columns of other views that read them. It returns ErrNotFound when there is
// no such view. When events is not nil, its events are stored in the same transaction.
func (s *Store) DeleteViewChange(ctx context.Context, id ObjectID, events EventsFunc) (ViewChange, error) {
	if err := id.Validate(); err != nil {
		return ViewChange{}, fmt.Errorf("delete view: %w: %w", ErrInvalid, err)
	}
	session := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.database, AccessMode: neo4j.AccessModeWrite})
	defer session.Close(ctx)
	c, err := neo4j.ExecuteWrite(ctx, session, func(tx neo4j.ManagedTransaction) (ViewChange, error) {
		before, err := readPrior(ctx, tx, []string{id.String()})
		if err != nil {
			return ViewChange{}, err
		}
		d, ok := before[id]
		if !ok || d.Kind != KindView {
			return ViewChange{}, fmt.Errorf("view %s: %w", id, ErrNotFound)
		}
		c := ViewChange{View: id, Existed: true, Deleted: true, Before: versionOf(d), EdgesRemoved: d.Edges}
		var removed []any
		for _, col := range d.Columns {
			c.ColumnsRemoved = append(c.ColumnsRemoved, col.Name)
			removed = append(removed, id.Column(col.Name).String())
		}
		broken, err := readBroken(ctx, tx, removed)
		if err != nil {
			return ViewChange{}, err
		}
		c.Broken = broken[id]
		n, err := runCount(ctx, tx, cypher.DeleteView, map[string]any{"id": id.String()})
		if err != nil {
			return ViewChange{}, err
		}
		if n == 0 {
			return ViewChange{}, fmt.Errorf("view %s: %w", id, ErrNotFound)
		}
		return c, writeEvents(ctx, tx, events, []ViewChange{c})
	})
	if err != nil {
		return ViewChange{}, fmt.Errorf("delete view %s: %w", id, err)
	}
	return c, nil
}

// readPrior reads the stored tables and views of ids (absent ones are left out).
func readPrior(ctx context.Context, tx neo4j.ManagedTransaction, ids []string) (map[ObjectID]ExportDataset, error) {
	recs, err := collect(ctx, tx, cypher.ExportDatasets, map[string]any{"ids": ids})
	if err != nil {
		return nil, fmt.Errorf("prior state: %w", err)
	}
	out := make(map[ObjectID]ExportDataset, len(recs))
	for _, rec := range recs {
		m, _, err := neo4j.GetRecordValue[map[string]any](rec, "o")
		if err != nil {
			return nil, fmt.Errorf("prior state: %w", err)
		}
		d, err := exportDatasetFromMap(m)
		if err != nil {
			return nil, fmt.Errorf("prior state: %w", err)
		}
		out[d.ID] = d
	}
	return out, nil
}

// readBroken reads the DERIVES_FROM edges into the columns removed (column ids) and groups
// them, by the object owning the removed column, into the columns of other objects that read
// them.
func readBroken(ctx context.Context, tx neo4j.ManagedTransaction, removed []any) (map[ObjectID][]BrokenColumn, error) {
	if len(removed) == 0 {
		return nil, nil
	}
	recs, err := collect(ctx, tx, cypher.DownstreamStep, map[string]any{"ids": removed})
	if err != nil {
		return nil, fmt.Errorf("downstream of removed columns: %w", err)
	}
	byCol := map[ColumnID]*BrokenColumn{}
	owners := map[ColumnID]ObjectID{}
	for _, rec := range recs {
		m, _, err := neo4j.GetRecordValue[map[string]any](rec, "edge")
		if err != nil {
			return nil, fmt.Errorf("downstream of removed columns: %w", err)
		}
		e, err := edgeFromMap(m)
		if err != nil {
			return nil, fmt.Errorf("downstream of removed columns: %w", err)
		}
		owner := e.To.Object()
		if e.From.Object() == owner {
			continue // the view's own columns are rewritten with it
		}
		b := byCol[e.From]
		if b == nil {
			b = &BrokenColumn{ID: e.From, View: e.View}
			byCol[e.From] = b
			owners[e.From] = owner
		}
		if !slices.Contains(b.LostSources, e.To) {
			b.LostSources = append(b.LostSources, e.To)
		}
		if k := (Kind{e.Type, e.Subtype}); !slices.Contains(b.Kinds, k) {
			b.Kinds = append(b.Kinds, k)
		}
	}
	out := map[ObjectID][]BrokenColumn{}
	for id, b := range byCol {
		slices.SortFunc(b.LostSources, func(x, y ColumnID) int { return cmp.Compare(x.String(), y.String()) })
		slices.SortFunc(b.Kinds, func(x, y Kind) int {
			return cmp.Or(cmp.Compare(x.Type, y.Type), cmp.Compare(x.Subtype, y.Subtype))
		})
		out[owners[id]] = append(out[owners[id]], *b)
	}
	for _, bs := range out {
		slices.SortFunc(bs, func(a, b BrokenColumn) int { return cmp.Compare(a.ID.String(), b.ID.String()) })
	}
	return out, nil
}

func versionOf(d ExportDataset) ViewVersion {
	if d.Kind != KindView {
		return ViewVersion{}
	}
	return ViewVersion{Status: d.Status, SourceVersion: d.SourceVersion, LastAltered: d.LastAltered}
}

// priorRemoved lists, for the views of a batch, the stored column ids the new definitions do
// not have.
func priorRemoved(views []View, prior map[ObjectID]ExportDataset) []any {
	var out []any
	for _, v := range views {
		d, ok := prior[v.ID]
		if !ok {
			continue
		}
		for _, c := range d.Columns {
			if !slices.ContainsFunc(v.Columns, func(n Column) bool { return n.Name == c.Name }) {
				out = append(out, v.ID.Column(c.Name).String())
			}
		}
	}
	return out
}

// diffWritten compares what ReplaceViewsLineage wrote for v (state: its ingestion state, may
// be nil) with the prior dataset.
func diffWritten(v View, state *ViewState, prior ExportDataset, existed bool, broken []BrokenColumn) ViewChange {
	c := ViewChange{View: v.ID, Existed: existed && prior.Kind == KindView, Broken: broken}
	if c.Existed {
		c.Before = versionOf(prior)
	}
	c.After = ViewVersion{Status: v.Status, LastAltered: v.LastAltered}
	if !c.After.LastAltered.IsZero() {
		c.After.LastAltered = c.After.LastAltered.UTC()
	}
	switch {
	case state != nil:
		c.After.SourceVersion = state.Version
	case c.Existed:
		c.After.SourceVersion = c.Before.SourceVersion // no state written: unchanged
	}
	old := map[string]bool{}
	for _, col := range prior.Columns {
		old[col.Name] = true
	}
	now := map[string]bool{}
	for _, col := range v.Columns {
		now[col.Name] = true
		if !old[col.Name] {
			c.ColumnsAdded = append(c.ColumnsAdded, col.Name)
		}
	}
	for _, col := range prior.Columns {
		if !now[col.Name] {
			c.ColumnsRemoved = append(c.ColumnsRemoved, col.Name)
		}
	}
	c.EdgesAdded, c.EdgesRemoved = diffEdges(v.ID, prior.Edges, v.Edges)
	return c
}
