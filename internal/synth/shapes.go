package synth

import (
	"fmt"
	"regexp"
	"strings"
)

// binding is a relation in a FROM clause under an alias.
type binding struct {
	alias string
	r     *rel
	local bool
}

// scope collects the output columns of one SELECT.
type scope struct {
	used map[string]bool
	out  []col
}

func newScope() *scope { return &scope{used: map[string]bool{}} }

// emit adds a column named after stem (made unique) and returns its name.
func (s *scope) emit(stem string, k kind) string {
	n := uniqueName(stem, s.used)
	s.used[n] = true
	s.out = append(s.out, col{n, k})
	return n
}

type viewBuilder struct {
	g       *gen
	name    string
	lower   bool // write identifiers in lower case (Snowflake folds them)
	used    map[string]bool
	out     []col
	refs    []Ref
	sources []string
	locals  []Table
	picked  map[pickKey]bool // columns already used by pick
}

func (vb *viewBuilder) ident(s string) string {
	if vb.lower {
		return strings.ToLower(s)
	}
	return s
}

func (vb *viewBuilder) bind(r *rel, alias string) binding {
	vb.sources = append(vb.sources, r.name)
	return binding{alias: alias, r: r}
}

// local registers a CTE or derived table built in sc under name.
func (vb *viewBuilder) local(name string, sc *scope, alias string) binding {
	r := newRel(name, -1)
	for _, c := range sc.out {
		r.add(c)
	}
	vb.locals = append(vb.locals, Table{Name: name, Columns: r.columns()})
	return binding{alias: alias, r: r, local: true}
}

// ref records that the view reads c through b and returns alias.COL.
func (vb *viewBuilder) ref(b binding, c col) string {
	vb.refs = append(vb.refs, Ref{Relation: b.r.name, Column: c.name, Local: b.local})
	return strings.ToLower(b.alias) + "." + vb.ident(c.name)
}

// bare records the read of c and returns the unqualified column name.
func (vb *viewBuilder) bare(b binding, c col) string {
	vb.refs = append(vb.refs, Ref{Relation: b.r.name, Column: c.name, Local: b.local})
	return vb.ident(c.name)
}

// star records reads of every column of b (a star expansion) except those in skip.
func (vb *viewBuilder) star(b binding, skip map[string]bool) {
	for _, c := range b.r.cols {
		if !skip[c.name] {
			vb.refs = append(vb.refs, Ref{Relation: b.r.name, Column: c.name, Local: b.local, Star: true})
		}
	}
}

// id is the key column every relation starts with.
func (vb *viewBuilder) id(binding) col {
	return col{"ID", kInt}
}

// pick returns a random non-ID column of one of bs (the first favoured),
// preferring columns the view has not read yet.
func (vb *viewBuilder) pick(bs []binding) (binding, col) {
	b := bs[0]
	if len(bs) > 1 && !vb.g.chance(50) {
		b = bs[1+vb.g.intn(len(bs)-1)]
	}
	cols := b.r.cols
	if vb.picked == nil {
		vb.picked = map[pickKey]bool{}
	}
	var c col
	for try := 0; try < 6; try++ {
		c = cols[vb.g.intn(len(cols))]
		if c.name != "ID" && !vb.picked[pickKey{b.alias, c.name}] {
			break
		}
	}
	vb.picked[pickKey{b.alias, c.name}] = true
	return b, c
}

type pickKey struct{ alias, col string }

// other returns a random column of one of the kinds ks from any of bs.
func (vb *viewBuilder) other(bs []binding, ks ...kind) (binding, col, bool) {
	total := 0
	for _, b := range bs {
		for _, k := range ks {
			total += len(b.r.byKind(k))
		}
	}
	if total == 0 {
		return binding{}, col{}, false
	}
	n := vb.g.intn(total)
	for _, b := range bs {
		for _, k := range ks {
			cs := b.r.byKind(k)
			if n < len(cs) {
				return b, cs[n], true
			}
			n -= len(cs)
		}
	}
	panic("unreachable")
}

var (
	numSuffixRE = regexp.MustCompile(`_[0-9]+$`)
	prefixes    = []string{"TOTAL_", "HASHED_", "DAYS_SINCE_", "NOT_", "RUNNING_", "PREV_", "AVG_", "MAX_", "MIN_",
		"DISTINCT_", "FIRST_", "LATEST_", "COUNT_", "ANY_", "RANK_BY_"}
	suffixes = []string{"_GROSS", "_ABS", "_BAND", "_POSITIVE", "_RATIO", "_MD5", "_KEY", "_LABEL", "_PREFIX", "_CLEAN",
		"_MONTH", "_DAY", "_LOCAL", "_YM", "_PLUS_30", "_YEAR", "_EOM", "_FLAG", "_WEEKDAY", "_ROLLING_7", "_SHARE",
		"_SRC", "_LIST"}
)

// stem strips the decorations the generator adds, so names stay short
// however many layers derive from a column.
func stem(name string) string {
	s := name
	for changed := true; changed; {
		changed = false
		if t := numSuffixRE.ReplaceAllString(s, ""); t != s && t != "" {
			s, changed = t, true
		}
		for _, p := range prefixes {
			if strings.HasPrefix(s, p) && len(s) > len(p) {
				s, changed = s[len(p):], true
			}
		}
		for _, x := range suffixes {
			if strings.HasSuffix(s, x) && len(s) > len(x) {
				s, changed = s[:len(s)-len(x)], true
			}
		}
	}
	return s
}

// expr builds one scalar expression over bs: text, output name stem, kind.
func (vb *viewBuilder) expr(bs []binding) (string, string, kind, bool) {
	g := vb.g
	b, c := vb.pick(bs)
	x := vb.ref(b, c)
	s := stem(c.name)
	if c.name == "ID" || g.chance(35) {
		return x, c.name, c.kind, true
	}
	switch c.kind {
	case kInt, kDec:
		switch g.intn(7) {
		case 0:
			return fmt.Sprintf("ROUND(%s * 1.08, 2)", x), s + "_GROSS", kDec, false
		case 1:
			return fmt.Sprintf("COALESCE(%s, 0)", x), s, c.kind, false
		case 2:
			if ob, oc, ok := vb.other(bs, kInt, kDec); ok {
				return fmt.Sprintf("%s + %s", x, vb.ref(ob, oc)), "TOTAL_" + s, kDec, false
			}
			return fmt.Sprintf("ABS(%s)", x), s + "_ABS", c.kind, false
		case 3:
			return fmt.Sprintf("CASE\n        WHEN %s >= 1000 THEN 'high'\n        WHEN %s >= 100 THEN 'medium'\n        WHEN %s IS NULL THEN 'unknown'\n        ELSE 'low'\n    END", x, x, x),
				s + "_BAND", kStr, false
		case 4:
			return fmt.Sprintf("IFF(%s > 0, %s, NULL)", x, x), s + "_POSITIVE", c.kind, false
		case 5:
			if ob, oc, ok := vb.other(bs, kInt, kDec); ok {
				return fmt.Sprintf("DIV0(%s, %s)", x, vb.ref(ob, oc)), s + "_RATIO", kDec, false
			}
			return fmt.Sprintf("ABS(%s)", x), s + "_ABS", c.kind, false
		default:
			return fmt.Sprintf("NVL(%s, 0)::NUMBER(18,2)", x), s, kDec, false
		}
	case kStr:
		switch g.intn(8) {
		case 0:
			return fmt.Sprintf("UPPER(TRIM(%s))", x), s, kStr, false
		case 1:
			return fmt.Sprintf("SHA2(%s, 256)", x), "HASHED_" + s, kStr, false
		case 2:
			return fmt.Sprintf("MD5(%s)", x), s + "_MD5", kStr, false
		case 3:
			return fmt.Sprintf("NVL(%s, 'unknown')", x), s, kStr, false
		case 4:
			if ob, oc, ok := vb.other(bs, kStr, kInt); ok {
				return fmt.Sprintf("CONCAT(%s, '-', %s)", x, vb.ref(ob, oc)), s + "_KEY", kStr, false
			}
			return fmt.Sprintf("LOWER(%s)", x), s, kStr, false
		case 5:
			if ob, oc, ok := vb.other(bs, kStr); ok {
				return fmt.Sprintf("%s || ' / ' || %s", x, vb.ref(ob, oc)), s + "_LABEL", kStr, false
			}
			return fmt.Sprintf("INITCAP(%s)", x), s, kStr, false
		case 6:
			return fmt.Sprintf("SUBSTR(%s, 1, 3)", x), s + "_PREFIX", kStr, false
		default:
			return fmt.Sprintf("CASE WHEN %s IS NULL OR %s = '' THEN 'n/a' ELSE LOWER(%s) END", x, x, x), s + "_CLEAN", kStr, false
		}
	case kTS:
		switch g.intn(5) {
		case 0:
			return fmt.Sprintf("DATE_TRUNC('month', %s)", x), s + "_MONTH", kTS, false
		case 1:
			return fmt.Sprintf("%s::DATE", x), s + "_DAY", kDate, false
		case 2:
			if ob, oc, ok := vb.other(bs, kTS, kDate); ok {
				return fmt.Sprintf("DATEDIFF('day', %s, %s)", x, vb.ref(ob, oc)), "DAYS_SINCE_" + s, kInt, false
			}
			return fmt.Sprintf("DATEDIFF('day', %s, CURRENT_TIMESTAMP())", x), "DAYS_SINCE_" + s, kInt, false
		case 3:
			return fmt.Sprintf("CONVERT_TIMEZONE('UTC', 'America/New_York', %s)", x), s + "_LOCAL", kTS, false
		default:
			return fmt.Sprintf("TO_CHAR(%s, 'YYYY-MM')", x), s + "_YM", kStr, false
		}
	case kDate:
		switch g.intn(4) {
		case 0:
			return fmt.Sprintf("DATEADD('day', 30, %s)", x), s + "_PLUS_30", kDate, false
		case 1:
			return fmt.Sprintf("YEAR(%s)", x), s + "_YEAR", kInt, false
		case 2:
			return fmt.Sprintf("DAYNAME(%s)", x), s + "_WEEKDAY", kStr, false
		default:
			return fmt.Sprintf("LAST_DAY(%s)", x), s + "_EOM", kDate, false
		}
	case kVariant:
		vp := variantPaths[g.intn(len(variantPaths))]
		return x + vp.path + "::" + vp.cast, vp.name, vp.kind, false
	case kBool:
		switch g.intn(3) {
		case 0:
			return fmt.Sprintf("IFF(%s, 1, 0)", x), s + "_FLAG", kInt, false
		case 1:
			return fmt.Sprintf("COALESCE(%s, FALSE)", x), s, kBool, false
		default:
			return fmt.Sprintf("NOT %s", x), "NOT_" + s, kBool, false
		}
	}
	return x, c.name, c.kind, true
}

// items appends n select items over bs to sc and returns their text.
func (vb *viewBuilder) items(sc *scope, bs []binding, n int) []string {
	var out []string
	for range n {
		text, st, k, plain := vb.expr(bs)
		if sc.used[st] {
			st = stem(st)
		}
		name := sc.emit(st, k)
		if plain && strings.HasSuffix(text, "."+vb.ident(name)) {
			out = append(out, text)
			continue
		}
		out = append(out, text+" AS "+vb.ident(name))
	}
	return out
}

// idItem emits ID read from b.
func (vb *viewBuilder) idItem(sc *scope, b binding) string {
	sc.emit("ID", kInt)
	return vb.ref(b, vb.id(b))
}

// filter builds a WHERE condition over b, or "" when b has nothing to filter on.
func (vb *viewBuilder) filter(b binding) string {
	g := vb.g
	var conds []string
	for range 1 + g.intn(2) {
		_, c, ok := vb.other([]binding{b}, kInt, kDec, kStr, kTS, kDate, kBool)
		if !ok {
			break
		}
		x := vb.ref(b, c)
		switch c.kind {
		case kInt, kDec:
			conds = append(conds, []string{x + " > 0", x + " BETWEEN 0 AND 1000000", x + " IS NOT NULL"}[g.intn(3)])
		case kStr:
			conds = append(conds, []string{x + " IS NOT NULL", x + " IN ('web', 'store', 'app')",
				x + " NOT LIKE 'test%'", x + " ILIKE '%a%'"}[g.intn(4)])
		case kTS:
			conds = append(conds, x+" >= DATEADD('year', -2, CURRENT_TIMESTAMP())")
		case kDate:
			conds = append(conds, x+" < CURRENT_DATE()")
		case kBool:
			conds = append(conds, "COALESCE("+x+", FALSE) = FALSE")
		}
	}
	if len(conds) == 2 && g.chance(30) {
		return "(" + conds[0] + " OR " + conds[1] + ")"
	}
	return strings.Join(conds, "\n  AND ")
}

func fromItem(vb *viewBuilder, b binding) string {
	return vb.ident(b.r.name) + " AS " + b.alias
}

func selectText(indent string, items []string) string {
	return indent + "SELECT\n" + indent + "    " + strings.Join(items, ",\n"+indent+"    ") + "\n"
}

func (vb *viewBuilder) finish(sc *scope) {
	vb.out = sc.out
}

func (vb *viewBuilder) selectShape(srcs []*rel) string {
	sc := newScope()
	a := vb.bind(srcs[0], "s")
	items := append([]string{vb.idItem(sc, a)}, vb.items(sc, []binding{a}, vb.g.width()-1)...)
	var sb strings.Builder
	sb.WriteString(selectText("", items))
	sb.WriteString("FROM " + fromItem(vb, a))
	if vb.g.chance(50) {
		if w := vb.filter(a); w != "" {
			sb.WriteString("\nWHERE " + w)
		}
	}
	vb.finish(sc)
	return sb.String()
}

var joinKinds = []string{"JOIN", "INNER JOIN", "LEFT JOIN", "LEFT OUTER JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL OUTER JOIN"}

// joins renders the FROM clause joining bs on ID.
func (vb *viewBuilder) joins(bs []binding) string {
	var sb strings.Builder
	sb.WriteString("FROM " + fromItem(vb, bs[0]))
	for i, b := range bs[1:] {
		jk := joinKinds[vb.g.intn(len(joinKinds))]
		sb.WriteString("\n" + jk + " " + fromItem(vb, b))
		if i == 0 && (jk == "JOIN" || jk == "LEFT JOIN") && vb.g.chance(20) {
			vb.ref(b, vb.id(b))
			vb.ref(bs[0], vb.id(bs[0]))
			sb.WriteString(" USING (" + vb.ident("ID") + ")")
			continue
		}
		sb.WriteString(" ON " + vb.ref(b, vb.id(b)) + " = " + vb.ref(bs[0], vb.id(bs[0])))
	}
	return sb.String()
}

var aliases = []string{"a", "b", "c", "d"}

func (vb *viewBuilder) bindAll(srcs []*rel) []binding {
	bs := make([]binding, len(srcs))
	for i, r := range srcs {
		bs[i] = vb.bind(r, aliases[i])
	}
	return bs
}

func (vb *viewBuilder) joinShape(srcs []*rel) string {
	sc := newScope()
	bs := vb.bindAll(srcs)
	items := append([]string{vb.idItem(sc, bs[0])}, vb.items(sc, bs, vb.g.width()-1)...)
	var sb strings.Builder
	sb.WriteString(selectText("", items))
	sb.WriteString(vb.joins(bs))
	if vb.g.chance(30) {
		if w := vb.filter(bs[0]); w != "" {
			sb.WriteString("\nWHERE " + w)
		}
	}
	vb.finish(sc)
	return sb.String()
}

// aggregate builds one aggregate expression over bs.
func (vb *viewBuilder) aggregate(bs []binding) (string, string, kind) {
	g := vb.g
	b, c := vb.pick(bs)
	x := vb.ref(b, c)
	s := stem(c.name)
	switch c.kind {
	case kInt, kDec:
		switch g.intn(4) {
		case 0:
			return "SUM(" + x + ")", "TOTAL_" + s, c.kind
		case 1:
			return "AVG(" + x + ")", "AVG_" + s, kDec
		case 2:
			return "MAX(" + x + ")", "MAX_" + s, c.kind
		default:
			return "MIN(" + x + ")", "MIN_" + s, c.kind
		}
	case kStr:
		switch g.intn(3) {
		case 0:
			return "COUNT(DISTINCT " + x + ")", "DISTINCT_" + s, kInt
		case 1:
			return "LISTAGG(DISTINCT " + x + ", ', ') WITHIN GROUP (ORDER BY " + x + ")", s + "_LIST", kStr
		default:
			return "ANY_VALUE(" + x + ")", s, kStr
		}
	case kTS, kDate:
		if g.chance(50) {
			return "MIN(" + x + ")", "FIRST_" + s, c.kind
		}
		return "MAX(" + x + ")", "LATEST_" + s, c.kind
	case kVariant:
		return "ARRAY_AGG(" + x + ")", s + "_LIST", kVariant
	default:
		if g.chance(50) {
			return "COUNT_IF(" + x + ")", "COUNT_" + s, kInt
		}
		return "BOOLOR_AGG(" + x + ")", "ANY_" + s, kBool
	}
}

func (vb *viewBuilder) aggregateShape(srcs []*rel) string {
	g := vb.g
	sc := newScope()
	bs := vb.bindAll(srcs)
	a := bs[0]
	sc.emit("ID", kInt)
	items := []string{"MIN(" + vb.ref(a, vb.id(a)) + ") AS " + vb.ident("ID")}
	var groups []string
	for range 1 + g.intn(2) {
		_, c, ok := vb.other([]binding{a}, kStr, kTS, kDate, kBool)
		if !ok || sc.used[c.name] {
			continue
		}
		x := vb.ref(a, c)
		if c.kind == kTS {
			x = "DATE_TRUNC('month', " + x + ")"
			name := sc.emit(stem(c.name)+"_MONTH", kTS)
			items = append(items, x+" AS "+vb.ident(name))
		} else {
			name := sc.emit(c.name, c.kind)
			items = append(items, x)
			if name != c.name {
				items[len(items)-1] += " AS " + vb.ident(name)
			}
		}
		groups = append(groups, x)
	}
	if len(groups) == 0 {
		// nothing to group on: one row per ID
		sc.out, sc.used = nil, map[string]bool{}
		sc.emit("ID", kInt)
		x := vb.ref(a, vb.id(a))
		items = []string{x}
		groups = []string{x}
	}
	if g.chance(50) {
		items = append(items, "COUNT(*) AS "+vb.ident(sc.emit("ROW_COUNT", kInt)))
	}
	for w := g.width(); len(sc.out) < w; {
		text, st, k := vb.aggregate(bs)
		items = append(items, text+" AS "+vb.ident(sc.emit(st, k)))
	}
	var sb strings.Builder
	sb.WriteString(selectText("", items))
	if len(bs) > 1 {
		sb.WriteString(vb.joins(bs))
	} else {
		sb.WriteString("FROM " + fromItem(vb, a))
	}
	if g.chance(30) {
		if w := vb.filter(a); w != "" {
			sb.WriteString("\nWHERE " + w)
		}
	}
	switch {
	case g.chance(40):
		sb.WriteString("\nGROUP BY ALL")
	case g.chance(50) && len(items) > len(groups):
		// group items follow MIN(ID) at positions 2.. (or 1 for the per-ID fallback)
		first := 2
		if !strings.HasPrefix(items[0], "MIN(") {
			first = 1
		}
		pos := make([]string, len(groups))
		for i := range groups {
			pos[i] = fmt.Sprint(first + i)
		}
		sb.WriteString("\nGROUP BY " + strings.Join(pos, ", "))
	default:
		sb.WriteString("\nGROUP BY " + strings.Join(groups, ", "))
	}
	if g.chance(25) {
		sb.WriteString("\nHAVING COUNT(*) > 1")
	}
	vb.finish(sc)
	return sb.String()
}

// windowItem builds one window expression over b.
func (vb *viewBuilder) windowItem(sc *scope, b binding) string {
	g := vb.g
	// columns are recorded as read only when the chosen function uses them
	p, hasPart := col{}, false
	if _, c, ok := vb.other([]binding{b}, kStr, kBool, kDate); ok {
		p, hasPart = c, true
	}
	o := vb.id(b)
	if _, c, ok := vb.other([]binding{b}, kTS, kDate); ok {
		o = c
	}
	part := func() string {
		if !hasPart {
			return ""
		}
		return "PARTITION BY " + vb.ref(b, p) + " "
	}
	order := func() string { return "ORDER BY " + vb.ref(b, o) }
	_, n, ok := vb.other([]binding{b}, kInt, kDec)
	if !ok || g.chance(15) {
		return "ROW_NUMBER() OVER (" + part() + order() + " DESC) AS " + vb.ident(sc.emit("ROW_NUM", kInt))
	}
	x := vb.ref(b, n)
	s := stem(n.name)
	switch g.intn(6) {
	case 0:
		return "SUM(" + x + ") OVER (" + part() + order() + " ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS " + vb.ident(sc.emit("RUNNING_"+s, n.kind))
	case 1:
		return "AVG(" + x + ") OVER (" + part() + order() + " ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS " + vb.ident(sc.emit(s+"_ROLLING_7", kDec))
	case 2:
		return "LAG(" + x + ", 1) OVER (" + part() + order() + ") AS " + vb.ident(sc.emit("PREV_"+s, n.kind))
	case 3:
		return "DIV0(" + x + ", SUM(" + x + ") OVER (" + strings.TrimSpace(part()) + ")) AS " + vb.ident(sc.emit(s+"_SHARE", kDec))
	case 4:
		return "DENSE_RANK() OVER (" + part() + "ORDER BY " + x + " DESC NULLS LAST) AS " + vb.ident(sc.emit("RANK_BY_"+s, kInt))
	default:
		return "FIRST_VALUE(" + x + ") OVER (" + part() + order() + " ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS " + vb.ident(sc.emit("FIRST_"+s, n.kind))
	}
}

// qualify builds a QUALIFY keeping the latest row per ID.
func (vb *viewBuilder) qualify(b binding) string {
	o := vb.id(b)
	if _, c, ok := vb.other([]binding{b}, kTS, kDate); ok {
		o = c
	}
	order := vb.ref(b, o)
	return "QUALIFY ROW_NUMBER() OVER (PARTITION BY " + vb.ref(b, vb.id(b)) + " ORDER BY " + order + " DESC) = 1"
}

func (vb *viewBuilder) windowShape(srcs []*rel) string {
	g := vb.g
	sc := newScope()
	a := vb.bind(srcs[0], "s")
	w := g.width()
	k := 1 + g.intn(3)
	items := append([]string{vb.idItem(sc, a)}, vb.items(sc, []binding{a}, max(1, w-1-k))...)
	for range k {
		items = append(items, vb.windowItem(sc, a))
	}
	var sb strings.Builder
	sb.WriteString(selectText("", items))
	sb.WriteString("FROM " + fromItem(vb, a))
	if g.chance(40) {
		sb.WriteString("\n" + vb.qualify(a))
	}
	vb.finish(sc)
	return sb.String()
}

func (vb *viewBuilder) cteShape(srcs []*rel) string {
	g := vb.g
	w := g.width()
	var sb strings.Builder

	// first CTE: clean the primary source
	base := newScope()
	a := vb.bind(srcs[0], "src")
	items := append([]string{vb.idItem(base, a)}, vb.items(base, []binding{a}, max(2, w-2))...)
	sb.WriteString("WITH cleaned AS (\n")
	sb.WriteString(selectText("    ", items))
	sb.WriteString("    FROM " + fromItem(vb, a))
	if g.chance(60) {
		if f := vb.filter(a); f != "" {
			sb.WriteString("\n    WHERE " + strings.ReplaceAll(f, "\n", "\n    "))
		}
	}
	sb.WriteString("\n)")
	cl := vb.local("CLEANED", base, "c")

	var cur binding
	if g.chance(60) {
		// second CTE: star over the first plus derived columns, deduplicated
		enr := newScope()
		for _, c := range cl.r.cols {
			enr.emit(c.name, c.kind)
		}
		vb.star(cl, nil)
		more := vb.items(enr, []binding{cl}, 1+g.intn(2))
		sb.WriteString(",\nenriched AS (\n")
		sb.WriteString(selectText("    ", append([]string{cl.alias + ".*"}, more...)))
		sb.WriteString("    FROM cleaned AS " + cl.alias)
		if g.chance(50) {
			sb.WriteString("\n    " + vb.qualify(cl))
		}
		sb.WriteString("\n)")
		cur = vb.local("ENRICHED", enr, "e")
		sb.WriteString("\n")
		bs := []binding{cur}
		from := "FROM enriched AS e"
		if len(srcs) > 1 {
			o := vb.bind(srcs[1], "o")
			bs = append(bs, o)
			from += "\nLEFT JOIN " + fromItem(vb, o) + " ON " + vb.ref(o, vb.id(o)) + " = " + vb.ref(cur, vb.id(cur))
		}
		sc := newScope()
		fin := append([]string{vb.idItem(sc, cur)}, vb.items(sc, bs, w-1)...)
		sb.WriteString(selectText("", fin))
		sb.WriteString(from)
		vb.finish(sc)
		return sb.String()
	}

	// otherwise: the CTE joined with an aggregated derived table
	sb.WriteString("\n")
	other := a
	if len(srcs) > 1 {
		other = vb.bind(srcs[1], "x")
	} else {
		other = binding{alias: "x", r: a.r}
	}
	agg := newScope()
	agg.emit("ID", kInt)
	dItems := []string{vb.ref(other, vb.id(other))}
	for range 1 + g.intn(3) {
		text, st, k := vb.aggregate([]binding{other})
		dItems = append(dItems, text+" AS "+vb.ident(agg.emit(st, k)))
	}
	var dsb strings.Builder
	dsb.WriteString("(\n")
	dsb.WriteString(selectText("    ", dItems))
	dsb.WriteString("    FROM " + fromItem(vb, other) + "\n    GROUP BY " + vb.ref(other, vb.id(other)) + "\n) AS agg")
	d := vb.local("AGG", agg, "agg")
	sc := newScope()
	fin := append([]string{vb.idItem(sc, cl)}, vb.items(sc, []binding{cl, d}, w-1)...)
	sb.WriteString(selectText("", fin))
	sb.WriteString("FROM cleaned AS c\nLEFT JOIN " + dsb.String() + " ON " + vb.ref(d, vb.id(d)) + " = " + vb.ref(cl, vb.id(cl)))
	vb.finish(sc)
	return sb.String()
}

func (vb *viewBuilder) starShape(srcs []*rel) string {
	g := vb.g
	sc := newScope()
	a := vb.bind(srcs[0], "s")
	nonID := a.r.byKindAll()
	var sb strings.Builder

	if len(srcs) > 1 {
		// s.* EXCLUDE (...) plus columns of a joined relation
		b := vb.bind(srcs[1], "j")
		skip := map[string]bool{}
		var ex []string
		if len(nonID) > 3 {
			for _, c := range nonID[:1+g.intn(2)] {
				skip[c.name] = true
				ex = append(ex, vb.bare(a, c))
			}
		}
		for _, c := range a.r.cols {
			if !skip[c.name] {
				sc.emit(c.name, c.kind)
			}
		}
		vb.star(a, skip)
		head := "s.*"
		if len(ex) > 0 {
			head += " EXCLUDE (" + strings.Join(ex, ", ") + ")"
		}
		items := append([]string{head}, vb.items(sc, []binding{b}, 1+g.intn(3))...)
		sb.WriteString(selectText("", items))
		sb.WriteString("FROM " + fromItem(vb, a) + "\nLEFT JOIN " + fromItem(vb, b) + " ON " + vb.ref(b, vb.id(b)) + " = " + vb.ref(a, vb.id(a)))
		vb.finish(sc)
		return sb.String()
	}

	mode := g.intn(4)
	if len(nonID) < 3 {
		mode = 3
	}
	switch mode {
	case 0: // * EXCLUDE
		skip := map[string]bool{}
		var ex []string
		for _, i := range g.rng.Perm(len(nonID))[:1+g.intn(2)] {
			c := nonID[i]
			skip[c.name] = true
			ex = append(ex, vb.bare(a, c))
		}
		for _, c := range a.r.cols {
			if !skip[c.name] {
				sc.emit(c.name, c.kind)
			}
		}
		vb.star(a, skip)
		sb.WriteString("SELECT * EXCLUDE (" + strings.Join(ex, ", ") + ")\nFROM " + fromItem(vb, a))
	case 1: // * RENAME
		c := nonID[g.intn(len(nonID))]
		taken := map[string]bool{}
		for _, x := range a.r.cols {
			taken[x.name] = true
		}
		newName := uniqueName(stem(c.name)+"_SRC", taken)
		for _, x := range a.r.cols {
			if x.name == c.name {
				sc.emit(newName, x.kind)
			} else {
				sc.emit(x.name, x.kind)
			}
		}
		vb.star(a, map[string]bool{c.name: true})
		sb.WriteString("SELECT * RENAME (" + vb.bare(a, c) + " AS " + vb.ident(newName) + ")\nFROM " + fromItem(vb, a))
	case 2: // * REPLACE
		c := nonID[g.intn(len(nonID))]
		var repl string
		switch c.kind {
		case kStr:
			repl = "UPPER(" + vb.bare(a, c) + ")"
		case kInt, kDec:
			repl = "COALESCE(" + vb.bare(a, c) + ", 0)"
		case kTS:
			repl = "DATE_TRUNC('day', " + vb.bare(a, c) + ")"
		case kDate:
			repl = "DATEADD('day', 0, " + vb.bare(a, c) + ")"
		case kVariant:
			repl = "STRIP_NULL_VALUE(" + vb.bare(a, c) + ")"
		default:
			repl = "COALESCE(" + vb.bare(a, c) + ", FALSE)"
		}
		for _, x := range a.r.cols {
			sc.emit(x.name, x.kind)
		}
		vb.star(a, map[string]bool{c.name: true})
		sb.WriteString("SELECT * REPLACE (" + repl + " AS " + vb.ident(c.name) + ")\nFROM " + fromItem(vb, a))
	default: // s.*, extra columns
		for _, x := range a.r.cols {
			sc.emit(x.name, x.kind)
		}
		vb.star(a, nil)
		items := append([]string{"s.*"}, vb.items(sc, []binding{a}, 1+g.intn(3))...)
		sb.WriteString(selectText("", items))
		sb.WriteString("FROM " + fromItem(vb, a))
		if g.chance(40) {
			if w := vb.filter(a); w != "" {
				sb.WriteString("\nWHERE " + w)
			}
		}
	}
	vb.finish(sc)
	return sb.String()
}

// byKindAll returns every non-ID column of r.
func (r *rel) byKindAll() []col {
	var out []col
	for _, c := range r.cols {
		if c.name != "ID" {
			out = append(out, c)
		}
	}
	return out
}

func (vb *viewBuilder) unionShape(srcs []*rel) string {
	g := vb.g
	sc := newScope()
	a := vb.bind(srcs[0], "a")
	b := vb.bind(srcs[1], "b")
	m := min(g.width(), len(a.r.cols))
	first := []string{vb.idItem(sc, a)}
	second := []string{vb.ref(b, vb.id(b)) + " AS " + vb.ident("ID")}
	usedB := map[string]bool{"ID": true}
	for _, c := range a.r.byKindAll()[:m-1] {
		sc.emit(c.name, c.kind)
		first = append(first, vb.ref(a, c))
		var pick *col
		for _, oc := range b.r.byKind(c.kind) {
			if !usedB[oc.name] {
				pick = &oc
				break
			}
		}
		if pick == nil {
			second = append(second, "CAST(NULL AS "+kindType[c.kind]+") AS "+vb.ident(c.name))
			continue
		}
		usedB[pick.name] = true
		second = append(second, vb.ref(b, *pick)+" AS "+vb.ident(c.name))
	}
	if g.chance(50) {
		name := sc.emit("RECORD_SOURCE", kStr)
		first = append(first, "'"+strings.ToLower(a.r.name)+"' AS "+vb.ident(name))
		second = append(second, "'"+strings.ToLower(b.r.name)+"' AS "+vb.ident(name))
	}
	op := "UNION ALL"
	switch n := g.intn(10); {
	case n < 3:
		op = "UNION ALL BY NAME"
		g.rng.Shuffle(len(second), func(i, j int) { second[i], second[j] = second[j], second[i] })
	case n < 4:
		op = "UNION"
	}
	var sb strings.Builder
	sb.WriteString(selectText("", first))
	sb.WriteString("FROM " + fromItem(vb, a) + "\n" + op + "\n")
	sb.WriteString(selectText("", second))
	sb.WriteString("FROM " + fromItem(vb, b))
	vb.finish(sc)
	return sb.String()
}

// variantPath is a semi-structured access into a VARIANT column.
type variantPath struct {
	path string // appended to the column: ":a.b", ":items[0].sku", "['k']"
	cast string
	name string
	kind kind
}

var variantPaths = []variantPath{
	{":items[0].sku", "STRING", "FIRST_SKU", kStr},
	{":items[0].qty", "NUMBER", "FIRST_QTY", kInt},
	{":customer.id", "NUMBER", "CUSTOMER_REF", kInt},
	{":device.type", "STRING", "DEVICE", kStr},
	{":geo.country", "VARCHAR", "GEO_COUNTRY", kStr},
	{`:"utm_source"`, "STRING", "UTM_SOURCE", kStr},
	{":amount", "NUMBER(18,2)", "AMOUNT_RAW", kDec},
	{":ts", "TIMESTAMP_NTZ", "EVENT_TS", kTS},
	{"['price']", "FLOAT", "PRICE_RAW", kDec},
}

// elementPaths are read from the VALUE of a flattened array element.
var elementPaths = []variantPath{
	{":sku", "STRING", "ITEM_SKU", kStr},
	{":qty", "NUMBER", "ITEM_QTY", kInt},
	{"['price']", "NUMBER(18,2)", "ITEM_PRICE", kDec},
	{":attributes.color", "STRING", "ITEM_COLOR", kStr},
}

// flattenShape explodes an array inside a VARIANT column of the source: one
// row per element, element fields read from the flattened VALUE.
func (vb *viewBuilder) flattenShape(srcs []*rel) string {
	g := vb.g
	sc := newScope()
	a := vb.bind(srcs[0], "s")
	vs := a.r.byKind(kVariant)
	v := vs[g.intn(len(vs))]
	input := vb.ref(a, v) + ":items"
	items := []string{vb.idItem(sc, a), "f.INDEX AS " + vb.ident(sc.emit("ITEM_INDEX", kInt))}
	for _, i := range g.rng.Perm(len(elementPaths))[:2+g.intn(len(elementPaths)-1)] {
		ep := elementPaths[i]
		vb.refs = append(vb.refs, Ref{Relation: a.r.name, Column: v.name})
		items = append(items, "f.VALUE"+ep.path+"::"+ep.cast+" AS "+vb.ident(sc.emit(ep.name, ep.kind)))
	}
	items = append(items, vb.items(sc, []binding{a}, max(1, g.width()-len(items)))...)
	var sb strings.Builder
	sb.WriteString(selectText("", items))
	sb.WriteString("FROM " + fromItem(vb, a) + ",\n")
	if g.chance(50) {
		sb.WriteString("    LATERAL FLATTEN(input => " + input + ", outer => TRUE) AS f")
	} else {
		sb.WriteString("    TABLE(FLATTEN(input => " + input + ")) AS f")
	}
	vb.finish(sc)
	return sb.String()
}
