package graph

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
)

// ColumnChange is a column whose data type differs between the stored and the proposed view.
type ColumnChange struct {
	Name             string
	OldType, NewType string
}

// BrokenColumn is a column of another view that reads a column the proposed definition drops:
// it would lose the sources listed.
type BrokenColumn struct {
	ID          ColumnID
	View        ObjectID
	LostSources []ColumnID
	Kinds       []Kind // kinds of the edges that would dangle
}

// ViewDiff compares a proposed view lineage with the one stored.
type ViewDiff struct {
	ID             ObjectID
	Exists         bool // false: the view is new, everything is added
	StoredStatus   string
	ColumnsAdded   []string // by name, in the proposed order
	ColumnsRemoved []string // by name, in the stored order
	TypesChanged   []ColumnChange
	EdgesAdded     []Edge
	EdgesRemoved   []Edge
	// Broken are the downstream columns that read a removed column (one hop); Affected is
	// everything downstream of the removed columns, up to MaxDepth hops, grouped by view.
	Broken   []BrokenColumn
	Affected Impact
}

// DiffView compares proposed (as ReplaceViewLineage would write it) with the stored view of the
// same id, without writing anything: columns and edges added and removed, and the columns of
// other views that read a removed column.
func (s *Store) DiffView(ctx context.Context, proposed View) (ViewDiff, error) {
	if _, err := prepareView(proposed); err != nil {
		return ViewDiff{}, fmt.Errorf("diff view %s: %w", proposed.ID, err)
	}
	d := ViewDiff{ID: proposed.ID}
	stored, err := s.ViewDetail(ctx, proposed.ID)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return ViewDiff{}, fmt.Errorf("diff view %s: %w", proposed.ID, err)
	default:
		d.Exists = true
		d.StoredStatus = stored.Status
	}
	storedCols := map[string]ViewColumn{}
	for _, c := range stored.Columns {
		storedCols[c.Name] = c
	}
	newCols := map[string]Column{}
	for _, c := range proposed.Columns {
		newCols[c.Name] = c
		old, ok := storedCols[c.Name]
		switch {
		case !ok:
			d.ColumnsAdded = append(d.ColumnsAdded, c.Name)
		case c.DataType != "" && old.DataType != "" && c.DataType != old.DataType:
			d.TypesChanged = append(d.TypesChanged, ColumnChange{Name: c.Name, OldType: old.DataType, NewType: c.DataType})
		}
	}
	var removed []ColumnID
	for _, c := range stored.Columns {
		if _, ok := newCols[c.Name]; !ok {
			d.ColumnsRemoved = append(d.ColumnsRemoved, c.Name)
			removed = append(removed, c.ID)
		}
	}

	var storedEdges []Edge
	for _, c := range stored.Columns {
		for _, src := range c.Sources {
			storedEdges = append(storedEdges, Edge{From: c.ID, To: src.Column,
				Type: src.Type, Subtype: src.Subtype, View: src.View, Expression: src.Expression, Masking: src.Masking,
				Unverified: src.Unverified, Steps: src.Steps})
		}
	}
	d.EdgesAdded, d.EdgesRemoved = diffEdges(proposed.ID, storedEdges, proposed.Edges)

	if len(removed) > 0 {
		imp, edges, err := s.impact(ctx, removed, MaxDepth)
		if err != nil {
			return ViewDiff{}, fmt.Errorf("diff view %s: downstream of removed columns: %w", proposed.ID, err)
		}
		// Columns of this view that read a removed column are not broken: the proposal
		// rewrites them.
		imp.Views = slices.DeleteFunc(imp.Views, func(v ImpactedView) bool { return v.ID == proposed.ID })
		imp.Columns = 0
		for _, v := range imp.Views {
			imp.Columns += len(v.Columns)
		}
		d.Affected = imp
		broken := map[ColumnID]*BrokenColumn{}
		for _, e := range edges {
			if e.From.Object() == proposed.ID || !slices.Contains(removed, e.To) {
				continue
			}
			b := broken[e.From]
			if b == nil {
				b = &BrokenColumn{ID: e.From, View: e.View}
				broken[e.From] = b
			}
			if !slices.Contains(b.LostSources, e.To) {
				b.LostSources = append(b.LostSources, e.To)
			}
			if k := (Kind{e.Type, e.Subtype}); !slices.Contains(b.Kinds, k) {
				b.Kinds = append(b.Kinds, k)
			}
		}
		for _, b := range broken {
			slices.SortFunc(b.LostSources, func(x, y ColumnID) int { return cmp.Compare(x.String(), y.String()) })
			slices.SortFunc(b.Kinds, func(x, y Kind) int {
				return cmp.Or(cmp.Compare(x.Type, y.Type), cmp.Compare(x.Subtype, y.Subtype))
			})
			d.Broken = append(d.Broken, *b)
		}
	}
	slices.SortFunc(d.Broken, func(a, b BrokenColumn) int { return cmp.Compare(a.ID.String(), b.ID.String()) })
	return d, nil
}
