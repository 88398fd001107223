package api

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tributary-lineage/tributary/engine/lineage"
	"github.com/tributary-lineage/tributary/engine/sql"
	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
)

// ColumnLister is the graph read the EngineAnalyzer uses for tables the request's catalog omits.
type ColumnLister interface {
	DatasetColumns(ctx context.Context, id graph.ObjectID) (string, []graph.ColumnID, error)
}

// EngineAnalyzer is the Analyzer of the binary: the lineage engine (engine/sql +
// engine/lineage) and ingestion's AnalyzeView. Column
// lists for star expansion come from the request's catalog, then from the graph.
type EngineAnalyzer struct {
	graph ColumnLister
	// maxStatements is the most statements one request may hold; more are refused before any
	// parsing of statements (StatementLimitError).
	maxStatements int
	// defaultDatabase and defaultSchema complete names when a request gives no default
	// (TRIBUTARY_DEFAULT_DATABASE, TRIBUTARY_DEFAULT_SCHEMA).
	defaultDatabase, defaultSchema string
}

// NewEngineAnalyzer returns an EngineAnalyzer reading column lists from g (nil: the request's
// catalog only), refusing requests of more than maxStatements statements, and completing names
// with defaultDatabase and defaultSchema when a request gives no defaults.
func NewEngineAnalyzer(g ColumnLister, maxStatements int, defaultDatabase, defaultSchema string) *EngineAnalyzer {
	return &EngineAnalyzer{graph: g, maxStatements: maxStatements, defaultDatabase: defaultDatabase, defaultSchema: defaultSchema}
}

// graphCatalog is a lineage.Catalog over the request's catalog and the graph. The engine's
// Catalog interface has no context or error: lookups use the request's context, and a graph
// failure is remembered and reported after the analysis.
type graphCatalog struct {
	ctx   context.Context
	extra lineage.MapCatalog
	graph ColumnLister
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

// Analyze implements Analyzer. The response's statements come from one analysis of the
// whole script; each CREATE VIEW's graph.View and graph.ViewState come from AnalyzeView, the
// function ingestion writes with, so a view persisted through the API is stored exactly as
// ingestion stores it (with source ingest.SourceAPI), in the request or as a job.
func (a *EngineAnalyzer) Analyze(ctx context.Context, req AnalyzeRequest) (AnalyzeResult, error) {
	if req.DefaultDatabase == "" {
		req.DefaultDatabase = a.defaultDatabase
	}
	if req.DefaultSchema == "" {
		req.DefaultSchema = a.defaultSchema
	}
	cat := &graphCatalog{ctx: ctx, graph: a.graph}
	// known is every column list a view of this request may need when AnalyzeView analyses it
	// on its own: the request's catalog, what the graph answered, the views it creates.
	known := &ingest.Catalog{}
	for name, cols := range req.Catalog {
		id, err := graph.ParseObjectID(name)
		if err != nil {
			return AnalyzeResult{}, fmt.Errorf("%w: catalog: %w", graph.ErrInvalid, err)
		}
		resolved := make([]string, 0, len(cols))
		for _, c := range cols {
			parts, err := graph.ParseIdentifiers(c)
			if err != nil || len(parts) != 1 {
				return AnalyzeResult{}, fmt.Errorf("%w: catalog %s: column %q is not one identifier", graph.ErrInvalid, name, c)
			}
			resolved = append(resolved, parts[0])
		}
		cat.extra.Add(lineage.Table{Database: id.Database, Schema: id.Schema, Name: id.Name, Columns: resolved})
		known.Put(id, resolved)
	}
	defDB, err := oneIdentifier("default_database", req.DefaultDatabase)
	if err != nil {
		return AnalyzeResult{}, err
	}
	defSchema, err := oneIdentifier("default_schema", req.DefaultSchema)
	if err != nil {
		return AnalyzeResult{}, err
	}
	stmts, err := sql.ParseScriptContext(ctx, req.SQL, a.maxStatements)
	var tooMany *sql.TooManyStatementsError
	if errors.As(err, &tooMany) {
		return AnalyzeResult{}, &StatementLimitError{Count: tooMany.Count, Limit: tooMany.Limit}
	}
	if err != nil {
		return AnalyzeResult{}, err
	}
	out := AnalyzeResult{Count: len(stmts)}
	for _, st := range stmts {
		if st.Err != nil {
			// The message without its "line:col: " prefix: the position has its own fields.
			msg := strings.TrimPrefix(st.Err.Error(), fmt.Sprintf("%d:%d: ", st.Err.Line, st.Err.Col))
			out.Errors = append(out.Errors, StatementError{Statement: st.Index, Line: st.Err.Line, Col: st.Err.Col, Message: msg})
		}
	}
	if len(out.Errors) > 0 {
		return out, nil
	}
	res, err := lineage.AnalyzeContext(ctx, stmts, lineage.Options{Catalog: cat, DefaultDatabase: req.DefaultDatabase, DefaultSchema: req.DefaultSchema})
	if cat.err != nil {
		return AnalyzeResult{}, fmt.Errorf("read column lists from the graph: %w", cat.err)
	}
	if err != nil {
		return AnalyzeResult{}, err
	}
	for _, sk := range res.Skipped {
		out.Skipped = append(out.Skipped, SkippedStatement{Statement: sk.Statement, Line: sk.Line, Col: sk.Col, Reason: sk.Message})
	}
	for id, cols := range cat.found {
		if cat.views[id] {
			known.PutView(id, cols)
		} else {
			known.Put(id, cols)
		}
	}
	for _, st := range res.Statements {
		as := AnalyzedStatement{Index: st.Index, Kind: st.Kind}
		if st.Target != nil {
			as.Target = *st.Target
		}
		for _, c := range st.Columns {
			ac := AnalyzedColumn{Name: c.Name, Sources: []AnalyzedSource{}}
			for _, s := range c.Sources {
				ac.Sources = append(ac.Sources, AnalyzedSource{Column: s.Column, Type: s.Type, Subtype: s.Subtype,
					Masking: s.Masking, Verified: s.Verified, Expressions: ingest.Steps(s)})
			}
			as.Columns = append(as.Columns, ac)
		}
		for _, in := range st.Indirect {
			as.Indirect = append(as.Indirect, AnalyzedIndirect{Column: in.Column, Subtype: in.Subtype})
		}
		for _, w := range st.Warnings {
			as.Warnings = append(as.Warnings, Warning{Line: w.Line, Col: w.Col, Message: w.Message})
		}
		if id, ok := viewTarget(st); ok {
			v := ingest.ListedView{ID: id, Text: sourceText(stmts, st.Index), DefaultDatabase: defDB, DefaultSchema: defSchema}
			an := ingest.AnalyzeView(v, ingest.SourceAPI, known)
			as.View, as.State = &an.View, &an.State
			if len(an.Columns) > 0 {
				known.PutView(id, an.Columns)
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

// viewTarget is the view a CREATE VIEW statement creates, when it names it fully.
func viewTarget(st lineage.Statement) (graph.ObjectID, bool) {
	if st.Kind != lineage.KindCreateView || st.Target == nil {
		return graph.ObjectID{}, false
	}
	parts, err := graph.ParseIdentifiers(*st.Target)
	if err != nil || len(parts) != 3 {
		return graph.ObjectID{}, false
	}
	return graph.ObjectID{Database: parts[0], Schema: parts[1], Name: parts[2]}, true
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
