package lineage

import (
	"strconv"
	"strings"

	"github.com/tributary-lineage/tributary/engine/sql"
)

// cteEnv is one WITH clause's CTEs, chained to the enclosing ones.
type cteEnv struct {
	parent *cteEnv
	defs   map[string]*cteDef
}

type cteDef struct {
	cte       *sql.CTE
	env       *cteEnv // what its body sees (its own WITH clause and outer ones)
	rel       *relation
	building  bool
	self      *relation // the anchor's columns while a recursive CTE is built
	selfUsed  bool
	recursive bool
}

func (env *cteEnv) lookup(name string) *cteDef {
	for e := env; e != nil; e = e.parent {
		if d, ok := e.defs[name]; ok {
			return d
		}
	}
	return nil
}

// buildQuery builds the relation of a query. parent is the scope that
// correlated references resolve to (nil at the top).
func (a *analyzer) buildQuery(q *sql.Query, parent *scope) *relation {
	if q == nil || a.e.stopped() {
		return newRelation("query", 0)
	}
	if q.With != nil {
		saved := a.env
		env := &cteEnv{parent: saved, defs: make(map[string]*cteDef, len(q.With.CTEs))}
		for _, c := range q.With.CTEs {
			env.defs[c.Name.Normalized()] = &cteDef{cte: c, env: env, recursive: q.With.Recursive}
		}
		a.env = env
		defer func() { a.env = saved }()
	}
	return a.buildBody(q.Body, parent, q.OrderBy)
}

// buildSubquery builds a subquery of an expression, its steps named "subquery".
func (a *analyzer) buildSubquery(q *sql.Query, parent *scope) *relation {
	saved := a.rel
	a.rel = "subquery"
	defer func() { a.rel = saved }()
	return a.buildQuery(q, parent)
}

func (a *analyzer) buildBody(b sql.QueryBody, parent *scope, orderBy []*sql.OrderItem) *relation {
	var r *relation
	switch b := b.(type) {
	case *sql.Select:
		return a.buildSelect(b, parent, orderBy)
	case *sql.SetOp:
		r = a.buildSetOp(b, parent)
	case *sql.ParenQuery:
		r = a.buildQuery(b.Query, parent)
	case *sql.Values:
		r = a.buildValues(b, parent)
	default:
		r = newRelation("query", 0)
	}
	a.sortByOutput(r, orderBy, nil)
	return r
}

// sortByOutput records ORDER BY over a relation's output columns (by name
// or position); other expressions resolve in sc when given.
func (a *analyzer) sortByOutput(r *relation, orderBy []*sql.OrderItem, sc *scope) {
	for _, o := range orderBy {
		if kw, ok := o.Expr.(*sql.KeywordExpr); ok && kw.Name == "ALL" {
			// ORDER BY ALL orders by every select item.
			for _, c := range r.cols {
				a.addIndirect(c.lin, kSort)
			}
			continue
		}
		if l, ok := outputRef(r, o.Expr); ok {
			a.addIndirect(l, kSort)
			continue
		}
		if sc != nil {
			a.indirectExpr(sc, o.Expr, kSort)
			continue
		}
		var buf lbuf
		a.walk(&scope{sources: []*source{{rel: r}}}, o.Expr, kIdentity, false, &buf)
		a.addIndirect(buf.node(), kSort)
	}
}

// outputRef resolves an ORDER BY item that names an output column (an
// unqualified name or a position).
func outputRef(r *relation, e sql.Expr) (lin, bool) {
	switch x := e.(type) {
	case *sql.ColumnRef:
		if len(x.Parts) == 1 {
			if l, ok := r.lookup(x.Parts[0].Normalized()); ok {
				return l, true
			}
		}
	case *sql.Literal:
		if x.Kind == sql.LitNumber {
			if n, err := strconv.Atoi(x.Value); err == nil && n >= 1 && n <= len(r.cols) {
				return r.cols[n-1].lin, true
			}
		}
	}
	return nil, false
}

func (a *analyzer) indirectExpr(sc *scope, e sql.Expr, k kind) {
	if e == nil {
		return
	}
	var buf lbuf
	a.walk(sc, e, kIdentity, false, &buf)
	a.addIndirect(buf.node(), k)
}

// maxRecursiveRounds bounds the extra rounds spent on recursive CTEs in one
// statement. One round is enough unless the recursive branch feeds a column
// from a different one (each round then adds the newly reached edges).
const maxRecursiveRounds = 64

// buildCTE returns a CTE's relation, building it on first use.
func (a *analyzer) buildCTE(d *cteDef, p sql.Pos) *relation {
	if d.rel != nil {
		return d.rel
	}
	name := d.cte.Name.Normalized()
	if d.building {
		if d.self != nil {
			d.selfUsed = true
			return d.self
		}
		a.warn(p, "CTE %s refers to itself outside a recursive UNION; the reference has no lineage", name)
		return opaque("CTE " + name)
	}
	d.building = true
	saved, savedRel := a.env, a.rel
	a.env, a.rel = d.env, "CTE "+QuoteIdent(name)
	defer func() { a.env, a.rel = saved, savedRel; d.building = false }()

	var cols []string
	for _, c := range d.cte.Columns {
		cols = append(cols, c.Normalized())
	}
	q := d.cte.Query
	var rel *relation
	if so, ok := q.Body.(*sql.SetOp); ok && q.With == nil && so.Op == "UNION" && !so.ByName {
		// Possibly recursive: the anchor (left) defines the columns; the
		// recursive branch is rebuilt until its lineage stops changing.
		left := a.buildBody(so.Left, nil, nil)
		d.self = a.nameCTE(left, cols, name, p)
		right := a.buildBody(so.Right, nil, nil)
		rel = a.positionalUnion(so.Pos, left, right)
		// Each round rebuilds the recursive branch (and any recursive CTE
		// nested in it); a budget per statement keeps nested ones linear.
		for i := 0; d.selfUsed && i < 4 && a.rounds < maxRecursiveRounds; i++ {
			a.rounds++
			next := a.nameCTE(rel, cols, name, p)
			if sameLineage(next, d.self) {
				break
			}
			d.self = next
			right = a.buildBody(so.Right, nil, nil)
			rel = a.positionalUnion(so.Pos, left, right)
		}
		a.sortByOutput(rel, q.OrderBy, nil)
	} else {
		rel = a.buildQuery(q, nil)
	}
	d.rel = a.nameCTE(rel, cols, name, p)
	d.self = nil
	return d.rel
}

func (a *analyzer) nameCTE(r *relation, cols []string, name string, p sql.Pos) *relation {
	out := r
	if cols != nil {
		var ok bool
		out, ok = r.renamed(cols)
		if !ok {
			a.warn(p, "CTE %s lists %d columns but its query returns %d", name, len(cols), len(r.cols))
		}
	} else {
		out = &relation{cols: r.cols, byName: r.byName, open: r.open}
	}
	out.desc = "CTE " + name
	return out
}

func sameLineage(x, y *relation) bool {
	if len(x.cols) != len(y.cols) {
		return false
	}
	for i := range x.cols {
		if !sameEdges(flatten(x.cols[i].lin), flatten(y.cols[i].lin)) {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------------------
// Set operations and VALUES

func (a *analyzer) buildSetOp(s *sql.SetOp, parent *scope) *relation {
	if !s.ByName && (s.Op == "UNION" || s.Op == "INTERSECT") {
		branches := unionBranches(s, nil)
		rels := make([]*relation, len(branches))
		for i, b := range branches {
			rels[i] = a.buildBody(b, parent, nil)
		}
		return a.positionalUnion(s.Pos, rels...)
	}
	l := a.buildBody(s.Left, parent, nil)
	r := a.buildBody(s.Right, parent, nil)
	switch {
	case s.ByName:
		out := newRelation("query", len(l.cols))
		seen := make(map[string]bool, len(l.cols))
		for _, c := range l.cols {
			if seen[c.name] {
				continue
			}
			seen[c.name] = true
			rl, ok := r.lookup(c.name)
			if !ok && r.open != nil {
				rl, _ = r.open(c.name)
			}
			out.add(c.name, union(c.lin, rl))
		}
		for _, c := range r.cols {
			if seen[c.name] {
				continue
			}
			seen[c.name] = true
			ll, ok := l.lookup(c.name)
			if !ok && l.open != nil {
				ll, _ = l.open(c.name)
			}
			out.add(c.name, union(ll, c.lin))
		}
		out.open = mergeOpen(l, r)
		return out
	case s.Op == "EXCEPT" || s.Op == "MINUS":
		for _, c := range r.cols {
			a.addIndirect(c.lin, kFilter)
		}
		return l
	default:
		return a.positionalUnion(s.Pos, l, r)
	}
}

// unionBranches lists the branches of a chain of positional UNION and
// INTERSECT operations (both take their lineage from every branch), so a
// 500-branch UNION ALL merges each column once instead of 500 times.
func unionBranches(b sql.QueryBody, out []sql.QueryBody) []sql.QueryBody {
	if s, ok := b.(*sql.SetOp); ok && !s.ByName && (s.Op == "UNION" || s.Op == "INTERSECT") {
		out = unionBranches(s.Left, out)
		return unionBranches(s.Right, out)
	}
	return append(out, b)
}

// positionalUnion merges set-operation branches by position; the first
// branch names the columns.
func (a *analyzer) positionalUnion(p sql.Pos, rels ...*relation) *relation {
	first := rels[0]
	for _, r := range rels[1:] {
		if len(r.cols) != len(first.cols) && first.open == nil && r.open == nil {
			a.warn(p, "set operation branches return %d and %d columns", len(first.cols), len(r.cols))
			break
		}
	}
	out := newRelation("query", len(first.cols))
	ls := make([]lin, 0, len(rels))
	for i, c := range first.cols {
		ls = ls[:0]
		for _, r := range rels {
			if i < len(r.cols) {
				ls = append(ls, r.cols[i].lin)
			}
		}
		out.add(c.name, union(ls...))
	}
	out.open = mergeOpen(rels...)
	return out
}

func mergeOpen(rels ...*relation) func(string) (lin, bool) {
	var opens []*relation
	for _, r := range rels {
		if r.open != nil {
			opens = append(opens, r)
		}
	}
	if len(opens) == 0 {
		return nil
	}
	return memoOpen(func(name string) (lin, bool) {
		ls := make([]lin, len(opens))
		for i, r := range opens {
			ls[i], _ = r.open(name)
		}
		return union(ls...), true
	})
}

func (a *analyzer) buildValues(v *sql.Values, parent *scope) *relation {
	sc := &scope{parent: parent}
	n := 0
	for _, row := range v.Rows {
		n = max(n, len(row))
	}
	bufs := make([]lbuf, n)
	for _, row := range v.Rows {
		for i, e := range row {
			a.walk(sc, e, kIdentity, false, &bufs[i])
		}
	}
	out := newRelation("VALUES", n)
	for i := range n {
		out.add("COLUMN"+strconv.Itoa(i+1), bufs[i].node())
	}
	return out
}

// ---------------------------------------------------------------------------
// SELECT

func (a *analyzer) buildSelect(s *sql.Select, parent *scope, orderBy []*sql.OrderItem) *relation {
	sc := &scope{parent: parent}
	for _, f := range s.From {
		a.addFrom(sc, f, parent)
	}
	out := newRelation("query", len(s.Items))
	var openStars []*relation
	for i, it := range s.Items {
		if st, ok := it.Expr.(*sql.Star); ok {
			openStars = a.expandStar(sc, st, out, openStars)
			continue
		}
		var buf lbuf
		a.walk(sc, it.Expr, kIdentity, false, &buf)
		var l lin
		if _, plain := it.Expr.(*sql.ColumnRef); plain {
			l = buf.node()
		} else {
			l = buf.nodeWith(&step{rel: a.rel, view: a.target, expr: it.Expr})
		}
		name := itemName(it, i)
		out.add(name, l)
		if it.Alias != nil {
			sc.items = append(sc.items, relCol{name: name, lin: l})
		}
	}
	a.indirectExpr(sc, s.Where, kFilter)
	if s.GroupBy != nil {
		if s.GroupBy.All {
			for i, it := range s.Items {
				if _, star := it.Expr.(*sql.Star); !star && !hasAggregate(it.Expr) && i < len(out.cols) {
					a.addIndirect(out.cols[i].lin, kGroupBy)
				}
			}
		}
		for _, g := range s.GroupBy.Items {
			if l, ok := outputPosition(out, g); ok {
				a.addIndirect(l, kGroupBy)
				continue
			}
			a.indirectExpr(sc, g, kGroupBy)
		}
	}
	a.indirectExpr(sc, s.Having, kFilter)
	a.indirectExpr(sc, s.Qualify, kFilter)
	a.indirectExpr(sc, s.StartWith, kFilter)
	a.indirectExpr(sc, s.ConnectBy, kJoin)
	if s.Distinct {
		for _, c := range out.cols {
			a.addIndirect(c.lin, kGroupBy)
		}
	}
	a.sortByOutput(out, orderBy, sc)
	switch len(openStars) {
	case 0:
	case 1:
		out.open = openStars[0].open
	default:
		out.open = memoOpen(func(name string) (lin, bool) {
			ls := make([]lin, 0, len(openStars))
			for _, r := range openStars {
				l, _ := r.open(name)
				ls = append(ls, l)
			}
			return union(ls...), true
		})
	}
	return out
}

func outputPosition(r *relation, e sql.Expr) (lin, bool) {
	if x, ok := e.(*sql.Literal); ok && x.Kind == sql.LitNumber {
		if n, err := strconv.Atoi(x.Value); err == nil && n >= 1 && n <= len(r.cols) {
			return r.cols[n-1].lin, true
		}
	}
	return nil, false
}

// expandStar adds the columns of [q.]* to out, applying ILIKE, EXCLUDE,
// REPLACE and RENAME. It returns openStars plus the relations whose columns
// are not (all) known.
func (a *analyzer) expandStar(sc *scope, st *sql.Star, out *relation, openStars []*relation) []*relation {
	var srcs []*source
	if st.Qualifier != nil {
		q := normParts(st.Qualifier)
		for _, s := range sc.sources {
			if s.matches(q) {
				srcs = append(srcs, s)
				break
			}
		}
		if len(srcs) == 0 {
			a.warn(st.Pos, "%s.*: no such table or alias in FROM", strings.Join(q, "."))
			return openStars
		}
	} else {
		srcs = sc.sources
		if len(srcs) == 0 {
			a.warn(st.Pos, "* without a FROM clause")
		}
	}
	exclude := make(map[string]bool, len(st.Exclude))
	for _, x := range st.Exclude {
		exclude[x.Normalized()] = true
	}
	rename := make(map[string]string, len(st.Rename))
	for _, r := range st.Rename {
		rename[r.From.Normalized()] = r.To.Normalized()
	}
	replace := make(map[string]sql.Expr, len(st.Replace))
	for _, r := range st.Replace {
		replace[r.Name.Normalized()] = r.Expr
	}
	emit := func(name string, l lin) {
		if st.ILike != nil && !likeMatch(strings.ToUpper(*st.ILike), strings.ToUpper(name)) {
			return
		}
		if exclude[name] {
			return
		}
		if e, ok := replace[name]; ok {
			var buf lbuf
			a.walk(sc, e, kIdentity, false, &buf)
			l = buf.node()
		}
		if n, ok := rename[name]; ok {
			name = n
		}
		out.add(name, l)
	}
	if st.Qualifier == nil && sc.using != nil {
		// USING/NATURAL joins: their join columns come first, once.
		sc.starColumns(0, len(sc.sources), len(sc.using.joins), nil, emit)
	} else {
		for _, s := range srcs {
			for _, c := range s.rel.cols {
				emit(c.name, c.lin)
			}
		}
	}
	for _, s := range srcs {
		if s.rel.open != nil {
			a.warn(st.Pos, "cannot expand * over %s: its columns are unknown (no catalog entry for it or what it reads)", s.rel.desc)
			openStars = append(openStars, s.rel)
		}
	}
	return openStars
}

// likeMatch matches s against a LIKE pattern (% any run, _ any byte,
// backslash escapes the next byte) in O(len(p)*len(s)): on a mismatch it
// backtracks only to the last %, which is enough for wildcard patterns.
func likeMatch(p, s string) bool {
	type tok struct {
		c    byte
		kind byte // 'c' literal, '_' any byte, '%' any run
	}
	toks := make([]tok, 0, len(p))
	for i := 0; i < len(p); i++ {
		switch {
		case p[i] == '\\' && i+1 < len(p):
			i++
			toks = append(toks, tok{p[i], 'c'})
		case p[i] == '%':
			toks = append(toks, tok{kind: '%'})
		case p[i] == '_':
			toks = append(toks, tok{kind: '_'})
		default:
			toks = append(toks, tok{p[i], 'c'})
		}
	}
	ti, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case ti < len(toks) && toks[ti].kind == '%':
			star, mark = ti, si
			ti++
		case ti < len(toks) && (toks[ti].kind == '_' || toks[ti].c == s[si]):
			ti++
			si++
		case star >= 0:
			ti = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for ti < len(toks) && toks[ti].kind == '%' {
		ti++
	}
	return ti == len(toks)
}

// itemName is the output name of a select item: its alias, the column name
// of a plain reference, or the expression's text as Snowflake prints it.
func itemName(it *sql.SelectItem, i int) string {
	if it.Alias != nil {
		return it.Alias.Normalized()
	}
	switch x := it.Expr.(type) {
	case *sql.ColumnRef:
		return x.Column().Normalized()
	}
	if s := exprText(it.Expr); s != "" {
		return s
	}
	return "$" + strconv.Itoa(i+1)
}

func normParts(ids []sql.Ident) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.Normalized()
	}
	return out
}
