package lineage

import (
	"strings"

	"github.com/tributary-lineage/tributary/engine/sql"
)

// scope is the name environment of one SELECT (or MERGE): its FROM sources,
// its select items (for lateral aliases) and the enclosing scope that
// correlated references resolve to.
type scope struct {
	parent  *scope
	sources []*source
	// using holds the USING/NATURAL joins among sources; nil when none.
	using *usingJoins
	// items are the aliased select items built so far: while the SELECT
	// list is built only earlier ones (lateral aliases), afterwards all of
	// them (WHERE, GROUP BY, HAVING, QUALIFY, ORDER BY may use any alias).
	items []relCol
	// symbols is set inside MATCH_RECOGNIZE, where a qualifier that is not a
	// source is a pattern variable over the input rows.
	symbols bool
	// openSeen are names already read as columns of a source whose columns
	// are unknown: that source has them, so they beat a same-named alias.
	openSeen map[string]bool
}

func (sc *scope) sawOpen(name string) {
	if sc.openSeen == nil {
		sc.openSeen = make(map[string]bool)
	}
	sc.openSeen[name] = true
}

// source is one FROM item as seen by column references.
type source struct {
	alias string   // resolved alias (or the table's name); "" for an unaliased subquery
	id    *tableID // the physical table, for db.schema.table.col references
	rel   *relation
}

// matches reports whether a qualifier (resolved parts) names s.
func (s *source) matches(q []string) bool {
	switch len(q) {
	case 0:
		return false
	case 1:
		return s.alias != "" && s.alias == q[0]
	}
	if s.id == nil {
		return false
	}
	n := len(q)
	if s.id.name != q[n-1] || s.id.schema != "" && s.id.schema != q[n-2] {
		return false
	}
	return n < 3 || s.id.db == "" || s.id.db == q[n-3]
}

func (sc *scope) aliasItem(name string) (lin, bool) {
	for _, it := range sc.items {
		if it.name == name {
			return it.lin, true
		}
	}
	return nil, false
}

func sourceNames(ss []*source) string {
	var b strings.Builder
	for i, s := range ss {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s.rel.desc)
	}
	return b.String()
}

// pseudoColumns resolve to nothing when no source has them.
var pseudoColumns = map[string]bool{
	"LEVEL": true, "ROWNUM": true, "CONNECT_BY_ISLEAF": true, "CONNECT_BY_ISCYCLE": true,
	"METADATA$FILENAME": true, "METADATA$FILE_ROW_NUMBER": true, "METADATA$FILE_CONTENT_KEY": true,
	"METADATA$FILE_LAST_MODIFIED": true, "METADATA$START_SCAN_TIME": true,
	"METADATA$ACTION": true, "METADATA$ISUPDATE": true, "METADATA$ROW_ID": true,
	"CURRENT_DATE": true, "CURRENT_TIME": true, "CURRENT_TIMESTAMP": true, "CURRENT_USER": true,
	"CURRENT_ROLE": true, "LOCALTIME": true, "LOCALTIMESTAMP": true, "SYSDATE": true,
}

// resolveColumn returns the lineage of a column reference.
func (a *analyzer) resolveColumn(sc *scope, ref *sql.ColumnRef) lin {
	name := ref.Column().Normalized()
	if len(ref.Parts) == 1 {
		for i := len(a.lambdas) - 1; i >= 0; i-- {
			if a.lambdas[i] == name {
				return nil
			}
		}
		return a.resolveUnqualified(sc, name, ref.Pos)
	}
	return a.resolveQualified(sc, normParts(ref.Qualifier()), name, ref.Pos)
}

func (a *analyzer) resolveUnqualified(sc *scope, name string, p sql.Pos) lin {
	for s := sc; s != nil; s = s.parent {
		if s.using != nil {
			if l, ok := s.using.cols[name]; ok {
				return l
			}
		}
		var found, opens []*source
		for _, src := range s.sources {
			if src.rel.has(name) {
				found = append(found, src)
			} else if src.rel.open != nil {
				opens = append(opens, src)
			}
		}
		switch {
		case len(found) == 1:
			if len(opens) > 0 {
				a.warn(p, "column %s bound to %s, the only source known to have it (%s: columns unknown)", QuoteIdent(name), found[0].rel.desc, sourceNames(opens))
			}
			l, _ := found[0].rel.lookup(name)
			return l
		case len(found) > 1:
			a.warn(p, "ambiguous column %s: it is in %s; attributed to all of them", QuoteIdent(name), sourceNames(found))
			ls := make([]lin, len(found))
			for i, f := range found {
				ls[i], _ = f.rel.lookup(name)
			}
			return union(ls...)
		}
		if len(opens) == 1 && s.openSeen[name] {
			l, _ := opens[0].rel.open(name)
			return l
		}
		if l, ok := s.aliasItem(name); ok {
			if len(opens) > 0 {
				a.warn(p, "%s resolved to the select item alias %s, assuming %s has no such column (columns unknown)", QuoteIdent(name), QuoteIdent(name), sourceNames(opens))
			}
			return l
		}
		switch len(opens) {
		case 0:
		case 1:
			s.sawOpen(name)
			l, _ := opens[0].rel.open(name)
			return l
		default:
			a.warn(p, "column %s could come from %s (columns unknown, no catalog); attributed to all of them", QuoteIdent(name), sourceNames(opens))
			ls := make([]lin, len(opens))
			for i, o := range opens {
				ls[i], _ = o.rel.open(name)
			}
			return union(ls...)
		}
	}
	if pseudoColumns[name] {
		return nil
	}
	if l, ok := a.unqualifiedCatalogColumn(sc, name, p); ok {
		return l
	}
	a.warn(p, "column %s not found in any source", QuoteIdent(name))
	return nil
}

// unqualifiedCatalogColumn resolves an unqualified name no source lists
// exactly: a unique case-insensitive match among the catalog tables of the
// nearest scope that has one, else the only relation in scope when it is a
// catalog table (an unverified edge). Several candidates stay unresolved:
// ambiguity is not a guess.
func (a *analyzer) unqualifiedCatalogColumn(sc *scope, name string, p sql.Pos) (lin, bool) {
	var all []*source
	for s := sc; s != nil; s = s.parent {
		var cands []*source
		for _, src := range s.sources {
			if src.rel.catalog != nil && len(src.rel.foldMatches(name)) > 0 {
				cands = append(cands, src)
			}
		}
		if len(cands) == 1 {
			return a.catalogColumn(cands[0].rel, name, p), true
		}
		if len(cands) > 1 {
			return nil, false
		}
		all = append(all, s.sources...)
	}
	if len(all) == 1 && all[0].rel.catalog != nil {
		return a.catalogColumn(all[0].rel, name, p), true
	}
	return nil, false
}

// catalogColumn resolves a column that catalog table r does not list
// exactly: a unique case-insensitive match is taken with a warning; else the
// column keeps an unverified edge (the catalog may be stale), with a warning.
func (a *analyzer) catalogColumn(r *relation, name string, p sql.Pos) lin {
	m := r.foldMatches(name)
	if len(m) == 1 {
		a.warn(p, "%s matched catalog column %s by case", QuoteIdent(name), QuoteIdent(m[0].name))
		return m[0].lin
	}
	if len(m) > 1 {
		a.warn(p, "column %s is not in the catalog's list for %s, which has %d columns that differ from it only in case; edge kept, unverified", QuoteIdent(name), r.desc, len(m))
	} else {
		a.warn(p, "column %s is not in the catalog's list for %s; edge kept, unverified", QuoteIdent(name), r.desc)
	}
	return unverifiedLeaf(r.catalog.column(name))
}

func (a *analyzer) resolveQualified(sc *scope, q []string, name string, p sql.Pos) lin {
	for s := sc; s != nil; s = s.parent {
		for _, src := range s.sources {
			if !src.matches(q) {
				continue
			}
			if l, ok := src.rel.lookup(name); ok {
				return l
			}
			if src.rel.open != nil {
				s.sawOpen(name)
				l, _ := src.rel.open(name)
				return l
			}
			if src.rel.catalog != nil {
				return a.catalogColumn(src.rel, name, p)
			}
			a.warn(p, "column %s not found in %s", QuoteIdent(name), src.rel.desc)
			return nil
		}
		if s.symbols && len(q) == 1 {
			return a.resolveUnqualified(&scope{sources: s.sources}, name, p)
		}
	}
	if name == "NEXTVAL" || name == "CURRVAL" {
		return nil // seq.NEXTVAL: a sequence, no column
	}
	a.warn(p, "unknown table or alias %s in %s", joinNames(q...), joinNames(append(q, name)...))
	return nil
}

func (a *analyzer) resolvePositional(sc *scope, x *sql.PositionalRef) lin {
	var src *source
	if x.Qualifier != nil {
		q := normParts(x.Qualifier)
		for s := sc; s != nil && src == nil; s = s.parent {
			for _, cand := range s.sources {
				if cand.matches(q) {
					src = cand
					break
				}
			}
		}
	} else if len(sc.sources) == 1 {
		src = sc.sources[0]
	}
	if src == nil {
		a.warn(x.Pos, "$%d: cannot tell which source it refers to", x.Index)
		return nil
	}
	if x.Index >= 1 && x.Index <= len(src.rel.cols) {
		return src.rel.cols[x.Index-1].lin
	}
	if src.rel.open != nil {
		a.warn(x.Pos, "$%d of %s: columns unknown", x.Index, src.rel.desc)
		return nil
	}
	a.warn(x.Pos, "$%d: %s has only %d columns", x.Index, src.rel.desc, len(src.rel.cols))
	return nil
}

// ---------------------------------------------------------------------------
// FROM items

// addFrom adds the sources of a FROM item to sc. outer is the scope a
// non-lateral subquery correlates to.
func (a *analyzer) addFrom(sc *scope, te sql.TableExpr, outer *scope) {
	switch t := te.(type) {
	case *sql.TableName:
		a.addTable(sc, t)
	case *sql.DerivedTable:
		p := outer
		if t.Lateral {
			p = sc
		}
		savedRel := a.rel
		a.rel = "derived table"
		if t.Alias != nil {
			a.rel += " " + QuoteIdent(t.Alias.Name.Normalized())
		}
		rel := a.buildQuery(t.Query, p)
		a.rel = savedRel
		a.addSource(sc, "", nil, rel, t.Alias, t.Pos)
	case *sql.TableFunc:
		rel := a.tableFunc(sc, t)
		a.addSource(sc, "", nil, rel, t.Alias, t.Pos)
	case *sql.StageRef:
		a.warn(t.Pos, "stage %s: columns of staged files are unknown; no lineage", t.Location)
		rel := opaque("stage " + t.Location)
		a.addSource(sc, "", nil, rel, t.Alias, t.Pos)
	case *sql.Join:
		lo := len(sc.sources)
		a.addFrom(sc, t.Left, outer)
		n := len(sc.sources)
		a.addFrom(sc, t.Right, outer)
		a.indirectExpr(sc, t.MatchCondition, kJoin)
		a.indirectExpr(sc, t.On, kJoin)
		var using []string
		for _, u := range t.Using {
			using = append(using, u.Normalized())
		}
		if t.Natural {
			using = append(using, commonColumns(sc.sources[:n], sc.sources[n:])...)
		}
		if len(using) == 0 {
			break
		}
		j := usingJoin{lo: lo, hi: len(sc.sources), cols: using, lins: make([]lin, len(using))}
		for i, u := range using {
			l := a.lookupIn(sc.sources[:n], u, t.Pos)
			r := a.lookupIn(sc.sources[n:], u, t.Pos)
			a.addIndirect(l, kJoin)
			a.addIndirect(r, kJoin)
			switch t.Kind {
			case "RIGHT":
				j.lins[i] = r
			case "FULL":
				j.lins[i] = union(l, r)
			default:
				j.lins[i] = l
			}
			if sc.using == nil {
				sc.using = &usingJoins{cols: make(map[string]lin)}
			}
			sc.using.cols[u] = j.lins[i]
		}
		sc.using.joins = append(sc.using.joins, j)
	case *sql.ParenTable:
		n := len(sc.sources)
		a.addFrom(sc, t.Inner, outer)
		if t.Alias != nil && len(sc.sources) == n+1 {
			sc.sources[n].alias = t.Alias.Name.Normalized()
		}
	case *sql.Pivot:
		a.pivot(sc, t, outer)
	case *sql.Unpivot:
		a.unpivot(sc, t, outer)
	case *sql.MatchRecognize:
		a.matchRecognize(sc, t, outer)
	}
}

func (a *analyzer) addTable(sc *scope, t *sql.TableName) {
	if t.Identifier != nil && len(t.Name.Parts) == 0 {
		a.warn(t.Pos, "IDENTIFIER() with a variable: the table is unknown")
		a.addSource(sc, "", nil, opaque("IDENTIFIER(...)"), t.Alias, t.Pos)
		return
	}
	if len(t.Name.Parts) == 1 && a.env != nil {
		if d := a.env.lookup(t.Name.Parts[0].Normalized()); d != nil {
			rel := a.buildCTE(d, t.Pos)
			a.addSource(sc, d.cte.Name.Normalized(), nil, rel, t.Alias, t.Pos)
			return
		}
	}
	rel, id := a.tableRelation(t.Name, t.Pos)
	if t.Changes != nil {
		rel = withColumns(rel, "METADATA$ACTION", "METADATA$ISUPDATE", "METADATA$ROW_ID")
	}
	a.addSource(sc, id.name, &id, rel, t.Alias, t.Pos)
}

// withColumns adds columns without upstream (metadata columns) to r.
func withColumns(r *relation, names ...string) *relation {
	out := newRelation(r.desc, len(r.cols)+len(names))
	for _, c := range r.cols {
		out.add(c.name, c.lin)
	}
	for _, n := range names {
		out.add(n, nil)
	}
	out.open = r.open
	return out
}

// addSource appends a source, applying the alias and its column list.
func (a *analyzer) addSource(sc *scope, name string, id *tableID, rel *relation, alias *sql.TableAlias, p sql.Pos) {
	if alias != nil {
		name = alias.Name.Normalized()
		if alias.Columns != nil {
			if rel.open != nil {
				// Some columns are unknown (a PIVOT/UNPIVOT over a table
				// without a catalog entry lists its known columns last): the
				// known ones take the last names, the others have no lineage.
				names := normIdents(alias.Columns)
				a.warn(alias.Pos, "alias column list over %s, whose columns are not all known: the first %d names cannot be matched to columns", rel.desc, max(0, len(names)-len(rel.cols)))
				out := newRelation(rel.desc, len(names))
				skip := max(0, len(names)-len(rel.cols))
				for i, n := range names {
					if i < skip {
						out.add(n, nil)
					} else {
						out.add(n, rel.cols[i-skip].lin)
					}
				}
				rel = out
			} else {
				names := normIdents(alias.Columns)
				var ok bool
				desc := rel.desc
				rel, ok = rel.renamed(names)
				if !ok {
					a.warn(alias.Pos, "alias lists %d columns but %s has %d", len(names), desc, len(rel.cols))
				}
			}
		}
	}
	sc.sources = append(sc.sources, &source{alias: name, id: id, rel: rel})
}

func normIdents(ids []sql.Ident) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.Normalized()
	}
	return out
}

// lookupIn resolves a column among some sources (one side of a join).
func (a *analyzer) lookupIn(ss []*source, name string, p sql.Pos) lin {
	for _, s := range ss {
		if l, ok := s.rel.lookup(name); ok {
			return l
		}
	}
	for _, s := range ss {
		if s.rel.open != nil {
			l, _ := s.rel.open(name)
			return l
		}
	}
	a.warn(p, "join column %s not found", QuoteIdent(name))
	return nil
}

// usingJoins are the USING/NATURAL joins of a scope.
type usingJoins struct {
	cols  map[string]lin // the merged join columns, for unqualified references
	joins []usingJoin    // inner joins first; they set the order of SELECT *
}

// usingJoin is a USING or NATURAL join over sources[lo:hi].
type usingJoin struct {
	lo, hi int
	cols   []string // the join columns: the USING list, or the common columns in the left side's order
	lins   []lin    // their merged lineage
}

// starColumns calls emit for the columns of the joined sources[lo:hi] in the
// order of SELECT *, seeing only joins[:limit] and leaving out the names in
// skip. A USING/NATURAL join lists its join columns first, once, then the
// other columns of its left side, then those of its right side (SQL
// standard, <joined table>); nested joins apply the rule recursively.
func (sc *scope) starColumns(lo, hi, limit int, skip map[string]bool, emit func(string, lin)) {
	for i := lo; i < hi; {
		g := -1 // the outermost join that starts at source i and ends by hi
		for j := limit - 1; j >= 0; j-- {
			jn := &sc.using.joins[j]
			if jn.lo == i && jn.hi <= hi && (g < 0 || jn.hi > sc.using.joins[g].hi) {
				g = j
			}
		}
		if g < 0 {
			for _, c := range sc.sources[i].rel.cols {
				if !skip[c.name] {
					emit(c.name, c.lin)
				}
			}
			i++
			continue
		}
		jn := &sc.using.joins[g]
		inner := make(map[string]bool, len(skip)+len(jn.cols))
		for k := range skip {
			inner[k] = true
		}
		for k, name := range jn.cols {
			if !skip[name] {
				emit(name, jn.lins[k])
			}
			inner[name] = true
		}
		sc.starColumns(jn.lo, jn.hi, g, inner, emit)
		i = jn.hi
	}
}

func commonColumns(left, right []*source) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range left {
		for _, c := range l.rel.cols {
			if seen[c.name] {
				continue
			}
			for _, r := range right {
				if r.rel.has(c.name) {
					seen[c.name] = true
					out = append(out, c.name)
					break
				}
			}
		}
	}
	return out
}

// tableFunc is the relation of a table function in FROM.
func (a *analyzer) tableFunc(sc *scope, t *sql.TableFunc) *relation {
	if t.Func == nil {
		return opaque("table function")
	}
	name := t.Func.FuncName()
	switch name {
	case "FLATTEN":
		in := funcArg(t.Func, "INPUT", 0)
		var buf lbuf
		a.walk(sc, in, kTransformation, false, &buf)
		l := buf.node()
		r := newRelation("FLATTEN", 6)
		for _, c := range []string{"SEQ", "KEY", "PATH", "INDEX", "VALUE", "THIS"} {
			r.add(c, l)
		}
		return r
	case "SPLIT_TO_TABLE", "STRTOK_SPLIT_TO_TABLE":
		var buf lbuf
		a.walk(sc, funcArg(t.Func, "", 0), kTransformation, false, &buf)
		l := buf.node()
		r := newRelation(name, 3)
		for _, c := range []string{"SEQ", "INDEX", "VALUE"} {
			r.add(c, l)
		}
		return r
	case "GENERATOR":
		return newRelation("GENERATOR", 0)
	}
	a.warn(t.Pos, "table function %s: its columns are unknown; no lineage", t.Func.Name.Normalized())
	return opaque("table function " + t.Func.Name.Normalized())
}

// funcArg returns the named argument (name => value) or the i-th positional one.
func funcArg(f *sql.FuncCall, named string, i int) sql.Expr {
	pos := 0
	for _, arg := range f.Args {
		if na, ok := arg.(*sql.NamedArg); ok {
			if named != "" && na.Name.Normalized() == named {
				return na.Value
			}
			continue
		}
		if pos == i {
			return arg
		}
		pos++
	}
	return nil
}

// inner builds a PIVOT/UNPIVOT/MATCH_RECOGNIZE input into a scope of its
// own: the operator's expressions see only its input's columns.
func (a *analyzer) inner(sc *scope, te sql.TableExpr, outer *scope) *scope {
	in := &scope{parent: sc.parent}
	a.addFrom(in, te, outer)
	return in
}

// singleAlias is the alias a wrapped input is known by when the wrapper has none.
func singleAlias(in *scope) (string, *tableID) {
	if len(in.sources) == 1 {
		return in.sources[0].alias, in.sources[0].id
	}
	return "", nil
}

func columnNames(e sql.Expr) map[string]bool {
	out := map[string]bool{}
	sql.Inspect(e, func(n sql.Node) bool {
		if c, ok := n.(*sql.ColumnRef); ok {
			out[c.Column().Normalized()] = true
		}
		return true
	})
	return out
}

func (a *analyzer) pivot(sc *scope, p *sql.Pivot, outer *scope) {
	in := a.inner(sc, p.Source, outer)
	var aggBuf, forBuf lbuf
	a.walk(in, p.Aggregate, kIdentity, false, &aggBuf)
	a.walk(in, p.For, kConditional, false, &forBuf)
	a.walk(in, p.Default, kTransformation, false, &aggBuf)
	values := union(aggBuf.node(), forBuf.node())
	used := columnNames(p.Aggregate)
	for n := range columnNames(p.For) {
		used[n] = true
	}
	out := newRelation("PIVOT", 0)
	for _, s := range in.sources {
		for _, c := range s.rel.cols {
			if used[c.name] {
				continue
			}
			out.add(c.name, c.lin)
			a.addIndirect(c.lin, kGroupBy)
		}
	}
	for _, v := range p.In {
		var name string
		switch {
		case v.Alias != nil:
			name = v.Alias.Normalized()
		default:
			name = pivotValueName(v.Value)
		}
		if p.AggregateAlias != nil {
			// Snowflake appends an underscore and the aggregate's alias
			// to each pivot column name: '2023_Q1'_TOTAL, Q1_TOTAL.
			name += "_" + p.AggregateAlias.Normalized()
		}
		out.add(name, values)
	}
	if p.InAny || p.InQuery != nil {
		a.warn(p.Pos, "PIVOT ... IN (ANY | subquery): the pivoted column names depend on the data and are not listed")
	}
	var opens []*source
	for _, s := range in.sources {
		if s.rel.open != nil {
			opens = append(opens, s)
		}
	}
	if len(opens) > 0 || p.InAny || p.InQuery != nil {
		out.open = func(name string) (lin, bool) {
			for _, s := range opens {
				if !used[name] {
					l, _ := s.rel.open(name)
					return l, true
				}
			}
			return values, true
		}
		if len(opens) > 0 {
			out.desc = "PIVOT over " + sourceNames(opens)
		}
	}
	name, id := singleAlias(in)
	a.addSource(sc, name, id, out, p.Alias, p.Pos)
}

func pivotValueName(e sql.Expr) string {
	switch x := e.(type) {
	case *sql.Literal:
		return x.Raw
	}
	return exprText(e)
}

func (a *analyzer) unpivot(sc *scope, u *sql.Unpivot, outer *scope) {
	in := a.inner(sc, u.Source, outer)
	inCols := make(map[string]bool, len(u.Columns))
	var vals []lin
	for _, c := range u.Columns {
		n := c.Column.Normalized()
		inCols[n] = true
		vals = append(vals, a.resolveUnqualified(in, n, c.Pos))
	}
	out := newRelation("UNPIVOT", 0)
	var opens []*source
	for _, s := range in.sources {
		for _, c := range s.rel.cols {
			if !inCols[c.name] {
				out.add(c.name, c.lin)
			}
		}
		if s.rel.open != nil {
			opens = append(opens, s)
		}
	}
	out.add(u.NameColumn.Normalized(), nil)
	out.add(u.ValueColumn.Normalized(), union(vals...))
	if len(opens) > 0 {
		out.desc = "UNPIVOT over " + sourceNames(opens)
		out.open = func(name string) (lin, bool) {
			l, _ := opens[0].rel.open(name)
			return l, true
		}
	}
	name, id := singleAlias(in)
	a.addSource(sc, name, id, out, u.Alias, u.Pos)
}

func (a *analyzer) matchRecognize(sc *scope, m *sql.MatchRecognize, outer *scope) {
	in := a.inner(sc, m.Source, outer)
	in.symbols = true
	var win lbuf
	out := newRelation("MATCH_RECOGNIZE", 0)
	allRows := strings.HasPrefix(m.RowsPerMatch, "ALL ROWS")
	if allRows {
		for _, s := range in.sources {
			for _, c := range s.rel.cols {
				out.add(c.name, c.lin)
			}
		}
	}
	for _, e := range m.PartitionBy {
		var buf lbuf
		a.walk(in, e, kIdentity, false, &buf)
		l := buf.node()
		win.add(l, kWindow, false)
		if !allRows {
			out.add(exprName(e), l)
		}
	}
	for _, o := range m.OrderBy {
		a.walk(in, o.Expr, kWindow, false, &win)
	}
	winL := win.node()
	for i, ms := range m.Measures {
		var buf lbuf
		a.walk(in, ms.Expr, kIdentity, false, &buf)
		buf.add(winL, kIdentity, false)
		out.add(itemName(ms, i), buf.node())
	}
	for _, d := range m.Define {
		a.indirectExpr(in, d.Cond, kFilter)
	}
	if allRows {
		for _, s := range in.sources {
			if s.rel.open != nil {
				out.open = s.rel.open
				out.desc = "MATCH_RECOGNIZE over " + s.rel.desc
			}
		}
	}
	name, id := singleAlias(in)
	a.addSource(sc, name, id, out, m.Alias, m.Pos)
}

func exprName(e sql.Expr) string {
	if c, ok := e.(*sql.ColumnRef); ok {
		return c.Column().Normalized()
	}
	return exprText(e)
}

// ---------------------------------------------------------------------------
// MERGE

// merge builds the relation of a MERGE: one column per target column that an
// UPDATE SET or INSERT assigns, with the lineage of the assigned values.
func (a *analyzer) merge(m *sql.Merge, id tableID) *relation {
	sc := &scope{}
	rel, tid := a.tableRelation(m.Target, m.Pos)
	name := tid.name
	if m.TargetAlias != nil {
		name = m.TargetAlias.Normalized()
	}
	sc.sources = append(sc.sources, &source{alias: name, id: &tid, rel: rel})
	a.addFrom(sc, m.Source, nil)
	a.indirectExpr(sc, m.On, kJoin)
	var order []string
	bufs := map[string]*lbuf{}
	assign := func(col string, e sql.Expr) {
		if _, ok := bufs[col]; !ok {
			order = append(order, col)
			bufs[col] = &lbuf{}
		}
		a.walk(sc, e, kIdentity, false, bufs[col])
	}
	for _, c := range m.Clauses {
		a.indirectExpr(sc, c.Cond, kFilter)
		switch c.Action {
		case "UPDATE":
			for _, s := range c.Set {
				if len(s.Column) == 0 {
					continue
				}
				assign(s.Column[len(s.Column)-1].Normalized(), s.Value)
			}
		case "INSERT":
			var cols []string
			if c.Columns != nil {
				cols = normIdents(c.Columns)
			} else if t, ok := a.e.lookupTable(id); ok {
				cols = t.Columns
			} else {
				a.warn(c.Pos, "MERGE INSERT without a column list and %s is not in the catalog: the inserted columns are unknown", id)
				continue
			}
			if len(cols) != len(c.Values) {
				a.warn(c.Pos, "MERGE INSERT lists %d columns and %d values", len(cols), len(c.Values))
			}
			for i, v := range c.Values {
				if i < len(cols) {
					assign(cols[i], v)
				}
			}
		}
	}
	out := newRelation("MERGE", len(order))
	for _, col := range order {
		out.add(col, bufs[col].node())
	}
	return out
}
