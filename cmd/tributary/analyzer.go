package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tributary-lineage/tributary/api"
	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/ingest/lineage"
	"github.com/tributary-lineage/tributary/ingest/sql"
)

// columnLister is the graph read the analyzer uses for tables the request's catalog omits.
type columnLister interface {
	DatasetColumns(ctx context.Context, id graph.ObjectID) (string, []graph.ColumnID, error)
}

// analyzer adapts the lineage engine (ingest/sql + ingest/lineage) to api.Analyzer. Column
// lists for star expansion come from the request's catalog, then from the graph.
type analyzer struct {
	graph columnLister
	// maxStatements is the most statements one request may hold; more are refused before any
	// parsing of statements (api.StatementLimitError).
	maxStatements int
	// defaultDatabase and defaultSchema complete names when a request gives no default
	// (TRIBUTARY_DEFAULT_DATABASE, TRIBUTARY_DEFAULT_SCHEMA).
	defaultDatabase, defaultSchema string
}

func newAnalyzer(g columnLister, maxStatements int, defaultDatabase, defaultSchema string) *analyzer {
	return &analyzer{graph: g, maxStatements: maxStatements, defaultDatabase: defaultDatabase, defaultSchema: defaultSchema}
}

// graphCatalog is a lineage.Catalog over the request's catalog and the graph. The engine's
// Catalog interface has no context or error: lookups use the request's context, and a graph
// failure is remembered and reported after the analysis.
type graphCatalog struct {
	ctx   context.Context
	extra lineage.MapCatalog
	graph columnLister
	err   error
	found map[graph.ObjectID][]string // column lists read from the graph
	views map[graph.ObjectID]bool     // those of views
}

func (c *graphCatalog) Table(database, schema, name string) (lineage.Table, bool) {
	if t, ok := c.extra.Table(database, schema, name); ok {
		return t, true
	}
	if database == "" || schema == "" || name == "" || c.graph == nil || c.err != nil {
		return lineage.Table{}, false
	}
	id := graph.ObjectID{Database: database, Schema: schema, Name: name}
	kind, cols, err := c.graph.DatasetColumns(c.ctx, id)
	if err != nil {
		if !isNotFound(err) {
			c.err = err
		}
		return lineage.Table{}, false
	}
	if len(cols) == 0 {
		return lineage.Table{}, false
	}
	t := lineage.Table{Database: database, Schema: schema, Name: name}
	for _, col := range cols {
		t.Columns = append(t.Columns, col.Column)
	}
	if c.found == nil {
		c.found = map[graph.ObjectID][]string{}
	}
	c.found[id] = t.Columns
	if kind == graph.KindView {
		if c.views == nil {
			c.views = map[graph.ObjectID]bool{}
		}
		c.views[id] = true
	}
	return t, true
}

// Analyze implements api.Analyzer.
func (a *analyzer) Analyze(ctx context.Context, req api.AnalyzeRequest) (api.AnalyzeResult, error) {
	if req.DefaultDatabase == "" {
		req.DefaultDatabase = a.defaultDatabase
	}
	if req.DefaultSchema == "" {
		req.DefaultSchema = a.defaultSchema
	}
	cat := &graphCatalog{ctx: ctx, graph: a.graph}
	// known is every column list a view of this request may need when ingestion analyses it
	// on its own: the request's catalog, what the graph answered, the views it creates.
	known := map[graph.ObjectID][]string{}
	for name, cols := range req.Catalog {
		id, err := graph.ParseObjectID(name)
		if err != nil {
			return api.AnalyzeResult{}, fmt.Errorf("%w: catalog: %w", graph.ErrInvalid, err)
		}
		resolved := make([]string, 0, len(cols))
		for _, c := range cols {
			parts, err := graph.ParseIdentifiers(c)
			if err != nil || len(parts) != 1 {
				return api.AnalyzeResult{}, fmt.Errorf("%w: catalog %s: column %q is not one identifier", graph.ErrInvalid, name, c)
			}
			resolved = append(resolved, parts[0])
		}
		cat.extra.Add(lineage.Table{Database: id.Database, Schema: id.Schema, Name: id.Name, Columns: resolved})
		known[id] = resolved
	}
	defDB, err := oneIdentifier("default_database", req.DefaultDatabase)
	if err != nil {
		return api.AnalyzeResult{}, err
	}
	defSchema, err := oneIdentifier("default_schema", req.DefaultSchema)
	if err != nil {
		return api.AnalyzeResult{}, err
	}
	stmts, err := sql.ParseScriptContext(ctx, req.SQL, a.maxStatements)
	var tooMany *sql.TooManyStatementsError
	if errors.As(err, &tooMany) {
		return api.AnalyzeResult{}, &api.StatementLimitError{Count: tooMany.Count, Limit: tooMany.Limit}
	}
	if err != nil {
		return api.AnalyzeResult{}, err
	}
	out := api.AnalyzeResult{Count: len(stmts)}
	for _, st := range stmts {
		if st.Err != nil {
			// The message without its "line:col: " prefix: the position has its own fields.
			msg := strings.TrimPrefix(st.Err.Error(), fmt.Sprintf("%d:%d: ", st.Err.Line, st.Err.Col))
			out.Errors = append(out.Errors, api.StatementError{Statement: st.Index, Line: st.Err.Line, Col: st.Err.Col, Message: msg})
		}
	}
	if len(out.Errors) > 0 {
		return out, nil
	}
	res, err := lineage.AnalyzeContext(ctx, stmts, lineage.Options{Catalog: cat, DefaultDatabase: req.DefaultDatabase, DefaultSchema: req.DefaultSchema})
	if cat.err != nil {
		return api.AnalyzeResult{}, fmt.Errorf("read column lists from the graph: %w", cat.err)
	}
	if err != nil {
		return api.AnalyzeResult{}, err
	}
	for _, sk := range res.Skipped {
		out.Skipped = append(out.Skipped, api.SkippedStatement{Statement: sk.Statement, Line: sk.Line, Col: sk.Col, Reason: sk.Message})
	}
	for id, cols := range cat.found {
		known[id] = cols
	}
	for _, st := range res.Statements {
		as := api.AnalyzedStatement{Index: st.Index, Kind: st.Kind}
		if st.Target != nil {
			as.Target = *st.Target
		}
		for _, c := range st.Columns {
			ac := api.AnalyzedColumn{Name: c.Name, Sources: []api.AnalyzedSource{}}
			for _, s := range c.Sources {
				ac.Sources = append(ac.Sources, api.AnalyzedSource{Column: s.Column, Type: s.Type, Subtype: s.Subtype,
					Masking: s.Masking, Verified: s.Verified, Expressions: ingest.Steps(s)})
			}
			as.Columns = append(as.Columns, ac)
		}
		for _, in := range st.Indirect {
			as.Indirect = append(as.Indirect, api.AnalyzedIndirect{Column: in.Column, Subtype: in.Subtype})
		}
		for _, w := range st.Warnings {
			as.Warnings = append(as.Warnings, api.Warning{Line: w.Line, Col: w.Col, Message: w.Message})
		}
		if st.Kind == lineage.KindCreateView && st.Target != nil {
			text := sourceText(stmts, st.Index)
			if v, ok := viewOf(st, text, cat.views); ok {
				as.View = &v
				as.Source = &api.ViewSource{ID: v.ID, SQL: text, DefaultDatabase: defDB, DefaultSchema: defSchema, Catalog: known}
				cols := make([]string, 0, len(v.Columns))
				for _, c := range v.Columns {
					cols = append(cols, c.Name)
				}
				known[v.ID] = cols
			}
		}
		out.Statements = append(out.Statements, as)
	}
	return out, nil
}

func sourceText(stmts []sql.StatementResult, index int) string {
	for _, st := range stmts {
		if st.Index == index {
			return st.Text
		}
	}
	return ""
}

// viewOf turns a CREATE VIEW's lineage into the graph.View ingestion would write: output
// columns in order, one edge per typed source. Sources that are not fully qualified columns
// cannot be stored and are left out (the statement's warnings say why they are partial), and
// so are unverified sources in views (a view's columns are its analysed output: the edge would
// give it a column it does not have), as ingestion does.
func viewOf(st lineage.Statement, text string, views map[graph.ObjectID]bool) (graph.View, bool) {
	parts, err := graph.ParseIdentifiers(*st.Target)
	if err != nil || len(parts) != 3 {
		return graph.View{}, false
	}
	id := graph.ObjectID{Database: parts[0], Schema: parts[1], Name: parts[2]}
	v := graph.View{ID: id, Definition: text, Status: graph.StatusOK}
	seen := map[string]bool{}
	for i, c := range st.Columns {
		names, err := graph.ParseIdentifiers(c.Name)
		if err != nil || len(names) != 1 || seen[names[0]] {
			continue
		}
		name := names[0]
		seen[name] = true
		v.Columns = append(v.Columns, graph.Column{Name: name, Ordinal: i + 1})
		for _, s := range c.Sources {
			e, err := ingest.SourceEdge(id.Column(name), s)
			if err != nil || e.Unverified && views[e.To.Object()] {
				continue
			}
			v.Edges = append(v.Edges, e)
		}
	}
	return v, true
}

func isNotFound(err error) bool { return errors.Is(err, graph.ErrNotFound) }

// oneIdentifier resolves an optional single identifier ("" stays "").
func oneIdentifier(field, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	parts, err := graph.ParseIdentifiers(s)
	if err != nil || len(parts) != 1 {
		return "", fmt.Errorf("%w: %s %q is not one identifier", graph.ErrInvalid, field, s)
	}
	return parts[0], nil
}
