package graph

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/cypher"
)

// MaxDepth is the deepest Upstream/Downstream traversal; the bound is also written in
// upstream.cypher and downstream.cypher (Cypher takes no parameter in a pattern length).
const MaxDepth = 20

// MaxPaths caps the paths one traversal returns; Subgraph.Truncated says when it was hit.
const MaxPaths = 5000

// MaxSearchLimit caps Search results.
const MaxSearchLimit = 200

// Upstream returns the columns col derives from, up to depth hops (1..MaxDepth).
func (s *Store) Upstream(ctx context.Context, col ColumnID, depth int) (Subgraph, error) {
	sg, err := s.traverse(ctx, cypher.Upstream, col, depth)
	if err != nil {
		return Subgraph{}, fmt.Errorf("upstream of %s: %w", col, err)
	}
	return sg, nil
}

// Downstream returns the columns derived from col (its impact), up to depth hops (1..MaxDepth).
func (s *Store) Downstream(ctx context.Context, col ColumnID, depth int) (Subgraph, error) {
	sg, err := s.traverse(ctx, cypher.Downstream, col, depth)
	if err != nil {
		return Subgraph{}, fmt.Errorf("downstream of %s: %w", col, err)
	}
	return sg, nil
}

func (s *Store) traverse(ctx context.Context, query string, col ColumnID, depth int) (Subgraph, error) {
	if depth < 1 || depth > MaxDepth {
		return Subgraph{}, invalidf("depth %d out of range 1..%d", depth, MaxDepth)
	}
	if err := col.Validate(); err != nil {
		return Subgraph{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	res, err := s.read(ctx, query, map[string]any{"id": col.String(), "depth": int64(depth), "pathLimit": int64(MaxPaths)})
	if err != nil {
		return Subgraph{}, err
	}
	if len(res.Records) == 0 {
		return Subgraph{}, fmt.Errorf("column %s: %w", col, ErrNotFound)
	}
	rec := res.Records[0]
	sg := Subgraph{Root: col, Depth: depth}
	if sg.Truncated, _, err = neo4j.GetRecordValue[bool](rec, "truncated"); err != nil {
		return Subgraph{}, err
	}
	paths, _, err := neo4j.GetRecordValue[[]any](rec, "paths")
	if err != nil {
		return Subgraph{}, err
	}
	seenPath := make(map[string]bool, len(paths))
	for _, p := range paths {
		ids, ok := p.([]any)
		if !ok {
			return Subgraph{}, fmt.Errorf("path: unexpected %T", p)
		}
		path := make([]ColumnID, 0, len(ids))
		for _, id := range ids {
			c, err := parseColumnValue(id)
			if err != nil {
				return Subgraph{}, fmt.Errorf("path: %w", err)
			}
			path = append(path, c)
		}
		// Parallel edges (e.g. DIRECT and INDIRECT to the same source) give the same column path.
		parts := make([]string, len(path))
		for i, c := range path {
			parts[i] = c.String()
		}
		key := strings.Join(parts, "\x00")
		if seenPath[key] {
			continue
		}
		seenPath[key] = true
		sg.Paths = append(sg.Paths, path)
	}
	nodes, _, err := neo4j.GetRecordValue[[]any](rec, "nodes")
	if err != nil {
		return Subgraph{}, err
	}
	for _, v := range nodes {
		m, ok := v.(map[string]any)
		if !ok {
			return Subgraph{}, fmt.Errorf("node: unexpected %T", v)
		}
		n, err := nodeFromMap(m)
		if err != nil {
			return Subgraph{}, err
		}
		sg.Nodes = append(sg.Nodes, n)
	}
	edges, _, err := neo4j.GetRecordValue[[]any](rec, "edges")
	if err != nil {
		return Subgraph{}, err
	}
	for _, v := range edges {
		m, ok := v.(map[string]any)
		if !ok {
			return Subgraph{}, fmt.Errorf("edge: unexpected %T", v)
		}
		e, err := edgeFromMap(m)
		if err != nil {
			return Subgraph{}, err
		}
		sg.Edges = append(sg.Edges, e)
	}
	slices.SortFunc(sg.Nodes, func(a, b Node) int { return cmp.Compare(a.ID.String(), b.ID.String()) })
	slices.SortFunc(sg.Edges, compareEdges)
	slices.SortFunc(sg.Paths, func(a, b []ColumnID) int {
		return slices.CompareFunc(a, b, func(x, y ColumnID) int { return cmp.Compare(x.String(), y.String()) })
	})
	return sg, nil
}

// ViewDetail returns a view with its columns, their direct sources, and the objects it reads and
// the views that read it. It returns ErrNotFound when there is no such view.
func (s *Store) ViewDetail(ctx context.Context, id ObjectID) (ViewDetail, error) {
	if err := id.Validate(); err != nil {
		return ViewDetail{}, fmt.Errorf("view detail: %w: %w", ErrInvalid, err)
	}
	res, err := s.read(ctx, cypher.ViewDetail, map[string]any{"id": id.String()})
	if err != nil {
		return ViewDetail{}, fmt.Errorf("view detail %s: %w", id, err)
	}
	if len(res.Records) == 0 {
		return ViewDetail{}, fmt.Errorf("view %s: %w", id, ErrNotFound)
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
	d := ViewDetail{
		ID:          id,
		Definition:  str(vm, "definition"),
		Status:      str(vm, "status"),
		Message:     str(vm, "message"),
		UpdatedAt:   timeOf(vm, "updatedAt"),
		LastAltered: timeOf(vm, "lastAltered"),
	}
	cols, _, err := neo4j.GetRecordValue[[]any](rec, "columns")
	if err != nil {
		return ViewDetail{}, err
	}
	for _, v := range cols {
		m, _ := v.(map[string]any)
		cid, err := parseColumnValue(m["id"])
		if err != nil {
			return ViewDetail{}, err
		}
		vc := ViewColumn{ID: cid, Name: str(m, "name"), Ordinal: int(num(m, "ordinal")), DataType: str(m, "dataType")}
		srcs, _ := m["sources"].([]any)
		for _, sv := range srcs {
			sm, _ := sv.(map[string]any)
			to, err := parseColumnValue(sm["to"])
			if err != nil {
				return ViewDetail{}, err
			}
			view, err := parseObjectValue(sm["view"])
			if err != nil {
				return ViewDetail{}, err
			}
			vc.Sources = append(vc.Sources, Source{
				Column: to, Type: EdgeType(str(sm, "type")), Subtype: Subtype(str(sm, "subtype")),
				View: view, Expression: str(sm, "expression"), Masking: flag(sm, "masking"),
			})
		}
		slices.SortFunc(vc.Sources, func(a, b Source) int {
			return cmp.Or(cmp.Compare(a.Column.String(), b.Column.String()), cmp.Compare(a.Type, b.Type),
				cmp.Compare(a.Subtype, b.Subtype), cmp.Compare(a.View.String(), b.View.String()))
		})
		d.Columns = append(d.Columns, vc)
	}
	slices.SortFunc(d.Columns, func(a, b ViewColumn) int {
		return cmp.Or(cmp.Compare(a.Ordinal, b.Ordinal), cmp.Compare(a.Name, b.Name))
	})
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

// Search finds columns, tables and views whose name has a word starting with each word of q,
// best first (exact words rank above prefixes). kind is "", KindColumn, KindTable or KindView;
// limit is 1..MaxSearchLimit (0 means 20).
func (s *Store) Search(ctx context.Context, q string, kind string, limit int) ([]SearchHit, error) {
	switch kind {
	case "", KindColumn, KindTable, KindView:
	default:
		return nil, invalidf("search kind %q, want %q, %q or %q", kind, KindColumn, KindTable, KindView)
	}
	if limit == 0 {
		limit = 20
	}
	if limit < 1 || limit > MaxSearchLimit {
		return nil, invalidf("search limit %d out of range 1..%d", limit, MaxSearchLimit)
	}
	lq, err := LuceneQuery(q)
	if err != nil {
		return nil, err
	}
	res, err := s.read(ctx, cypher.SearchNames, map[string]any{"query": lq, "kind": kind, "limit": int64(limit)})
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", q, err)
	}
	hits := make([]SearchHit, 0, len(res.Records))
	for _, rec := range res.Records {
		var h SearchHit
		if h.ID, _, err = neo4j.GetRecordValue[string](rec, "id"); err != nil {
			return nil, fmt.Errorf("search %q: %w", q, err)
		}
		if h.Name, _, err = neo4j.GetRecordValue[string](rec, "name"); err != nil {
			return nil, fmt.Errorf("search %q: %w", q, err)
		}
		if h.Kind, _, err = neo4j.GetRecordValue[string](rec, "kind"); err != nil {
			return nil, fmt.Errorf("search %q: %w", q, err)
		}
		if h.Score, _, err = neo4j.GetRecordValue[float64](rec, "score"); err != nil {
			return nil, fmt.Errorf("search %q: %w", q, err)
		}
		if h.Parent, _, err = neo4j.GetRecordValue[string](rec, "parentId"); err != nil {
			return nil, fmt.Errorf("search %q: %w", q, err)
		}
		hits = append(hits, h)
	}
	return hits, nil
}

// luceneSpecial are the characters Lucene's classic query parser gives a meaning to.
const luceneSpecial = `+-&|!(){}[]^"~*?:\/`

// LuceneQuery turns user input into a full-text query: every whitespace-separated word, lower
// cased, with Lucene's special characters escaped, must match a name word exactly (boosted) or
// as a prefix. It fails on input with no words.
func LuceneQuery(q string) (string, error) {
	words := strings.FieldsFunc(q, unicode.IsSpace)
	if len(words) == 0 {
		return "", invalidf("empty search query")
	}
	if len(words) > 16 {
		return "", invalidf("search query has %d words, at most 16", len(words))
	}
	clauses := make([]string, 0, len(words))
	for _, w := range words {
		e := escapeLucene(strings.ToLower(w))
		clauses = append(clauses, "("+e+"^2 OR "+e+"*)")
	}
	return strings.Join(clauses, " AND "), nil
}

func escapeLucene(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(luceneSpecial, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	// AND, OR and NOT are operators only in upper case; words are lower-cased before this.
	return b.String()
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
		View: view, Expression: str(m, "expression"), Masking: flag(m, "masking")}, nil
}

func compareEdges(a, b Edge) int {
	return cmp.Or(cmp.Compare(a.From.String(), b.From.String()), cmp.Compare(a.To.String(), b.To.String()),
		cmp.Compare(a.Type, b.Type), cmp.Compare(a.Subtype, b.Subtype), cmp.Compare(a.View.String(), b.View.String()))
}

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
