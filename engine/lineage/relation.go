package lineage

import "strings"

// relation is anything a FROM item or a query produces: named output columns
// with their lineage, computed once when the relation is built.
type relation struct {
	cols   []relCol
	byName map[string]int // resolved name -> first column with it
	// open resolves a column the relation does not list: base tables without
	// a catalog entry accept any name, and a query whose star covers such a
	// table passes unknown names through to it. nil when the columns are
	// known exactly.
	open func(name string) (lin, bool)
	// desc names the relation in warnings ("table DB.S.T", "CTE X", ...).
	desc string
	// catalog is the table's name when the columns come from the catalog
	// (Options.Catalog), which may be stale or differ in case: a column it
	// does not list may still exist (see analyzer.catalogColumn).
	catalog *tableID
}

type relCol struct {
	name string
	lin  lin
}

func newRelation(desc string, n int) *relation {
	return &relation{cols: make([]relCol, 0, n), byName: make(map[string]int, n), desc: desc}
}

func (r *relation) add(name string, l lin) {
	if _, dup := r.byName[name]; !dup {
		r.byName[name] = len(r.cols)
	}
	r.cols = append(r.cols, relCol{name: name, lin: l})
}

// lookup returns the lineage of column name; known is false when the column
// is not listed (it may still resolve through open).
func (r *relation) lookup(name string) (l lin, known bool) {
	if i, ok := r.byName[name]; ok {
		return r.cols[i].lin, true
	}
	return nil, false
}

// has reports whether the relation certainly has the column.
func (r *relation) has(name string) bool {
	_, ok := r.byName[name]
	return ok
}

// renamed returns a copy of r whose columns are renamed positionally by
// names (an alias column list). Extra names are ignored; missing ones keep
// their old names. ok is false when the counts differ.
func (r *relation) renamed(names []string) (*relation, bool) {
	out := newRelation(r.desc, len(r.cols))
	for i, c := range r.cols {
		n := c.name
		if i < len(names) {
			n = names[i]
		}
		out.add(n, c.lin)
	}
	return out, len(names) == len(r.cols)
}

// baseRelation is a physical table or view with known columns.
func baseRelation(id tableID, cols []string) *relation {
	r := newRelation("table "+id.String(), len(cols))
	for _, c := range cols {
		r.add(c, leaf(id.column(c), kIdentity))
	}
	return r
}

// foldMatches returns the columns whose names equal name ignoring case.
func (r *relation) foldMatches(name string) []relCol {
	var out []relCol
	for _, c := range r.cols {
		if strings.EqualFold(c.name, name) {
			out = append(out, c)
		}
	}
	return out
}

// openTable is a physical table without a catalog entry: any column name
// resolves to itself.
func openTable(id tableID) *relation {
	r := newRelation("table "+id.String(), 0)
	memo := make(map[string]lin)
	r.open = func(name string) (lin, bool) {
		l, ok := memo[name]
		if !ok {
			l = leaf(id.column(name), kIdentity)
			memo[name] = l
		}
		return l, true
	}
	return r
}

// opaque is a relation whose columns are unknown and have no upstream
// (table functions such as GENERATOR, stages, unknown UDTFs).
func opaque(desc string) *relation {
	r := newRelation(desc, 0)
	r.open = func(string) (lin, bool) { return nil, true }
	return r
}

// memoOpen caches an open lookup that combines several others: a chain of
// stars over self-joined relations with unknown columns would otherwise ask
// each level twice per level above it (exponential in the depth).
func memoOpen(f func(string) (lin, bool)) func(string) (lin, bool) {
	memo := make(map[string]lin)
	return func(name string) (lin, bool) {
		if l, ok := memo[name]; ok {
			return l, true
		}
		l, _ := f(name)
		memo[name] = l
		return l, true
	}
}
