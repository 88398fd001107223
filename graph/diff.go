package graph

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/cypher"
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

// DiffViews compares each proposed view (as ReplaceViewLineage would write it) with the stored
// view of the same id, without writing anything: columns and edges added and removed, and the
// columns of other views that read a removed column. It answers one diff per proposed view, in
// order, from one read transaction: one query for the stored views and one closure walk per
// MaxImpactRoots removed columns, however many views are proposed.
func (s *Store) DiffViews(ctx context.Context, proposed []View) ([]ViewDiff, error) {
	if len(proposed) == 0 {
		return nil, nil
	}
	ids := make([]any, 0, len(proposed))
	for _, v := range proposed {
		if _, err := prepareView(v); err != nil {
			return nil, fmt.Errorf("diff view %s: %w", v.ID, err)
		}
		ids = append(ids, v.ID.String())
	}
	type storedView struct {
		status  string
		columns []ViewColumn
	}
	type read struct {
		views map[ObjectID]storedView
		edges []Edge
		nodes map[ColumnID]Node
	}
	session := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.database, AccessMode: neo4j.AccessModeRead})
	defer session.Close(ctx)
	r, err := neo4j.ExecuteRead(ctx, session, func(tx neo4j.ManagedTransaction) (read, error) {
		out := read{views: map[ObjectID]storedView{}, nodes: map[ColumnID]Node{}}
		recs, err := collect(ctx, tx, cypher.DiffViews, map[string]any{"ids": ids})
		if err != nil {
			return read{}, err
		}
		for _, rec := range recs {
			raw, _, err := neo4j.GetRecordValue[string](rec, "id")
			if err != nil {
				return read{}, err
			}
			id, err := ParseObjectID(raw)
			if err != nil {
				return read{}, err
			}
			status, _, err := neo4j.GetRecordValue[string](rec, "status")
			if err != nil {
				return read{}, err
			}
			cols, err := viewColumnsFromRecord(rec)
			if err != nil {
				return read{}, fmt.Errorf("stored view %s: %w", id, err)
			}
			out.views[id] = storedView{status: status, columns: cols}
		}
		// Every stored column a proposal drops, for one downstream walk over all of them.
		var roots []any
		seen := map[ColumnID]bool{}
		for _, p := range proposed {
			for _, c := range removedColumns(out.views[p.ID].columns, p) {
				if !seen[c.ID] {
					seen[c.ID] = true
					roots = append(roots, c.ID.String())
				}
			}
		}
		for chunk := range slices.Chunk(roots, MaxImpactRoots) {
			edges, nodes, err := downstreamClosure(ctx, tx, chunk, MaxDepth)
			if err != nil {
				return read{}, err
			}
			out.edges = append(out.edges, edges...)
			for _, n := range nodes {
				out.nodes[n.ID] = n
			}
		}
		return out, nil
	})
	if err != nil {
		return nil, fmt.Errorf("diff %d views: %w", len(proposed), err)
	}
	// Each view's diff walks only its own part of the closure, through an index by source.
	bySource := map[ColumnID][]Edge{}
	for _, e := range r.edges {
		bySource[e.To] = append(bySource[e.To], e)
	}
	diffs := make([]ViewDiff, 0, len(proposed))
	for _, p := range proposed {
		st, exists := r.views[p.ID]
		diffs = append(diffs, diffView(p, exists, st.status, st.columns, bySource, r.nodes))
	}
	return diffs, nil
}

// downstreamEdges are the edges reachable downstream from roots within depth hops, each once.
func downstreamEdges(bySource map[ColumnID][]Edge, roots []ColumnID, depth int) []Edge {
	var out []Edge
	seen := map[ColumnID]bool{}
	frontier := slices.Clone(roots)
	for _, r := range roots {
		seen[r] = true
	}
	for d := 0; d < depth && len(frontier) > 0; d++ {
		var next []ColumnID
		for _, c := range frontier {
			for _, e := range bySource[c] {
				out = append(out, e)
				if !seen[e.From] {
					seen[e.From] = true
					next = append(next, e.From)
				}
			}
		}
		frontier = next
	}
	return out
}

// removedColumns are the stored columns the proposed view no longer has.
func removedColumns(stored []ViewColumn, proposed View) []ViewColumn {
	var out []ViewColumn
	for _, c := range stored {
		if !slices.ContainsFunc(proposed.Columns, func(n Column) bool { return n.Name == c.Name }) {
			out = append(out, c)
		}
	}
	return out
}

// diffView compares one proposed view with its stored columns; bySource indexes the downstream
// closure of (at least) every removed column by source column, nodes are its columns.
func diffView(proposed View, exists bool, status string, stored []ViewColumn, bySource map[ColumnID][]Edge, nodes map[ColumnID]Node) ViewDiff {
	d := ViewDiff{ID: proposed.ID, Exists: exists, StoredStatus: status}
	storedCols := map[string]ViewColumn{}
	for _, c := range stored {
		storedCols[c.Name] = c
	}
	for _, c := range proposed.Columns {
		old, ok := storedCols[c.Name]
		switch {
		case !ok:
			d.ColumnsAdded = append(d.ColumnsAdded, c.Name)
		case c.DataType != "" && old.DataType != "" && c.DataType != old.DataType:
			d.TypesChanged = append(d.TypesChanged, ColumnChange{Name: c.Name, OldType: old.DataType, NewType: c.DataType})
		}
	}
	var removed []ColumnID
	for _, c := range removedColumns(stored, proposed) {
		d.ColumnsRemoved = append(d.ColumnsRemoved, c.Name)
		removed = append(removed, c.ID)
	}

	var storedEdges []Edge
	for _, c := range stored {
		for _, src := range c.Sources {
			if src.Origin != "" && !src.Origin.Definition() {
				continue // a statement's edges (query history, OpenLineage) stay whatever the definition says
			}
			storedEdges = append(storedEdges, Edge{From: c.ID, To: src.Column,
				Type: src.Type, Subtype: src.Subtype, View: src.View, Expression: src.Expression, Masking: src.Masking,
				Unverified: src.Unverified, Steps: src.Steps, Provenance: src.Provenance})
		}
	}
	// The proposal's edges would be its definition's.
	proposedEdges := make([]Edge, len(proposed.Edges))
	for i, e := range proposed.Edges {
		e.Provenance = proposed.definition()
		proposedEdges[i] = e
	}
	d.EdgesAdded, d.EdgesRemoved = diffEdges(proposed.ID, storedEdges, proposedEdges)

	if len(removed) > 0 {
		edges := downstreamEdges(bySource, removed, MaxDepth)
		imp := buildImpact(removed, MaxDepth, edges, nodes)
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
	return d
}
