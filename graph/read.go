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

// MaxDepth is the deepest Upstream/Downstream traversal.
const MaxDepth = 20

// MaxPaths caps the paths one traversal returns; Subgraph.Truncated says when it was hit.
// Nodes and Edges are always complete.
const MaxPaths = 5000

// MaxSearchLimit caps Search results.
const MaxSearchLimit = 200

// Upstream returns the columns col derives from, up to depth hops (1..MaxDepth).
func (s *Store) Upstream(ctx context.Context, col ColumnID, depth int) (Subgraph, error) {
	sgs, err := s.traverse(ctx, col, depth, true)
	if err != nil {
		return Subgraph{}, fmt.Errorf("upstream of %s: %w", col, err)
	}
	return sgs[0], nil
}

// Downstream returns the columns derived from col (its impact), up to depth hops (1..MaxDepth).
func (s *Store) Downstream(ctx context.Context, col ColumnID, depth int) (Subgraph, error) {
	sgs, err := s.traverse(ctx, col, depth, false)
	if err != nil {
		return Subgraph{}, fmt.Errorf("downstream of %s: %w", col, err)
	}
	return sgs[0], nil
}

// Both returns what Upstream and Downstream return, read in one transaction (one consistent
// view of the graph, one round of statements).
func (s *Store) Both(ctx context.Context, col ColumnID, depth int) (up, down Subgraph, err error) {
	sgs, err := s.traverse(ctx, col, depth, true, false)
	if err != nil {
		return Subgraph{}, Subgraph{}, fmt.Errorf("lineage of %s: %w", col, err)
	}
	return sgs[0], sgs[1], nil
}

// traverse reads, in one read transaction, the edges of a breadth-first walk of DERIVES_FROM
// from root for each side (upstream or not; one statement each), then the columns they touch
// (one statement for all sides); paths and distances are computed from the edges in Go.
func (s *Store) traverse(ctx context.Context, root ColumnID, depth int, sides ...bool) ([]Subgraph, error) {
	if depth < 1 || depth > MaxDepth {
		return nil, invalidf("depth %d out of range 1..%d", depth, MaxDepth)
	}
	if err := root.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	session := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.database, AccessMode: neo4j.AccessModeRead})
	defer session.Close(ctx)
	type read struct {
		edges [][]Edge
		nodes []Node
	}
	r, err := neo4j.ExecuteRead(ctx, session, func(tx neo4j.ManagedTransaction) (read, error) {
		roots := []any{root.String()}
		ids := roots
		var r read
		for _, upstream := range sides {
			edges, err := closureEdges(ctx, tx, upstream, roots, depth)
			if err != nil {
				return read{}, err
			}
			r.edges = append(r.edges, edges)
			ids = append(ids, edgeEnds(edges, ids)...)
		}
		nodes, err := columnNodes(ctx, tx, ids)
		if err != nil {
			return read{}, err
		}
		r.nodes = nodes
		return r, nil
	})
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(r.nodes, func(n Node) bool { return n.ID == root }) {
		return nil, fmt.Errorf("column %s: %w", root, ErrNotFound)
	}
	out := make([]Subgraph, len(sides))
	for i, upstream := range sides {
		sg := Subgraph{Root: root, Depth: depth, Edges: r.edges[i]}
		var dist map[ColumnID]int
		sg.Paths, sg.Truncated, dist = pathsAndDistances(root, sg.Edges, upstream, depth, MaxPaths)
		for _, n := range r.nodes {
			if d, ok := dist[n.ID]; ok {
				n.Distance = d
				sg.Nodes = append(sg.Nodes, n)
			}
		}
		SortByKey(sg.Nodes, func(n Node) string { return n.ID.String() }, cmp.Compare[string])
		sortEdges(sg.Edges)
		out[i] = sg
	}
	return out, nil
}

// SortByKey sorts s stably by a key computed once per element, for keys that cost to make
// (ColumnID.String formats and quotes four identifiers: in a comparison it would run
// O(n log n) times).
func SortByKey[T, K any](s []T, key func(T) K, compare func(a, b K) int) {
	type keyed struct {
		k K
		v T
	}
	tmp := make([]keyed, len(s))
	for i, v := range s {
		tmp[i] = keyed{key(v), v}
	}
	slices.SortStableFunc(tmp, func(a, b keyed) int { return compare(a.k, b.k) })
	for i := range tmp {
		s[i] = tmp[i].v
	}
}

// edgeSortKey is the order of compareEdges with the ids formatted once.
type edgeSortKey struct {
	from, to, view string
	typ            EdgeType
	sub            Subtype
	origin         Origin
	statement      string
}

func edgeKeyOf(e Edge) edgeSortKey {
	return edgeSortKey{from: e.From.String(), to: e.To.String(), view: e.View.String(), typ: e.Type, sub: e.Subtype,
		origin: e.Origin, statement: e.Statement}
}

func compareEdgeKeys(a, b edgeSortKey) int {
	return cmp.Or(cmp.Compare(a.from, b.from), cmp.Compare(a.to, b.to), cmp.Compare(a.typ, b.typ),
		cmp.Compare(a.sub, b.sub), cmp.Compare(a.view, b.view), cmp.Compare(a.origin, b.origin),
		cmp.Compare(a.statement, b.statement))
}

// sortEdges sorts edges in compareEdges order.
func sortEdges(edges []Edge) { SortByKey(edges, edgeKeyOf, compareEdgeKeys) }

// closureEdges returns the DERIVES_FROM edges a breadth-first walk of depth hops from roots
// (column id strings) crosses: every edge out of (upstream) or into (downstream) a column
// fewer than depth hops from a root. One statement, whose breadth-first pruning expand visits
// each column once: the same edges as expanding hop by hop, without a round trip per hop.
func closureEdges(ctx context.Context, tx neo4j.ManagedTransaction, upstream bool, roots []any, depth int) ([]Edge, error) {
	stmt := cypher.DownstreamClosure
	if upstream {
		stmt = cypher.UpstreamClosure
	}
	edges, err := decodeRecords(ctx, tx, cypher.WithHops(stmt, depth-1), map[string]any{"ids": roots}, "edge", edgeFromMap)
	if err != nil {
		return nil, fmt.Errorf("closure edges: %w", err)
	}
	return edges, nil
}

// edgeEnds returns the column ids (strings) at either end of edges that are not in skip, once each.
func edgeEnds(edges []Edge, skip []any) []any {
	seen := make(map[string]bool, len(edges)+len(skip))
	for _, id := range skip {
		seen[id.(string)] = true
	}
	var out []any
	for _, e := range edges {
		for _, id := range []string{e.From.String(), e.To.String()} {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out
}

// columnNodes reads the columns with the given ids (strings) and their owners; unknown ids
// are left out.
func columnNodes(ctx context.Context, tx neo4j.ManagedTransaction, ids []any) ([]Node, error) {
	nodes, err := decodeRecords(ctx, tx, cypher.ColumnNodes, map[string]any{"ids": ids}, "node", nodeFromMap)
	if err != nil {
		return nil, fmt.Errorf("columns: %w", err)
	}
	return nodes, nil
}

// decodeRecords runs query in tx and decodes the value under key of every record with decode.
func decodeRecords[T any, V neo4j.RecordValue](ctx context.Context, tx neo4j.ManagedTransaction, query string, params map[string]any,
	key string, decode func(V) (T, error)) ([]T, error) {
	recs, err := collect(ctx, tx, query, params)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(recs))
	for _, rec := range recs {
		v, _, err := neo4j.GetRecordValue[V](rec, key)
		if err != nil {
			return nil, err
		}
		t, err := decode(v)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// pathsAndDistances computes, over edges (following From->To when upstream, To->From
// otherwise), the maximal column paths from root and every column's distance from root (the
// fewest hops, at most depth; columns not reached within depth are not in dist). A path ends
// after depth hops or at a column with no next column; parallel edges give one path. Paths stop
// after limit, and truncated says so; dist is always complete.
func pathsAndDistances(root ColumnID, edges []Edge, upstream bool, depth, limit int) (paths [][]ColumnID, truncated bool, dist map[ColumnID]int) {
	next := map[ColumnID][]ColumnID{}
	for _, e := range edges {
		from, to := e.From, e.To
		if !upstream {
			from, to = e.To, e.From
		}
		if !slices.Contains(next[from], to) {
			next[from] = append(next[from], to)
		}
	}
	for k := range next {
		SortByKey(next[k], ColumnID.String, cmp.Compare[string])
	}
	dist = distances([]ColumnID{root}, next, depth)
	path := []ColumnID{root}
	var dfs func()
	dfs = func() {
		if truncated {
			return
		}
		last := path[len(path)-1]
		var steps []ColumnID
		if len(path)-1 < depth {
			for _, n := range next[last] {
				if !slices.Contains(path, n) { // a cycle cannot come from SQL, but never loop
					steps = append(steps, n)
				}
			}
		}
		if len(steps) == 0 {
			if len(path) > 1 {
				if len(paths) == limit {
					truncated = true
					return
				}
				paths = append(paths, slices.Clone(path))
			}
			return
		}
		for _, n := range steps {
			path = append(path, n)
			dfs()
			path = path[:len(path)-1]
		}
	}
	dfs()
	return paths, truncated, dist
}

// distances returns the fewest hops from any of roots (distance 0) to every column next leads
// to within depth hops: a breadth-first walk.
func distances(roots []ColumnID, next map[ColumnID][]ColumnID, depth int) map[ColumnID]int {
	dist := make(map[ColumnID]int, len(next)+len(roots))
	for _, r := range roots {
		dist[r] = 0
	}
	frontier := slices.Clone(roots)
	for d := 1; d <= depth && len(frontier) > 0; d++ {
		var following []ColumnID
		for _, c := range frontier {
			for _, n := range next[c] {
				if _, seen := dist[n]; !seen {
					dist[n] = d
					following = append(following, n)
				}
			}
		}
		frontier = following
	}
	return dist
}

// ViewDetail returns a view with its columns, their direct sources, and the objects it reads and
// the views that read it. It returns ErrNotFound when there is no such view (a table of that
// id included).
func (s *Store) ViewDetail(ctx context.Context, id ObjectID) (ViewDetail, error) {
	d, err := s.DatasetDetail(ctx, id)
	if err != nil {
		return ViewDetail{}, err
	}
	if d.Kind != KindView {
		return ViewDetail{}, fmt.Errorf("view %s (a %s of that id exists): %w", id, d.Kind, ErrNotFound)
	}
	return d, nil
}

// DatasetDetail is ViewDetail for a table or view (Kind says which; a table has no definition,
// status or sources). It returns ErrNotFound when there is neither.
func (s *Store) DatasetDetail(ctx context.Context, id ObjectID) (ViewDetail, error) {
	if err := id.Validate(); err != nil {
		return ViewDetail{}, fmt.Errorf("view detail: %w: %w", ErrInvalid, err)
	}
	res, err := s.read(ctx, cypher.ViewDetail, map[string]any{"id": id.String()})
	if err != nil {
		return ViewDetail{}, fmt.Errorf("view detail %s: %w", id, err)
	}
	if len(res.Records) == 0 {
		return ViewDetail{}, fmt.Errorf("table or view %s: %w", id, ErrNotFound)
	}
	d, err := viewDetailFromRecord(id, res.Records[0])
	if err != nil {
		return ViewDetail{}, fmt.Errorf("view detail %s: %w", id, err)
	}
	return d, nil
}

func viewDetailFromRecord(id ObjectID, rec *neo4j.Record) (ViewDetail, error) {
	vm, _, err := neo4j.GetRecordValue[map[string]any](rec, "view")
	if err != nil {
		return ViewDetail{}, err
	}
	stored, err := parseObjectValue(vm["id"])
	if err != nil {
		return ViewDetail{}, err
	}
	if stored != id {
		return ViewDetail{}, fmt.Errorf("stored id %s differs from %s", stored, id)
	}
	d := ViewDetail{
		ID:          stored,
		Kind:        str(vm, "kind"),
		Placeholder: flag(vm, "placeholder"),
		Definition:  str(vm, "definition"),
		Status:      str(vm, "status"),
		Message:     str(vm, "message"),
		UpdatedAt:   timeOf(vm, "updatedAt"),
		LastAltered: timeOf(vm, "lastAltered"),
		DefinedBy:   Origin(str(vm, "definedBy")),
		Meta:        metaOf(vm),
	}
	if d.Columns, err = viewColumnsFromRecord(rec); err != nil {
		return ViewDetail{}, err
	}
	ups, _, err := neo4j.GetRecordValue[[]any](rec, "upstream")
	if err != nil {
		return ViewDetail{}, err
	}
	for _, v := range ups {
		m, _ := v.(map[string]any)
		oid, err := parseObjectValue(m["id"])
		if err != nil {
			return ViewDetail{}, err
		}
		d.Upstream = append(d.Upstream, ObjectRef{ID: oid, Kind: str(m, "kind")})
	}
	slices.SortFunc(d.Upstream, func(a, b ObjectRef) int { return cmp.Compare(a.ID.String(), b.ID.String()) })
	downs, _, err := neo4j.GetRecordValue[[]any](rec, "downstream")
	if err != nil {
		return ViewDetail{}, err
	}
	for _, v := range downs {
		oid, err := parseObjectValue(v)
		if err != nil {
			return ViewDetail{}, err
		}
		d.Downstream = append(d.Downstream, oid)
	}
	slices.SortFunc(d.Downstream, func(a, b ObjectID) int { return cmp.Compare(a.String(), b.String()) })
	return d, nil
}

// viewColumnsFromRecord reads a record's "columns" (each with its direct "sources"), by ordinal.
func viewColumnsFromRecord(rec *neo4j.Record) ([]ViewColumn, error) {
	cols, _, err := neo4j.GetRecordValue[[]any](rec, "columns")
	if err != nil {
		return nil, err
	}
	var out []ViewColumn
	for _, v := range cols {
		m, _ := v.(map[string]any)
		cid, err := parseColumnValue(m["id"])
		if err != nil {
			return nil, err
		}
		vc := ViewColumn{ID: cid, Name: str(m, "name"), Ordinal: int(num(m, "ordinal")), DataType: str(m, "dataType")}
		srcs, _ := m["sources"].([]any)
		for _, sv := range srcs {
			sm, _ := sv.(map[string]any)
			to, err := parseColumnValue(sm["to"])
			if err != nil {
				return nil, err
			}
			view, err := parseObjectValue(sm["view"])
			if err != nil {
				return nil, err
			}
			vc.Sources = append(vc.Sources, Source{
				Column: to, Type: EdgeType(str(sm, "type")), Subtype: Subtype(str(sm, "subtype")),
				View: view, Expression: str(sm, "expression"), Masking: flag(sm, "masking"),
				Unverified: unverified(sm), Steps: steps(sm), Provenance: provenanceOf(sm),
			})
		}
		slices.SortFunc(vc.Sources, func(a, b Source) int {
			return cmp.Or(cmp.Compare(a.Column.String(), b.Column.String()), cmp.Compare(a.Type, b.Type),
				cmp.Compare(a.Subtype, b.Subtype), cmp.Compare(a.View.String(), b.View.String()),
				cmp.Compare(a.Origin, b.Origin), cmp.Compare(a.Statement, b.Statement))
		})
		out = append(out, vc)
	}
	slices.SortFunc(out, func(a, b ViewColumn) int {
		return cmp.Or(cmp.Compare(a.Ordinal, b.Ordinal), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

// Counts returns the sizes of the whole graph.
func (s *Store) Counts(ctx context.Context) (Counts, error) {
	res, err := s.read(ctx, cypher.Counts, nil)
	if err != nil {
		return Counts{}, fmt.Errorf("counts: %w", err)
	}
	if len(res.Records) != 1 {
		return Counts{}, fmt.Errorf("counts: %d records, want 1", len(res.Records))
	}
	rec := res.Records[0]
	var c Counts
	for key, dst := range map[string]*int64{
		"databases": &c.Databases, "schemas": &c.Schemas, "tables": &c.Tables,
		"views": &c.Views, "columns": &c.Columns, "edges": &c.Edges,
	} {
		if *dst, _, err = neo4j.GetRecordValue[int64](rec, key); err != nil {
			return Counts{}, fmt.Errorf("counts: %w", err)
		}
	}
	return c, nil
}

func (s *Store) read(ctx context.Context, query string, params map[string]any) (*neo4j.EagerResult, error) {
	return neo4j.ExecuteQuery(ctx, s.driver, query, params, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithDatabase(s.database), neo4j.ExecuteQueryWithReadersRouting())
}

func nodeFromMap(m map[string]any) (Node, error) {
	id, err := parseColumnValue(m["id"])
	if err != nil {
		return Node{}, fmt.Errorf("node: %w", err)
	}
	n := Node{ID: id, Name: str(m, "name"), Ordinal: int(num(m, "ordinal")), DataType: str(m, "dataType"),
		ParentKind: str(m, "parentKind"), Placeholder: flag(m, "placeholder")}
	if m["parentId"] != nil {
		if n.Parent, err = parseObjectValue(m["parentId"]); err != nil {
			return Node{}, fmt.Errorf("node %s: %w", id, err)
		}
	}
	return n, nil
}

func edgeFromMap(m map[string]any) (Edge, error) {
	from, err := parseColumnValue(m["from"])
	if err != nil {
		return Edge{}, fmt.Errorf("edge: %w", err)
	}
	to, err := parseColumnValue(m["to"])
	if err != nil {
		return Edge{}, fmt.Errorf("edge: %w", err)
	}
	view, err := parseObjectValue(m["view"])
	if err != nil {
		return Edge{}, fmt.Errorf("edge: %w", err)
	}
	return Edge{From: from, To: to, Type: EdgeType(str(m, "type")), Subtype: Subtype(str(m, "subtype")),
		View: view, Expression: str(m, "expression"), Masking: flag(m, "masking"),
		Unverified: unverified(m), Steps: steps(m), Provenance: provenanceOf(m)}, nil
}

// provenanceOf reads an edge's origin, statement, run and lastSeen properties. Edges written
// before edges had an origin are a view definition's.
func provenanceOf(m map[string]any) Provenance {
	p := Provenance{Origin: Origin(str(m, "origin")), Statement: str(m, "statement"), Run: str(m, "run"),
		LastSeen: timeOf(m, "lastSeen")}
	if p.Origin == "" {
		p.Origin = OriginView
	}
	if p.Statement == "" && p.Origin == OriginView {
		p.Statement = str(m, "view")
	}
	return p
}

// unverified reads an edge's verification property (absent on verified edges).
func unverified(m map[string]any) bool { return str(m, "verification") == Unverified }

// steps reads an edge's steps and stepRelations list properties back into Steps.
func steps(m map[string]any) []Step {
	exprs, _ := m["steps"].([]any)
	rels, _ := m["stepRelations"].([]any)
	if len(exprs) == 0 {
		return nil
	}
	out := make([]Step, len(exprs))
	for i, e := range exprs {
		out[i].Expression, _ = e.(string)
		if i < len(rels) {
			out[i].Relation, _ = rels[i].(string)
		}
	}
	return out
}

func compareEdges(a, b Edge) int { return compareEdgeKeys(edgeKeyOf(a), edgeKeyOf(b)) }

func parseColumnValue(v any) (ColumnID, error) {
	s, ok := v.(string)
	if !ok {
		return ColumnID{}, fmt.Errorf("column id: unexpected %T", v)
	}
	return ParseColumnID(s)
}

func parseObjectValue(v any) (ObjectID, error) {
	s, ok := v.(string)
	if !ok {
		return ObjectID{}, fmt.Errorf("object id: unexpected %T", v)
	}
	return ParseObjectID(s)
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func num(m map[string]any, k string) int64 {
	n, _ := m[k].(int64)
	return n
}

func flag(m map[string]any, k string) bool {
	b, _ := m[k].(bool)
	return b
}

func timeOf(m map[string]any, k string) time.Time {
	t, _ := m[k].(time.Time)
	return t
}
