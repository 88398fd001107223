package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tributary-lineage/tributary/api"
	"github.com/tributary-lineage/tributary/graph"
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
	// defaultDatabase and defaultSchema complete names when a request gives no default
	// (TRIBUTARY_DEFAULT_DATABASE, TRIBUTARY_DEFAULT_SCHEMA).
	defaultDatabase, defaultSchema string
}

func newAnalyzer(g columnLister, defaultDatabase, defaultSchema string) *analyzer {
	return &analyzer{graph: g, defaultDatabase: defaultDatabase, defaultSchema: defaultSchema}
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
}

func (c *graphCatalog) Table(database, schema, name string) (lineage.Table, bool) {
	if t, ok := c.extra.Table(database, schema, name); ok {
		return t, true
	}
	if database == "" || schema == "" || name == "" || c.graph == nil || c.err != nil {
		return lineage.Table{}, false
	}
	id := graph.ObjectID{Database: database, Schema: schema, Name: name}
	_, cols, err := c.graph.DatasetColumns(c.ctx, id)
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
	stmts := sql.ParseScript(req.SQL)
	var out api.AnalyzeResult
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
	res := lineage.Analyze(stmts, lineage.Options{Catalog: cat, DefaultDatabase: req.DefaultDatabase, DefaultSchema: req.DefaultSchema})
	if cat.err != nil {
		return api.AnalyzeResult{}, fmt.Errorf("read column lists from the graph: %w", cat.err)
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
				ac.Sources = append(ac.Sources, api.AnalyzedSource{Column: s.Column, Type: s.Type, Subtype: s.Subtype, Masking: s.Masking})
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
			if v, ok := viewOf(st, text); ok {
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
// cannot be stored and are left out (the statement's warnings say why they are partial).
func viewOf(st lineage.Statement, text string) (graph.View, bool) {
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
			to, err := graph.ParseColumnID(s.Column)
			if err != nil {
				continue
			}
			v.Edges = append(v.Edges, graph.Edge{From: id.Column(name), To: to,
				Type: graph.EdgeType(s.Type), Subtype: graph.Subtype(s.Subtype), Masking: s.Masking})
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
