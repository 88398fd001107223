package ingest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tributary-lineage/tributary/engine/lineage"
	"github.com/tributary-lineage/tributary/engine/sql"
	"github.com/tributary-lineage/tributary/graph"
)

// Analysis is the outcome of analysing one view: what to write and what the analysis read.
type Analysis struct {
	View  graph.View
	State graph.ViewState
	// Columns are the view's output column names in order: the catalog entry later views see.
	Columns []string
	// Catalog holds the catalog entries the analysis found (tables and views whose column
	// lists it read); analysing again with exactly these gives the same result.
	Catalog []CatalogEntry
	// Failed is set when the definition did not parse (View.Status is failed).
	Failed bool
}

// CatalogEntry is the column list of a table or view. View is set for a view: its columns are
// what its own analysis found, so a column it lacks is no unverified source (see AnalyzeView).
type CatalogEntry struct {
	ID      graph.ObjectID `json:"id"`
	Columns []string       `json:"columns"`
	View    bool           `json:"view,omitempty"`
}

// Catalog is the column lists analysis uses for star expansion and name binding.
type Catalog struct {
	m     lineage.MapCatalog
	views map[graph.ObjectID]bool
}

// NewCatalog returns a catalog holding entries.
func NewCatalog(entries []CatalogEntry) *Catalog {
	c := &Catalog{}
	for _, e := range entries {
		if e.View {
			c.PutView(e.ID, e.Columns)
		} else {
			c.Put(e.ID, e.Columns)
		}
	}
	return c
}

// Put sets the column list of table id (replacing an earlier one).
func (c *Catalog) Put(id graph.ObjectID, cols []string) {
	c.m.Add(lineage.Table{Database: id.Database, Schema: id.Schema, Name: id.Name, Columns: cols})
}

// PutView sets the column list of view id (replacing an earlier one).
func (c *Catalog) PutView(id graph.ObjectID, cols []string) {
	c.Put(id, cols)
	if c.views == nil {
		c.views = make(map[graph.ObjectID]bool)
	}
	c.views[id] = true
}

// recorder is a lineage.Catalog that remembers what was asked.
type recorder struct {
	cat   *Catalog
	found map[graph.ObjectID][]string
	asked map[graph.ObjectID]bool
}

func (r *recorder) Table(database, schema, name string) (lineage.Table, bool) {
	t, ok := r.cat.m.Table(database, schema, name)
	if ok {
		id := graph.ObjectID{Database: t.Database, Schema: t.Schema, Name: t.Name}
		r.found[id] = t.Columns
		r.asked[id] = true
		return t, true
	}
	if database != "" && schema != "" && name != "" {
		r.asked[graph.ObjectID{Database: database, Schema: schema, Name: name}] = true
	}
	return t, false
}

// hiddenMessage is the message of views whose text the role cannot see.
const hiddenMessage = "definition hidden: a secure view the ingesting role does not own"

// AnalyzeView parses v, computes its column lineage with cat and returns what to write. It
// never fails: a definition that does not parse gives a failed view with the error's
// position; a hidden one a hidden view. Either keeps the columns the source reported.
func AnalyzeView(v ListedView, source string, cat *Catalog) Analysis {
	a := Analysis{
		View: graph.View{ID: v.ID, Kind: v.Kind, Origin: v.DefinedBy, Meta: v.Meta, Definition: v.Text,
			LastAltered: v.LastAltered},
		State: graph.ViewState{ID: v.ID, Source: source, Version: v.Version()},
	}
	fallback := func(status, msg string) Analysis {
		a.View.Status, a.View.Message = status, msg
		a.View.Columns = slices.Clone(v.Columns)
		for _, c := range v.Columns {
			a.Columns = append(a.Columns, c.Name)
		}
		a.Failed = status == graph.StatusFailed
		return a
	}
	if v.Hidden {
		return fallback(graph.StatusHidden, hiddenMessage)
	}
	if v.Conflict != "" {
		return fallback(graph.StatusFailed, v.Conflict)
	}
	stmts := sql.ParseScript(v.Text)
	for _, st := range stmts {
		if st.Err != nil {
			return fallback(graph.StatusFailed, positionMessage(v, st.Err.Line, st.Err.Col, st.Err.Error()))
		}
	}
	rec := &recorder{cat: cat, found: map[graph.ObjectID][]string{}, asked: map[graph.ObjectID]bool{}}
	res := lineage.Analyze(stmts, lineage.Options{
		Catalog:         rec,
		DefaultDatabase: lineage.QuoteIdent(v.DefaultDatabase),
		DefaultSchema:   lineage.QuoteIdent(v.DefaultSchema),
	})
	var stmt *lineage.Statement
	for i := range res.Statements {
		if k := res.Statements[i].Kind; k == lineage.KindCreateView || (v.Kind != "" && v.Kind != graph.KindView && k == lineage.KindCTAS) {
			stmt = &res.Statements[i]
			break
		}
	}
	if stmt == nil {
		if v.Kind != "" && v.Kind != graph.KindView {
			return fallback(graph.StatusFailed, "no CREATE ... AS SELECT statement in the definition")
		}
		return fallback(graph.StatusFailed, "no CREATE VIEW statement in the definition")
	}
	for id := range rec.asked {
		if id != v.ID {
			a.State.ColumnDeps = append(a.State.ColumnDeps, id)
		}
	}
	slices.SortFunc(a.State.ColumnDeps, compareIDs)
	for id, cols := range rec.found {
		a.Catalog = append(a.Catalog, CatalogEntry{ID: id, Columns: cols, View: cat.views[id]})
	}
	slices.SortFunc(a.Catalog, func(x, y CatalogEntry) int { return compareIDs(x.ID, y.ID) })

	var notes []string
	for _, w := range stmt.Warnings {
		notes = append(notes, positionMessage(v, w.Line, w.Col, w.Message))
	}
	for _, st := range stmts {
		if ct, ok := st.Stmt.(*sql.CreateTableAs); ok {
			a.View.Meta = dynamicTableMeta(a.View.Meta, ct)
			break
		}
	}
	types := map[string]string{}
	for _, c := range v.Columns {
		types[c.Name] = c.DataType
	}
	g := GraphLineage(v.ID, stmt, queryExpressions(v.Text, stmts), types, cat)
	a.Columns, a.View.Columns, a.View.Edges, a.State.Inputs = g.Names, g.Columns, g.Edges, g.Inputs
	notes = append(notes, g.Notes...)
	if stmt.Target != nil {
		if parts, err := graph.ParseIdentifiers(*stmt.Target); err == nil && len(parts) == 3 {
			if t := (graph.ObjectID{Database: parts[0], Schema: parts[1], Name: parts[2]}); t != v.ID {
				notes = append(notes, fmt.Sprintf("the statement creates %s; stored as %s", t, v.ID))
			}
		}
	}
	a.View.Status = graph.StatusOK
	a.View.Message = strings.Join(notes, "; ")
	return a
}

// LineageParts is an analysed statement's lineage in the graph's terms: the output columns
// (names in order), their edges, the statement's indirect inputs, and notes on what could not
// be stored.
type LineageParts struct {
	Names   []string
	Columns []graph.Column
	Edges   []graph.Edge
	Inputs  []graph.Input
	Notes   []string
}

// GraphLineage turns the analysed statement stmt, writing target, into graph columns, edges
// (with the select items' expressions when exprs has one per column) and indirect inputs;
// types gives the columns' data types when known. An unverified edge to a view's column is
// dropped with a note: a view's column list is its analysed output, not a stale catalog, so
// storing the edge would give the view a column it does not have (cat may be nil: no view is
// known). AnalyzeView, query-history statements and OpenLineage SQL job facets share it.
func GraphLineage(target graph.ObjectID, stmt *lineage.Statement, exprs []string, types map[string]string, cat *Catalog) LineageParts {
	var g LineageParts
	if len(exprs) != len(stmt.Columns) {
		exprs = nil
	}
	seen := map[string]bool{}
	for i, c := range stmt.Columns {
		parts, err := graph.ParseIdentifiers(c.Name)
		if err != nil || len(parts) != 1 {
			g.Notes = append(g.Notes, fmt.Sprintf("output column %s: not a column name, skipped", c.Name))
			continue
		}
		name := parts[0]
		if seen[name] {
			g.Notes = append(g.Notes, fmt.Sprintf("output column %s appears twice; the first is kept", c.Name))
			continue
		}
		seen[name] = true
		g.Names = append(g.Names, name)
		g.Columns = append(g.Columns, graph.Column{Name: name, Ordinal: i + 1, DataType: types[name]})
		from := target.Column(name)
		for _, s := range c.Sources {
			e, err := SourceEdge(from, s)
			if err != nil {
				g.Notes = append(g.Notes, fmt.Sprintf("source %s of %s: not a DB.SCHEMA.TABLE.COLUMN name, not stored", s.Column, c.Name))
				continue
			}
			if e.Unverified && cat != nil && cat.views[e.To.Object()] {
				g.Notes = append(g.Notes, fmt.Sprintf("source %s of %s: view %s has no such column, not stored", s.Column, c.Name, e.To.Object()))
				continue
			}
			if exprs != nil {
				e.Expression = exprs[i]
			}
			g.Edges = append(g.Edges, e)
		}
	}
	for _, in := range stmt.Indirect {
		col, err := graph.ParseColumnID(in.Column)
		if err != nil {
			g.Notes = append(g.Notes, fmt.Sprintf("input %s (%s): not a DB.SCHEMA.TABLE.COLUMN name, not stored", in.Column, in.Subtype))
			continue
		}
		g.Inputs = append(g.Inputs, graph.Input{Column: col, Subtype: graph.Subtype(in.Subtype)})
	}
	return g
}

// queryExpressions is itemExpressions of the query of the first CREATE VIEW, CREATE TABLE AS
// or INSERT among stmts (nil when there is none).
func queryExpressions(text string, stmts []sql.StatementResult) []string {
	for _, st := range stmts {
		switch s := st.Stmt.(type) {
		case *sql.CreateView:
			return itemExpressions(text, s.Query)
		case *sql.CreateTableAs:
			return itemExpressions(text, s.Query)
		case *sql.Insert:
			return itemExpressions(text, s.Query)
		}
	}
	return nil
}

// SourceEdge is the graph edge from column from to an analysed source: its type, masking,
// verification and chain of expressions. It fails when the source is not a fully qualified
// DB.SCHEMA.TABLE.COLUMN name.
func SourceEdge(from graph.ColumnID, s lineage.Source) (graph.Edge, error) {
	to, err := graph.ParseColumnID(s.Column)
	if err != nil {
		return graph.Edge{}, err
	}
	return graph.Edge{From: from, To: to, Type: graph.EdgeType(s.Type), Subtype: graph.Subtype(s.Subtype),
		Masking: s.Masking, Unverified: !s.IsVerified(), Steps: Steps(s)}, nil
}

// Steps is the chain of expressions of an analysed source in the graph's terms.
func Steps(s lineage.Source) []graph.Step {
	var out []graph.Step
	for _, st := range s.Expressions {
		out = append(out, graph.Step{Relation: st.Relation, Expression: st.Expression})
	}
	return out
}

// positionMessage prefixes msg with the position in the view's origin when the text is part
// of a file ("path:line:col: ..."). SyntaxError messages start with "line:col: " already;
// that prefix is replaced.
func positionMessage(v ListedView, line, col int, msg string) string {
	prefix := fmt.Sprintf("%d:%d: ", line, col)
	msg = strings.TrimPrefix(msg, prefix)
	if v.Line > 1 {
		line += v.Line - 1
	}
	if v.Origin != "" {
		return fmt.Sprintf("%s:%d:%d: %s", v.Origin, line, col, msg)
	}
	return fmt.Sprintf("%d:%d: %s", line, col, msg)
}

// SourceAPI is the source recorded on views written through the API (analyze with persist).
const SourceAPI = "api"

// dynamicTableMeta completes m with the options a CREATE DYNAMIC TABLE writes (TARGET_LAG,
// WAREHOUSE, REFRESH_MODE, INITIALIZE) where the source said nothing: Snowflake's SHOW
// DYNAMIC TABLES gives no INITIALIZE, a file gives none of them.
func dynamicTableMeta(m graph.Meta, ct *sql.CreateTableAs) graph.Meta {
	if ct.Kind != "DYNAMIC" {
		return m
	}
	for _, f := range []struct {
		field *string
		name  string
	}{{&m.TargetLag, "TARGET_LAG"}, {&m.Warehouse, "WAREHOUSE"}, {&m.RefreshMode, "REFRESH_MODE"}, {&m.Initialize, "INITIALIZE"}} {
		if v, ok := ct.Option(f.name); ok && *f.field == "" {
			*f.field = v
		}
	}
	return m
}
