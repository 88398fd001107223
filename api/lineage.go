package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tributary-lineage/tributary/graph"
)

// LineageReader is the part of the graph (a *graph.Store, or the breaker over it) the lineage
// endpoints read; their answers are cached whole (ResponseCache). Handlers never modify the
// values it returns.
type LineageReader interface {
	Upstream(ctx context.Context, col graph.ColumnID, depth int) (graph.Subgraph, error)
	Downstream(ctx context.Context, col graph.ColumnID, depth int) (graph.Subgraph, error)
	Both(ctx context.Context, col graph.ColumnID, depth int) (up, down graph.Subgraph, err error)
	ViewDetail(ctx context.Context, id graph.ObjectID) (graph.ViewDetail, error)
	DatasetDetail(ctx context.Context, id graph.ObjectID) (graph.ViewDetail, error)
	FindDatasets(ctx context.Context, parts []string) ([]graph.ObjectRef, error)
	ListDatasets(ctx context.Context, f graph.DatasetFilter) ([]graph.DatasetSummary, error)
	Search(ctx context.Context, q graph.SearchQuery) (graph.SearchResult, error)
	Impact(ctx context.Context, roots []graph.ColumnID, depth int) (graph.Impact, error)
	DatasetColumns(ctx context.Context, id graph.ObjectID) (string, []graph.ColumnID, error)
}

// Request limits of the lineage endpoints.
const (
	DefaultDepth       = 5
	DefaultNodeLimit   = 1000
	MaxNodeLimit       = 10000
	DefaultSearchLimit = 20
	MaxSearchLimit     = 100
)

// Problem types of the lineage endpoints.
const (
	ProblemTypeInvalidParam = "tag:tributary-lineage,2026:problem/invalid-parameter"
	ProblemTypeNotFound     = "tag:tributary-lineage,2026:problem/not-found"
	ProblemTypeAmbiguous    = "tag:tributary-lineage,2026:problem/ambiguous-name"
	ProblemTypeUnavailable  = "tag:tributary-lineage,2026:problem/unavailable"
)

func badParam(name, format string, args ...any) *Problem {
	return &Problem{
		Type: ProblemTypeInvalidParam, Title: "Invalid parameter", Status: http.StatusBadRequest,
		Detail: fmt.Sprintf(format, args...), Extensions: map[string]any{"parameter": name},
	}
}

func notFound(format string, args ...any) *Problem {
	return &Problem{Type: ProblemTypeNotFound, Title: "Not found", Status: http.StatusNotFound, Detail: fmt.Sprintf(format, args...)}
}

func unavailable(what string) *Problem {
	return &Problem{Type: ProblemTypeUnavailable, Title: "Not available", Status: http.StatusServiceUnavailable,
		Detail: what + " is not configured on this server"}
}

// maxDepth is the deepest traversal a request may ask for.
func (s *Server) maxDepth() int { return min(s.cfg.MaxDepth, graph.MaxDepth) }

// intParam reads an optional integer query parameter within lo..hi.
func intParam(c echo.Context, name string, def, lo, hi int) (int, error) {
	raw := c.QueryParam(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, badParam(name, "%s %q is not an integer", name, raw)
	}
	if n < lo || n > hi {
		return 0, badParam(name, "%s %d out of range %d..%d", name, n, lo, hi)
	}
	return n, nil
}

func columnParam(c echo.Context, name string) (graph.ColumnID, error) {
	raw := c.QueryParam(name)
	if raw == "" {
		return graph.ColumnID{}, badParam(name, "%s is required (DB.SCHEMA.TABLE.COLUMN)", name)
	}
	id, err := graph.ParseColumnID(raw)
	if err != nil {
		return graph.ColumnID{}, badParam(name, "%v", err)
	}
	if err := id.Validate(); err != nil {
		return graph.ColumnID{}, badParam(name, "%v", err)
	}
	return id, nil
}

// Directions of /lineage/columns.
const (
	DirUpstream   = "upstream"
	DirDownstream = "downstream"
	DirBoth       = "both"
)

// ColumnNode is a column in a lineage response.
type ColumnNode struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Ordinal     int    `json:"ordinal,omitempty"`
	DataType    string `json:"data_type,omitempty"`
	Parent      string `json:"parent"`
	ParentKind  string `json:"parent_kind"`
	Placeholder bool   `json:"placeholder,omitempty"`
	Distance    int    `json:"distance"`
}

// EdgeJSON is a derivation edge: column From is computed from column To in view View.
type EdgeJSON struct {
	From string `json:"from"`
	To   string `json:"to"`
	View string `json:"view"`
	DerivationJSON
}

// DerivationJSON is how a column is computed from a source column: the edge's type and
// subtype, expression, masking, verification, chain of expressions and provenance.
type DerivationJSON struct {
	Type       string `json:"type"`
	Subtype    string `json:"subtype"`
	Expression string `json:"expression,omitempty"`
	Masking    bool   `json:"masking,omitempty"`
	// Verified is false (and present) only on an unverified edge: the catalog the analysis
	// used lists the source's table but not the column.
	Verified *bool `json:"verified,omitempty"`
	// Expressions is the chain of expressions from the source to the column, source first.
	Expressions []graph.Step `json:"expressions,omitempty"`
	ProvenanceJSON
}

func derivationJSON(e graph.Edge) DerivationJSON {
	return DerivationJSON{Type: string(e.Type), Subtype: string(e.Subtype), Expression: e.Expression, Masking: e.Masking,
		Verified: verifiedField(e.Unverified), Expressions: e.Steps, ProvenanceJSON: provenanceJSON(e.Provenance)}
}

// ProvenanceJSON is where an edge came from: its origin (view, dbt, dynamic_table,
// query_history, openlineage), the statement that produced it (the view's id, the dbt
// unique_id, the query's hash, the OpenLineage job), the OpenLineage run, and when it was last
// seen (statements from query history and OpenLineage).
type ProvenanceJSON struct {
	Origin    string `json:"origin"`
	Statement string `json:"statement,omitempty"`
	Run       string `json:"run,omitempty"`
	LastSeen  string `json:"last_seen,omitempty"`
}

func provenanceJSON(p graph.Provenance) ProvenanceJSON {
	out := ProvenanceJSON{Origin: string(p.Origin), Statement: p.Statement, Run: p.Run}
	if !p.LastSeen.IsZero() {
		out.LastSeen = p.LastSeen.UTC().Format(time.RFC3339Nano)
	}
	return out
}

// verifiedField is the JSON verified field of an edge: false when unverified, absent otherwise.
func verifiedField(unverified bool) *bool {
	if !unverified {
		return nil
	}
	return new(bool)
}

// PathJSON is one maximal path from the root, root first.
type PathJSON struct {
	Direction string   `json:"direction"`
	Columns   []string `json:"columns"`
}

// ColumnLineage is the body of GET /api/v1/lineage/columns.
type ColumnLineage struct {
	Root      string       `json:"root"`
	Direction string       `json:"direction"`
	Depth     int          `json:"depth"`
	Limit     int          `json:"limit"`
	Truncated bool         `json:"truncated"`
	Nodes     []ColumnNode `json:"nodes"`
	Edges     []EdgeJSON   `json:"edges"`
	Paths     []PathJSON   `json:"paths"`
}

func edgeJSON(e graph.Edge) EdgeJSON { return namedEdgeJSON(e, e.From.String(), e.To.String()) }

// namedEdgeJSON is edgeJSON with the end columns' names already formatted.
func namedEdgeJSON(e graph.Edge, from, to string) EdgeJSON {
	return EdgeJSON{From: from, To: to, View: e.View.String(), DerivationJSON: derivationJSON(e)}
}

func (s *Server) columnLineage(c echo.Context) error {
	if s.lineage == nil {
		return unavailable("the lineage graph")
	}
	col, err := columnParam(c, "column")
	if err != nil {
		return err
	}
	dir := c.QueryParam("direction")
	switch dir {
	case "":
		dir = DirBoth
	case DirUpstream, DirDownstream, DirBoth:
	default:
		return badParam("direction", "direction %q, want %s, %s or %s", dir, DirUpstream, DirDownstream, DirBoth)
	}
	depth, err := intParam(c, "depth", min(DefaultDepth, s.maxDepth()), 1, s.maxDepth())
	if err != nil {
		return err
	}
	limit, err := intParam(c, "limit", DefaultNodeLimit, 1, MaxNodeLimit)
	if err != nil {
		return err
	}
	return s.cachedJSON(c, "http:columns", []any{col.String(), dir, depth, limit}, func(ctx context.Context) (any, error) {
		return s.buildColumnLineage(ctx, col, dir, depth, limit)
	})
}

// side is the traversal of one direction.
type side struct {
	dir string
	sg  graph.Subgraph
}

func (s *Server) buildColumnLineage(ctx context.Context, col graph.ColumnID, dir string, depth, limit int) (ColumnLineage, error) {
	var parts []side
	switch dir {
	case DirUpstream:
		sg, err := s.lineage.Upstream(ctx, col, depth)
		if err != nil {
			return ColumnLineage{}, lineageError(err, "column %s", col)
		}
		parts = []side{{DirUpstream, sg}}
	case DirDownstream:
		sg, err := s.lineage.Downstream(ctx, col, depth)
		if err != nil {
			return ColumnLineage{}, lineageError(err, "column %s", col)
		}
		parts = []side{{DirDownstream, sg}}
	default: // DirBoth: one read transaction for both sides
		up, down, err := s.lineage.Both(ctx, col, depth)
		if err != nil {
			return ColumnLineage{}, lineageError(err, "column %s", col)
		}
		parts = []side{{DirUpstream, up}, {DirDownstream, down}}
	}

	out := ColumnLineage{Root: col.String(), Direction: dir, Depth: depth, Limit: limit,
		Nodes: []ColumnNode{}, Edges: []EdgeJSON{}, Paths: []PathJSON{}}
	dist := map[graph.ColumnID]int{col: 0}
	nodes := map[graph.ColumnID]graph.Node{}
	type ekey struct {
		from, to graph.ColumnID
		typ      graph.EdgeType
		sub      graph.Subtype
		view     graph.ObjectID
		origin   graph.Origin
		stmt     string
	}
	var edges []graph.Edge
	seenEdge := map[ekey]bool{}
	for _, p := range parts {
		out.Truncated = out.Truncated || p.sg.Truncated
		for _, n := range p.sg.Nodes {
			nodes[n.ID] = n
			if old, ok := dist[n.ID]; !ok || n.Distance < old {
				dist[n.ID] = n.Distance
			}
		}
		for _, e := range p.sg.Edges {
			k := ekey{e.From, e.To, e.Type, e.Subtype, e.View, e.Origin, e.Statement}
			if !seenEdge[k] {
				seenEdge[k] = true
				edges = append(edges, e)
			}
		}
	}
	// Keep the limit closest columns (root first), then the edges and path prefixes among them.
	// Each id is formatted once: names serves the sorts, nodes, edges and paths below.
	names := make(map[graph.ColumnID]string, len(nodes))
	order := make([]graph.ColumnID, 0, len(nodes))
	for id := range nodes {
		order = append(order, id)
		names[id] = id.String()
	}
	name := func(id graph.ColumnID) string {
		if n, ok := names[id]; ok {
			return n
		}
		n := id.String()
		names[id] = n
		return n
	}
	type rank struct {
		dist int
		id   string
	}
	graph.SortByKey(order, func(id graph.ColumnID) rank { return rank{distOr(dist, id), names[id]} },
		func(a, b rank) int { return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.id, b.id)) })
	if len(order) > limit {
		order = order[:limit]
		out.Truncated = true
	}
	kept := make(map[graph.ColumnID]bool, len(order))
	for _, id := range order {
		kept[id] = true
		n := nodes[id]
		out.Nodes = append(out.Nodes, ColumnNode{ID: names[id], Name: n.Name, Ordinal: n.Ordinal, DataType: n.DataType,
			Parent: n.Parent.String(), ParentKind: n.ParentKind, Placeholder: n.Placeholder, Distance: distOr(dist, id)})
	}
	type edgeRank struct {
		from, to string
		typ      graph.EdgeType
		sub      graph.Subtype
		origin   graph.Origin
		stmt     string
	}
	graph.SortByKey(edges, func(e graph.Edge) edgeRank {
		return edgeRank{name(e.From), name(e.To), e.Type, e.Subtype, e.Origin, e.Statement}
	}, func(a, b edgeRank) int {
		return cmp.Or(cmp.Compare(a.from, b.from), cmp.Compare(a.to, b.to), cmp.Compare(a.typ, b.typ), cmp.Compare(a.sub, b.sub),
			cmp.Compare(a.origin, b.origin), cmp.Compare(a.stmt, b.stmt))
	})
	for _, e := range edges {
		if kept[e.From] && kept[e.To] {
			out.Edges = append(out.Edges, namedEdgeJSON(e, name(e.From), name(e.To)))
		}
	}
	for _, p := range parts {
		seen := map[string]bool{}
		for _, path := range p.sg.Paths {
			var cols []string
			for _, id := range path {
				if !kept[id] {
					break
				}
				cols = append(cols, name(id))
			}
			if len(cols) < 2 {
				continue
			}
			if len(cols) < len(path) {
				out.Truncated = true
			}
			k := strings.Join(cols, "\x00")
			if seen[k] {
				continue
			}
			seen[k] = true
			out.Paths = append(out.Paths, PathJSON{Direction: p.dir, Columns: cols})
		}
	}
	return out, nil
}

func distOr(dist map[graph.ColumnID]int, id graph.ColumnID) int {
	if d, ok := dist[id]; ok {
		return d
	}
	return graph.MaxDepth + 1
}

// lineageError maps the graph's not-found and invalid errors to problems; anything else is
// wrapped for the error handler (graph.ErrUnavailable: 503, a timeout: 504, else 500).
func lineageError(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	switch {
	case errors.Is(err, graph.ErrNotFound):
		return notFound("%s not found", what)
	case errors.Is(err, graph.ErrInvalid):
		return &Problem{Type: ProblemTypeInvalidParam, Title: "Invalid parameter", Status: http.StatusBadRequest, Detail: err.Error()}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// ViewRef names a table or view in responses.
type ViewRef struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
}

// SourceJSON is a direct source of a view column.
type SourceJSON struct {
	Column string `json:"column"`
	DerivationJSON
}

// ViewColumnJSON is a view's output column.
type ViewColumnJSON struct {
	ID       string       `json:"id"`
	Name     string       `json:"name"`
	Ordinal  int          `json:"ordinal"`
	DataType string       `json:"data_type,omitempty"`
	Sources  []SourceJSON `json:"sources"`
}

// MetaJSON is what a dataset's source says about it besides its SQL.
type MetaJSON struct {
	UniqueID        string   `json:"unique_id,omitempty"`
	Description     string   `json:"description,omitempty"`
	Tags            []string `json:"tags,omitempty"`
	Owner           string   `json:"owner,omitempty"`
	Materialization string   `json:"materialization,omitempty"`
	Path            string   `json:"path,omitempty"`
	TargetLag       string   `json:"target_lag,omitempty"`
	Warehouse       string   `json:"warehouse,omitempty"`
	RefreshMode     string   `json:"refresh_mode,omitempty"`
	Initialize      string   `json:"initialize,omitempty"`
}

// metaJSON is m for an answer; nil when m is empty.
func metaJSON(m graph.Meta) *MetaJSON {
	out := MetaJSON(m)
	if reflect.ValueOf(out).IsZero() {
		return nil
	}
	return &out
}

// ViewJSON is the body of GET /api/v1/lineage/views/{view_name}.
type ViewJSON struct {
	ID          string           `json:"id"`
	Kind        string           `json:"kind"`                  // view, table, dynamic_table, materialized_view, external
	DefinedBy   string           `json:"defined_by,omitempty"`  // the origin of its definition: view, dbt, dynamic_table
	Meta        *MetaJSON        `json:"meta,omitempty"`        // dbt metadata, dynamic table options
	Placeholder bool             `json:"placeholder,omitempty"` // a table known only because a view reads it
	Database    string           `json:"database"`
	Schema      string           `json:"schema"`
	Name        string           `json:"name"`
	Status      string           `json:"status,omitempty"` // views
	Message     string           `json:"message,omitempty"`
	Definition  string           `json:"definition"`
	UpdatedAt   string           `json:"updated_at,omitempty"`
	LastAltered string           `json:"last_altered,omitempty"`
	Columns     []ViewColumnJSON `json:"columns"`
	Upstream    []ViewRef        `json:"upstream"`
	Downstream  []ViewRef        `json:"downstream"`
}

// pathParam returns a path parameter decoded once: echo matches on the raw path when the
// request's path has escapes Go would not have produced (an encoded '/'), else on the decoded one.
func pathParam(c echo.Context, name string) (string, error) {
	v := c.Param(name)
	if c.Request().URL.RawPath == "" {
		return v, nil
	}
	u, err := url.PathUnescape(v)
	if err != nil {
		return "", badParam(name, "%s: %v", name, err)
	}
	return u, nil
}

// resolveDataset turns a fully or partly qualified name into one table or view of kind
// (graph.KindView, or "" for either): 404 when none matches (naming the tables or views of that
// name that exist when kind excludes them), 409 listing the candidates when several do.
func (s *Server) resolveDataset(ctx context.Context, param, name, kind string) (graph.ObjectRef, error) {
	parts, err := graph.ParseIdentifiers(name)
	if err != nil {
		return graph.ObjectRef{}, badParam(param, "name %q: %v", name, err)
	}
	if len(parts) > 3 {
		return graph.ObjectRef{}, badParam(param, "name %q has %d parts, want NAME, SCHEMA.NAME or DB.SCHEMA.NAME", name, len(parts))
	}
	found, err := s.lineage.FindDatasets(ctx, parts)
	if err != nil {
		return graph.ObjectRef{}, lineageError(err, "find %s", name)
	}
	var refs []graph.ObjectRef
	for _, r := range found {
		if kind == "" || r.Kind == kind {
			refs = append(refs, r)
		}
	}
	what := "table or view"
	if kind != "" {
		what = kind
	}
	switch len(refs) {
	case 1:
		return refs[0], nil
	case 0:
		if len(found) == 0 {
			return graph.ObjectRef{}, notFound("no %s named %s", what, name)
		}
		others := make([]map[string]string, len(found))
		var names []string
		for i, r := range found {
			others[i] = map[string]string{"id": r.ID.String(), "kind": r.Kind,
				"href": "/api/v1/lineage/datasets/" + url.PathEscape(r.ID.String())}
			names = append(names, r.Kind+" "+r.ID.String())
		}
		p := notFound("no %s named %s; it names the %s (GET /api/v1/lineage/datasets/{name} answers for any kind)",
			what, name, strings.Join(names, ", "))
		p.Extensions = map[string]any{"exists": others}
		return graph.ObjectRef{}, p
	}
	cands := make([]string, len(refs))
	for i, r := range refs {
		cands[i] = r.ID.String()
	}
	return graph.ObjectRef{}, &Problem{
		Type: ProblemTypeAmbiguous, Title: "Ambiguous name", Status: http.StatusConflict,
		Detail:     fmt.Sprintf("%s names %d %ss; qualify it with one of the candidates", name, len(refs), what),
		Extensions: map[string]any{"candidates": cands},
	}
}

func (s *Server) view(c echo.Context) error {
	if s.lineage == nil {
		return unavailable("the lineage graph")
	}
	name, err := pathParam(c, "view_name")
	if err != nil {
		return err
	}
	return s.cachedJSON(c, "http:view", []any{name}, func(ctx context.Context) (any, error) {
		return s.buildView(ctx, name)
	})
}

func (s *Server) buildView(ctx context.Context, name string) (ViewJSON, error) {
	ref, err := s.resolveDataset(ctx, "view_name", name, graph.KindView)
	if err != nil {
		return ViewJSON{}, err
	}
	d, err := s.lineage.ViewDetail(ctx, ref.ID)
	if err != nil {
		return ViewJSON{}, lineageError(err, "view %s", ref.ID)
	}
	return toViewJSON(d), nil
}

func (s *Server) dataset(c echo.Context) error {
	if s.lineage == nil {
		return unavailable("the lineage graph")
	}
	name, err := pathParam(c, "name")
	if err != nil {
		return err
	}
	return s.cachedJSON(c, "http:dataset", []any{name}, func(ctx context.Context) (any, error) {
		ref, err := s.resolveDataset(ctx, "name", name, "")
		if err != nil {
			return nil, err
		}
		d, err := s.lineage.DatasetDetail(ctx, ref.ID)
		if err != nil {
			return nil, lineageError(err, "%s %s", ref.Kind, ref.ID)
		}
		return toViewJSON(d), nil
	})
}

// toViewJSON renders a table or view.
func toViewJSON(d graph.ViewDetail) ViewJSON {
	out := ViewJSON{ID: d.ID.String(), Kind: d.Kind, DefinedBy: string(d.DefinedBy), Meta: metaJSON(d.Meta), Placeholder: d.Placeholder,
		Database: d.ID.Database, Schema: d.ID.Schema, Name: d.ID.Name,
		Status: d.Status, Message: d.Message, Definition: d.Definition,
		Columns: []ViewColumnJSON{}, Upstream: []ViewRef{}, Downstream: []ViewRef{}}
	if !d.UpdatedAt.IsZero() {
		out.UpdatedAt = d.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	}
	if !d.LastAltered.IsZero() {
		out.LastAltered = d.LastAltered.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	}
	for _, vc := range d.Columns {
		j := ViewColumnJSON{ID: vc.ID.String(), Name: vc.Name, Ordinal: vc.Ordinal, DataType: vc.DataType, Sources: []SourceJSON{}}
		for _, src := range vc.Sources {
			j.Sources = append(j.Sources, SourceJSON{Column: src.Column.String(), DerivationJSON: derivationJSON(graph.Edge{
				Type: src.Type, Subtype: src.Subtype, Expression: src.Expression, Masking: src.Masking,
				Unverified: src.Unverified, Steps: src.Steps, Provenance: src.Provenance})})
		}
		out.Columns = append(out.Columns, j)
	}
	for _, u := range d.Upstream {
		out.Upstream = append(out.Upstream, ViewRef{ID: u.ID.String(), Kind: u.Kind})
	}
	for _, w := range d.Downstream {
		out.Downstream = append(out.Downstream, ViewRef{ID: w.ID.String(), Kind: w.Kind})
	}
	return out
}

// ImpactStepJSON is one hop of an impact path.
type ImpactStepJSON struct {
	From    string     `json:"from"` // source, closer to the root
	To      string     `json:"to"`   // derived column
	View    string     `json:"view"`
	Kinds   []KindJSON `json:"kinds"`
	Origins []string   `json:"origins"` // what the edges were read from: view, dbt, query_history...
}

func originsJSON(os []graph.Origin) []string {
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = string(o)
	}
	return out
}

// KindJSON is an edge type and subtype.
type KindJSON struct {
	Type    string `json:"type"`
	Subtype string `json:"subtype"`
}

// ImpactColumnJSON is one impacted column.
type ImpactColumnJSON struct {
	ID       string           `json:"id"`
	Name     string           `json:"name"`
	DataType string           `json:"data_type,omitempty"`
	Distance int              `json:"distance"`
	Path     []ImpactStepJSON `json:"path"`
}

// ImpactViewJSON groups impacted columns by view.
type ImpactViewJSON struct {
	ID      string             `json:"id"`
	Kind    string             `json:"kind"`
	Columns []ImpactColumnJSON `json:"columns"`
}

// ImpactJSON is the body of GET /api/v1/lineage/impact.
type ImpactJSON struct {
	Roots       []string         `json:"roots"`
	Depth       int              `json:"depth"`
	ViewCount   int              `json:"view_count"`
	ColumnCount int              `json:"column_count"`
	Views       []ImpactViewJSON `json:"views"`
}

func kindsJSON(ks []graph.Kind) []KindJSON {
	out := make([]KindJSON, len(ks))
	for i, k := range ks {
		out[i] = KindJSON{Type: string(k.Type), Subtype: string(k.Subtype)}
	}
	return out
}

func impactJSON(imp graph.Impact) ImpactJSON {
	out := ImpactJSON{Depth: imp.Depth, ViewCount: len(imp.Views), ColumnCount: imp.Columns,
		Roots: make([]string, len(imp.Roots)), Views: []ImpactViewJSON{}}
	for i, r := range imp.Roots {
		out.Roots[i] = r.String()
	}
	for _, v := range imp.Views {
		vj := ImpactViewJSON{ID: v.ID.String(), Kind: v.Kind, Columns: make([]ImpactColumnJSON, 0, len(v.Columns))}
		for _, c := range v.Columns {
			cj := ImpactColumnJSON{ID: c.ID.String(), Name: c.Name, DataType: c.DataType, Distance: c.Distance,
				Path: make([]ImpactStepJSON, 0, len(c.Path))}
			for _, st := range c.Path {
				cj.Path = append(cj.Path, ImpactStepJSON{From: st.Source.String(), To: st.Derived.String(),
					View: st.View.String(), Kinds: kindsJSON(st.Kinds), Origins: originsJSON(st.Origins)})
			}
			vj.Columns = append(vj.Columns, cj)
		}
		out.Views = append(out.Views, vj)
	}
	return out
}

func (s *Server) impact(c echo.Context) error {
	if s.lineage == nil {
		return unavailable("the lineage graph")
	}
	hasCol, hasView := c.QueryParam("column") != "", c.QueryParam("view") != ""
	if hasCol == hasView {
		return badParam("column", "give exactly one of column or view")
	}
	depth, err := intParam(c, "depth", s.maxDepth(), 1, s.maxDepth())
	if err != nil {
		return err
	}
	var col graph.ColumnID
	if hasCol {
		if col, err = columnParam(c, "column"); err != nil {
			return err
		}
	}
	view := c.QueryParam("view")
	return s.cachedJSON(c, "http:impact", []any{col.String(), view, depth}, func(ctx context.Context) (any, error) {
		return s.buildImpact(ctx, hasCol, col, view, depth)
	})
}

func (s *Server) buildImpact(ctx context.Context, hasCol bool, col graph.ColumnID, view string, depth int) (ImpactJSON, error) {
	roots := []graph.ColumnID{col}
	if !hasCol {
		ref, err := s.resolveDataset(ctx, "view", view, "")
		if err != nil {
			return ImpactJSON{}, err
		}
		id := ref.ID
		_, cols, err := s.lineage.DatasetColumns(ctx, id)
		if err != nil {
			return ImpactJSON{}, lineageError(err, "table or view %s", id)
		}
		if len(cols) == 0 {
			return ImpactJSON{Roots: []string{}, Depth: depth, Views: []ImpactViewJSON{}}, nil
		}
		if len(cols) > graph.MaxImpactRoots {
			return ImpactJSON{}, badParam("view", "%s has %d columns; impact starts from at most %d", id, len(cols), graph.MaxImpactRoots)
		}
		roots = cols
	}
	imp, err := s.lineage.Impact(ctx, roots, depth)
	if err != nil {
		if hasCol {
			return ImpactJSON{}, lineageError(err, "column %s", col)
		}
		return ImpactJSON{}, lineageError(err, "impact of %s", view)
	}
	return impactJSON(imp), nil
}

// ResponseCache caches encoded response bodies under the graph's generation, so a graph write
// invalidates them after every write (*graph.Cache, bumped by *graph.Writer). A hit costs one Redis round
// trip and no decoding.
type ResponseCache interface {
	Bytes(ctx context.Context, op string, args []any, compute func(context.Context) ([]byte, error)) ([]byte, error)
}

// cachedJSON answers 200 with the JSON of build, through the response cache when there is
// one. args must hold everything the answer depends on; errors are never cached.
func (s *Server) cachedJSON(c echo.Context, op string, args []any, build func(context.Context) (any, error)) error {
	ctx := c.Request().Context()
	if s.responses == nil {
		v, err := build(ctx)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, v)
	}
	body, err := s.responses.Bytes(ctx, op, args, func(ctx context.Context) ([]byte, error) {
		v, err := build(ctx)
		if err != nil {
			return nil, err
		}
		return json.Marshal(v)
	})
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, body)
}
