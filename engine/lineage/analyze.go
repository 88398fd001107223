package lineage

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/tributary-lineage/tributary/engine/sql"
)

// Options configure an analysis.
type Options struct {
	// Catalog gives the columns of physical tables and views; nil when none
	// is known. Without it, columns of a single-table FROM bind to that table,
	// ambiguous ones give warnings and stars over tables cannot be expanded.
	Catalog Catalog
	// DefaultDatabase and DefaultSchema complete partial table names. They
	// are resolved like SQL identifiers (unquoted upper-cased, "quoted" exact).
	DefaultDatabase string
	DefaultSchema   string
	// ExpandViews follows, in every statement, references to views and
	// tables created by earlier statements of the same input (CREATE VIEW,
	// CREATE TABLE AS) through their definitions down to the columns they
	// read. Without it such a reference stops at the view's own columns.
	ExpandViews bool
}

// AnalyzeSQL parses src as a script and analyses it.
func AnalyzeSQL(src string, opts Options) *Result {
	return Analyze(sql.ParseScript(src), opts)
}

// Analyze computes the lineage of every parsed statement of a script, in
// order. Statements that failed to parse become Errors; the others are still
// analysed. A view or table created by an earlier statement is a catalog
// entry for later ones.
func Analyze(stmts []sql.StatementResult, opts Options) *Result {
	return analyze(stmts, opts, nil)
}

// AnalyzeContext is Analyze that stops once ctx ends, between statements and inside the query
// walk of one statement, and then returns ctx's error instead of a partial result.
func AnalyzeContext(ctx context.Context, stmts []sql.StatementResult, opts Options) (*Result, error) {
	res := analyze(stmts, opts, ctx.Done())
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("lineage of %d statements: %w", len(stmts), err)
	}
	return res, nil
}

func analyze(stmts []sql.StatementResult, opts Options, done <-chan struct{}) *Result {
	e := &engine{
		done:        done,
		opts:        opts,
		db:          normalizeIdent(opts.DefaultDatabase),
		schema:      normalizeIdent(opts.DefaultSchema),
		defRel:      make(map[tableID]*relation),
		defIndirect: make(map[tableID][]edge),
	}
	res := &Result{Statements: []Statement{}, Errors: []StatementError{}}
	for _, r := range stmts {
		if e.stopped() {
			break
		}
		if r.Err != nil {
			msg := r.Err.Msg
			if msg == "" {
				msg = fmt.Sprintf("unexpected %s, expected %s", r.Err.Found, r.Err.Expected)
			}
			res.Errors = append(res.Errors, StatementError{
				Statement: r.Index, Line: r.Err.Line, Col: r.Err.Col, Message: msg,
			})
			continue
		}
		if u, ok := r.Stmt.(*sql.Unsupported); ok {
			msg := u.Keyword + ": not a lineage statement, skipped"
			if u.Note != "" {
				msg += " (" + u.Note + ")"
			}
			res.Skipped = append(res.Skipped, SkippedStatement{Statement: r.Index, Line: r.Pos.Line, Col: r.Pos.Col, Message: msg})
			continue
		}
		st, ok := e.statement(r.Index, r.Stmt)
		if !ok {
			res.Skipped = append(res.Skipped, SkippedStatement{Statement: r.Index, Line: r.Pos.Line, Col: r.Pos.Col,
				Message: fmt.Sprintf("%T: not a lineage statement, skipped", r.Stmt)})
			continue
		}
		res.Statements = append(res.Statements, st)
	}
	return res
}

// engine holds what lives across the statements of one script.
type engine struct {
	done       <-chan struct{} // closed when the caller gives up (nil: never)
	opts       Options
	db, schema string
	// defs are the views and tables created by earlier statements; defRel
	// holds their columns' lineage, keyed by the registered name.
	defs        MapCatalog
	defRel      map[tableID]*relation
	defIndirect map[tableID][]edge
}

// stopped reports whether the caller gave up; the walks then return early with empty results,
// which AnalyzeContext discards.
func (e *engine) stopped() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

// analyzer holds the state of one statement.
type analyzer struct {
	e        *engine
	env      *cteEnv
	lambdas  []string
	warnings []Warning
	warnSeen map[Warning]bool
	indirect []edge // statement-level inputs, each once (indSeen)
	indSeen  map[edge]bool
	// indVisited are the lineage nodes already flattened into indirect
	// with a kind, so a node reached by many conditions is walked once.
	indVisited map[visitKey]bool
	capture    *capture
	rounds     int // recursive-CTE rounds spent (see maxRecursiveRounds)
	// rel names the CTE or derived table whose select list is being built
	// ("" for the statement's own), target the statement's target ("" for
	// a bare query), for the steps of chains.
	rel, target string
	texts       map[sql.Expr]string // printed step expressions
}

func (a *analyzer) warn(p sql.Pos, format string, args ...any) {
	w := Warning{Line: p.Line, Col: p.Col, Message: fmt.Sprintf(format, args...)}
	if a.warnSeen == nil {
		a.warnSeen = make(map[Warning]bool)
	}
	if a.warnSeen[w] {
		return
	}
	a.warnSeen[w] = true
	a.warnings = append(a.warnings, w)
}

// capture collects the statement-level inputs recorded while an EXISTS
// subquery is built.
type capture struct {
	nodes []lin
	edges []edge
}

// addIndirect records l as a statement-level input of kind k (an INDIRECT
// kind); an open capture sees it too.
func (a *analyzer) addIndirect(l lin, k kind) {
	if l == nil {
		return
	}
	if a.capture != nil {
		a.capture.nodes = append(a.capture.nodes, l)
	}
	a.flattenIndirect(l, k)
}

func (a *analyzer) flattenIndirect(n *lnode, k kind) {
	key := visitKey{n: n, k: k}
	if a.indVisited == nil {
		a.indVisited = make(map[visitKey]bool)
	}
	if a.indVisited[key] {
		return
	}
	a.indVisited[key] = true
	for _, e := range n.leaves {
		a.recordIndirect(edge{col: e.col, k: compose(k, e.k)})
	}
	for _, r := range n.refs {
		a.flattenIndirect(r.n, compose(k, r.k))
	}
}

// addIndirectEdge records one statement-level input (from an expanded
// view); an open capture sees it too.
func (a *analyzer) addIndirectEdge(e edge) {
	if a.capture != nil {
		a.capture.edges = append(a.capture.edges, e)
	}
	a.recordIndirect(e)
}

// recordIndirect records one statement-level input once.
func (a *analyzer) recordIndirect(e edge) {
	e.mask, e.unverified, e.chain = false, false, nil
	if a.indSeen == nil {
		a.indSeen = make(map[edge]bool)
	}
	if !a.indSeen[e] {
		a.indSeen[e] = true
		a.indirect = append(a.indirect, e)
	}
}

func (e *engine) statement(index int, st sql.Stmt) (Statement, bool) {
	a := &analyzer{e: e}
	out := Statement{Index: index}
	var rel *relation
	var names []string
	var target *tableID
	masked := map[int]bool{}
	switch s := st.(type) {
	case *sql.CreateView:
		out.Kind = KindCreateView
		id := e.resolveName(s.Name)
		target, a.target = &id, id.String()
		rel = a.buildQuery(s.Query, nil)
		if s.Columns != nil {
			for i, c := range s.Columns {
				names = append(names, c.Name.Normalized())
				if c.MaskingPolicy != nil {
					masked[i] = true
				}
			}
			if len(s.Columns) != len(rel.cols) {
				a.warn(s.Pos, "view column list has %d names but the query returns %d columns", len(s.Columns), len(rel.cols))
			}
		}
	case *sql.CreateTableAs:
		out.Kind = KindCTAS
		id := e.resolveName(s.Name)
		target, a.target = &id, id.String()
		rel = a.buildQuery(s.Query, nil)
		if s.Columns != nil {
			for _, c := range s.Columns {
				names = append(names, c.Name.Normalized())
			}
			if len(s.Columns) != len(rel.cols) {
				a.warn(s.Pos, "table column list has %d names but the query returns %d columns", len(s.Columns), len(rel.cols))
			}
		}
	case *sql.Insert:
		out.Kind = KindInsert
		id := e.resolveName(s.Table)
		target, a.target = &id, id.String()
		rel = a.buildQuery(s.Query, nil)
		switch {
		case s.Columns != nil:
			for _, c := range s.Columns {
				names = append(names, c.Normalized())
			}
			if len(s.Columns) != len(rel.cols) {
				a.warn(s.Pos, "INSERT column list has %d names but the query returns %d columns", len(s.Columns), len(rel.cols))
			}
		default:
			if t, ok := e.lookupTable(id); ok {
				if len(t.Columns) == len(rel.cols) {
					names = t.Columns
				} else {
					a.warn(s.Pos, "target %s has %d columns but the query returns %d; output named by the query", id, len(t.Columns), len(rel.cols))
				}
			} else if e.opts.Catalog != nil {
				a.warn(s.Pos, "target %s is not in the catalog and INSERT lists no columns; output named by the query", id)
			}
		}
	case *sql.Merge:
		out.Kind = KindMerge
		id := e.resolveName(s.Target)
		target = &id
		rel = a.merge(s, id)
	case *sql.QueryStmt:
		out.Kind = KindSelect
		rel = a.buildQuery(s.Query, nil)
	default:
		return Statement{}, false
	}

	cols := make([]relCol, len(rel.cols))
	copy(cols, rel.cols)
	for i := range cols {
		if i < len(names) {
			cols[i].name = names[i]
		}
		if masked[i] {
			cols[i].lin = maskAll(cols[i].lin)
		}
	}
	out.Columns = make([]Column, len(cols))
	for i, c := range cols {
		out.Columns[i] = Column{Name: QuoteIdent(c.name), Sources: a.sources(flatten(c.lin))}
	}
	if target != nil {
		t := target.String()
		out.Target = &t
		if out.Kind == KindCreateView || out.Kind == KindCTAS {
			var open func(string) (lin, bool)
			if len(names) == 0 {
				open = rel.open
			}
			e.define(*target, cols, open, normalize(slices.Clone(a.indirect)))
		}
	}
	out.Indirect = indirectList(a.indirect)
	out.Warnings = a.warnings
	if out.Warnings == nil {
		out.Warnings = []Warning{}
	}
	slices.SortStableFunc(out.Warnings, func(x, y Warning) int {
		if c := cmp.Compare(x.Line, y.Line); c != 0 {
			return c
		}
		return cmp.Compare(x.Col, y.Col)
	})
	return out, true
}

func indirectList(es []edge) []Indirect {
	out := make([]Indirect, 0, len(es))
	for _, e := range es {
		out = append(out, Indirect{Column: e.col, Subtype: e.k.subtype()})
	}
	slices.SortFunc(out, func(x, y Indirect) int {
		if c := cmp.Compare(x.Column, y.Column); c != 0 {
			return c
		}
		return cmp.Compare(x.Subtype, y.Subtype)
	})
	return slices.Compact(out)
}

// define registers a view or table created by a statement for later ones.
// indirect are the definition's statement-level inputs, which a statement
// that expands the view inherits.
func (e *engine) define(id tableID, cols []relCol, open func(string) (lin, bool), indirect []edge) {
	names := make([]string, len(cols))
	r := newRelation("view "+id.String(), len(cols))
	for i, c := range cols {
		names[i] = c.name
		r.add(c.name, c.lin)
	}
	// A view over a table without a catalog entry (SELECT * FROM t) has
	// columns nobody listed: they pass through to that table.
	r.open = open
	e.defs.Add(Table{Database: id.db, Schema: id.schema, Name: id.name, Columns: names})
	e.defRel[id] = r
	e.defIndirect[id] = indirect
}

// resolveName applies the defaults to a table name: a 1-part name takes the
// default database and schema, a 2-part name the default database, and an
// omitted schema (db..t) is PUBLIC.
func (e *engine) resolveName(n sql.ObjectName) tableID {
	p := n.Parts
	if len(p) > 3 {
		p = p[len(p)-3:]
	}
	id := tableID{db: e.db, schema: e.schema}
	switch len(p) {
	case 0:
		return id
	case 1:
		id.name = p[0].Normalized()
	case 2:
		id.schema, id.name = p[0].Normalized(), p[1].Normalized()
	default:
		id.db, id.schema, id.name = p[0].Normalized(), p[1].Normalized(), p[2].Normalized()
	}
	if id.schema == "" && len(p) == 3 {
		id.schema = "PUBLIC"
	}
	return id
}

// lookupTable finds a table's columns among earlier definitions, then in the
// catalog.
func (e *engine) lookupTable(id tableID) (Table, bool) {
	// Views created by the script are named exactly, as in Snowflake.
	if t, ok := e.defs.table(id.db, id.schema, id.name, false); ok {
		return t, true
	}
	if e.opts.Catalog != nil {
		return e.opts.Catalog.Table(id.db, id.schema, id.name)
	}
	return Table{}, false
}

// sameParts reports whether the catalog's table has the parts the lookup
// gave exactly (the catalog fills in parts the lookup left open).
func sameParts(lookup, found tableID) bool {
	return lookup.name == found.name &&
		(lookup.schema == "" || lookup.schema == found.schema) &&
		(lookup.db == "" || lookup.db == found.db)
}

// tableRelation is the relation of a physical table or view reference.
func (a *analyzer) tableRelation(n sql.ObjectName, p sql.Pos) (*relation, tableID) {
	e := a.e
	id := e.resolveName(n)
	if reg, ok := e.defs.entry(id.db, id.schema, id.name); ok {
		rid := tableID{db: reg.Database, schema: reg.Schema, name: reg.Name}
		if e.opts.ExpandViews {
			// The view's own inputs (its WHERE, JOIN, ...) decide which
			// rows reach this statement too.
			for _, ie := range e.defIndirect[rid] {
				a.addIndirectEdge(ie)
			}
			return e.defRel[rid], rid
		}
		r := baseRelation(rid, reg.Columns)
		if e.defRel[rid].open != nil {
			r.open = openTable(rid).open
		}
		return r, rid
	}
	if e.opts.Catalog != nil {
		if t, ok := e.opts.Catalog.Table(id.db, id.schema, id.name); ok {
			tid := tableID{db: t.Database, schema: t.Schema, name: t.Name}
			if !sameParts(id, tid) {
				a.warn(p, "table %s matched catalog table %s by case", id, tid)
			}
			r := baseRelation(tid, t.Columns)
			r.catalog = &tid
			return r, tid
		}
		a.warn(p, "table %s is not in the catalog; its columns are taken from the query as written", id)
	}
	return openTable(id), id
}
