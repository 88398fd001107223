package graph

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/cypher"
)

// MaxImpactRoots caps the columns one Impact call starts from (a view's columns).
const MaxImpactRoots = 2000

// Kind is an edge's type and subtype, e.g. DIRECT/IDENTITY.
type Kind struct {
	Type    EdgeType
	Subtype Subtype
}

// PathStep is one hop of an impact path: Derived is computed from Source through every edge
// Kind listed (several when a column is used both directly and, say, in a filter).
type PathStep struct {
	Source  ColumnID
	Derived ColumnID
	View    ObjectID // the dataset Derived belongs to
	Kinds   []Kind
	Origins []Origin // what the edges were read from (sorted; several when statements of different origins agree)
}

// ImpactedColumn is a column that derives, over one or more hops, from an impact root.
type ImpactedColumn struct {
	ID       ColumnID
	Name     string
	DataType string
	Distance int        // hops on the shortest path from a root
	Path     []PathStep // a shortest path, root first (ties broken by the smallest column ids)
}

// ImpactedView groups the impacted columns of one view (or table), by column id.
type ImpactedView struct {
	ID      ObjectID
	Kind    string // "view" or "table"
	Columns []ImpactedColumn
}

// Impact is everything downstream of a set of root columns.
type Impact struct {
	Roots   []ColumnID
	Depth   int
	Columns int            // number of impacted columns (roots excluded)
	Views   []ImpactedView // by id
}

// Impact returns every column derived, within depth hops, from any of roots, grouped by the
// view it belongs to, each with a shortest path from a root and the edge kinds along it.
// Unknown roots are ErrNotFound. depth is 1..MaxDepth; roots 1..MaxImpactRoots.
func (s *Store) Impact(ctx context.Context, roots []ColumnID, depth int) (Impact, error) {
	imp, _, err := s.impact(ctx, roots, depth)
	return imp, err
}

// impact is Impact that also returns the edges it walked.
func (s *Store) impact(ctx context.Context, roots []ColumnID, depth int) (Impact, []Edge, error) {
	if depth < 1 || depth > MaxDepth {
		return Impact{}, nil, invalidf("depth %d out of range 1..%d", depth, MaxDepth)
	}
	if len(roots) == 0 || len(roots) > MaxImpactRoots {
		return Impact{}, nil, invalidf("%d impact roots, want 1..%d", len(roots), MaxImpactRoots)
	}
	rootIDs := make([]any, 0, len(roots))
	seen := make(map[string]bool, len(roots))
	for _, r := range roots {
		if err := r.Validate(); err != nil {
			return Impact{}, nil, fmt.Errorf("impact: %w: %w", ErrInvalid, err)
		}
		id := r.String()
		if seen[id] {
			continue
		}
		seen[id] = true
		rootIDs = append(rootIDs, id)
	}
	session := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.database, AccessMode: neo4j.AccessModeRead})
	defer session.Close(ctx)
	type result struct {
		edges []Edge
		nodes []Node
	}
	res, err := neo4j.ExecuteRead(ctx, session, func(tx neo4j.ManagedTransaction) (result, error) {
		edges, nodes, err := downstreamClosure(ctx, tx, rootIDs, depth)
		if err != nil {
			return result{}, err
		}
		return result{edges: edges, nodes: nodes}, nil
	})
	if err != nil {
		return Impact{}, nil, fmt.Errorf("impact of %d columns: %w", len(rootIDs), err)
	}
	known := make(map[ColumnID]Node, len(res.nodes))
	for _, n := range res.nodes {
		known[n.ID] = n
	}
	uniq := make([]ColumnID, 0, len(rootIDs))
	for _, r := range roots {
		if _, ok := known[r]; !ok {
			return Impact{}, nil, fmt.Errorf("column %s: %w", r, ErrNotFound)
		}
		if !slices.Contains(uniq, r) {
			uniq = append(uniq, r)
		}
	}
	return buildImpact(uniq, depth, res.edges, known), res.edges, nil
}

// downstreamClosure reads, in tx, the edges within depth hops downstream of roots and the
// column nodes at their ends (the roots included).
func downstreamClosure(ctx context.Context, tx neo4j.ManagedTransaction, roots []any, depth int) ([]Edge, []Node, error) {
	edges, err := closureEdges(ctx, tx, false, roots, depth)
	if err != nil {
		return nil, nil, err
	}
	nodes, err := columnNodes(ctx, tx, append(slices.Clone(roots), edgeEnds(edges, roots)...))
	if err != nil {
		return nil, nil, err
	}
	return edges, nodes, nil
}

// buildImpact computes shortest paths over downstream edges (derived From <- source To).
func buildImpact(roots []ColumnID, depth int, edges []Edge, nodes map[ColumnID]Node) Impact {
	// Distances by BFS from all roots; predecessors are sources one hop closer.
	down := map[ColumnID][]ColumnID{}
	kinds := map[[2]ColumnID][]Kind{}
	views := map[[2]ColumnID]ObjectID{}
	origins := map[[2]ColumnID][]Origin{}
	for _, e := range edges {
		k := [2]ColumnID{e.To, e.From}
		if _, ok := kinds[k]; !ok {
			down[e.To] = append(down[e.To], e.From)
			views[k] = e.View
		}
		kd := Kind{e.Type, e.Subtype}
		if !slices.Contains(kinds[k], kd) {
			kinds[k] = append(kinds[k], kd)
		}
		if !slices.Contains(origins[k], e.Origin) {
			origins[k] = append(origins[k], e.Origin)
		}
	}
	dist := distances(roots, down, depth)
	// Parent: the smallest source id one hop closer, so paths are deterministic.
	parent := map[ColumnID]ColumnID{}
	for k := range kinds {
		src, der := k[0], k[1]
		ds, ok1 := dist[src]
		dd, ok2 := dist[der]
		if !ok1 || !ok2 || dd == 0 || ds != dd-1 {
			continue
		}
		if p, ok := parent[der]; !ok || src.String() < p.String() {
			parent[der] = src
		}
	}
	byView := map[ObjectID]*ImpactedView{}
	imp := Impact{Roots: roots, Depth: depth}
	for c, d := range dist {
		if d == 0 {
			continue
		}
		n := nodes[c]
		ic := ImpactedColumn{ID: c, Name: n.Name, DataType: n.DataType, Distance: d}
		if ic.Name == "" {
			ic.Name = c.Column
		}
		for cur := c; dist[cur] > 0; {
			p := parent[cur]
			k := [2]ColumnID{p, cur}
			ks := slices.Clone(kinds[k])
			slices.SortFunc(ks, func(a, b Kind) int { return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Subtype, b.Subtype)) })
			os := slices.Clone(origins[k])
			slices.Sort(os)
			ic.Path = append(ic.Path, PathStep{Source: p, Derived: cur, View: views[k], Kinds: ks, Origins: os})
			cur = p
		}
		slices.Reverse(ic.Path)
		parentID := n.Parent
		if parentID == (ObjectID{}) {
			parentID = c.Object()
		}
		v := byView[parentID]
		if v == nil {
			kind := n.ParentKind
			if kind == "" {
				kind = KindView
			}
			v = &ImpactedView{ID: parentID, Kind: kind}
			byView[parentID] = v
		}
		v.Columns = append(v.Columns, ic)
		imp.Columns++
	}
	for _, v := range byView {
		slices.SortFunc(v.Columns, func(a, b ImpactedColumn) int { return cmp.Compare(a.ID.String(), b.ID.String()) })
		imp.Views = append(imp.Views, *v)
	}
	slices.SortFunc(imp.Views, func(a, b ImpactedView) int { return cmp.Compare(a.ID.String(), b.ID.String()) })
	return imp
}

// DatasetColumns returns the kind ("table" or "view") of a table or view and its column ids
// by ordinal. It returns ErrNotFound when there is no such object.
func (s *Store) DatasetColumns(ctx context.Context, id ObjectID) (string, []ColumnID, error) {
	if err := id.Validate(); err != nil {
		return "", nil, fmt.Errorf("dataset columns: %w: %w", ErrInvalid, err)
	}
	res, err := s.read(ctx, cypher.APIDatasetColumns, map[string]any{"id": id.String()})
	if err != nil {
		return "", nil, fmt.Errorf("dataset columns %s: %w", id, err)
	}
	if len(res.Records) == 0 {
		return "", nil, fmt.Errorf("table or view %s: %w", id, ErrNotFound)
	}
	rec := res.Records[0]
	kind, _, err := neo4j.GetRecordValue[string](rec, "kind")
	if err != nil {
		return "", nil, fmt.Errorf("dataset columns %s: %w", id, err)
	}
	raw, _, err := neo4j.GetRecordValue[[]any](rec, "columns")
	if err != nil {
		return "", nil, fmt.Errorf("dataset columns %s: %w", id, err)
	}
	cols := make([]ColumnID, 0, len(raw))
	for _, v := range raw {
		c, err := parseColumnValue(v)
		if err != nil {
			return "", nil, fmt.Errorf("dataset columns %s: %w", id, err)
		}
		cols = append(cols, c)
	}
	return kind, cols, nil
}

// MaxNameCandidates caps FindDatasets.
const MaxNameCandidates = 50

// FindDatasets resolves a partly qualified table or view name: parts are NAME, SCHEMA.NAME or
// DB.SCHEMA.NAME (already resolved identifiers). It returns the matching tables and views with
// their kinds, by id, at most MaxNameCandidates; none is not an error.
func (s *Store) FindDatasets(ctx context.Context, parts []string) ([]ObjectRef, error) {
	if len(parts) < 1 || len(parts) > 3 {
		return nil, invalidf("name with %d parts, want 1..3", len(parts))
	}
	for _, p := range parts {
		if p == "" {
			return nil, invalidf("name with an empty part")
		}
	}
	params := map[string]any{"name": parts[len(parts)-1], "schema": nil, "database": nil, "limit": int64(MaxNameCandidates)}
	if len(parts) >= 2 {
		params["schema"] = parts[len(parts)-2]
	}
	if len(parts) == 3 {
		params["database"] = parts[0]
	}
	res, err := s.read(ctx, cypher.APIFindDatasets, params)
	if err != nil {
		return nil, fmt.Errorf("find tables and views %v: %w", parts, err)
	}
	out := make([]ObjectRef, 0, len(res.Records))
	for _, rec := range res.Records {
		raw, _, err := neo4j.GetRecordValue[string](rec, "id")
		if err != nil {
			return nil, fmt.Errorf("find tables and views: %w", err)
		}
		kind, _, err := neo4j.GetRecordValue[string](rec, "kind")
		if err != nil {
			return nil, fmt.Errorf("find tables and views: %w", err)
		}
		id, err := ParseObjectID(raw)
		if err != nil {
			return nil, fmt.Errorf("find tables and views: %w", err)
		}
		out = append(out, ObjectRef{ID: id, Kind: kind})
	}
	return out, nil
}

func collect(ctx context.Context, tx neo4j.ManagedTransaction, query string, params map[string]any) ([]*neo4j.Record, error) {
	res, err := tx.Run(ctx, query, params)
	if err != nil {
		return nil, err
	}
	return res.Collect(ctx)
}
