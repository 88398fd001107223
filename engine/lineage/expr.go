package lineage

import (
	"strings"

	"github.com/tributary-lineage/tributary/engine/sql"
)

// walk appends to out the lineage of expression e evaluated in sc, used with
// kind k (kIdentity at the top of a select item) and masked when mask.
func (a *analyzer) walk(sc *scope, e sql.Expr, k kind, mask bool, out *lbuf) {
	t := compose(k, kTransformation)
	switch x := e.(type) {
	case nil:
	case *sql.ColumnRef:
		out.add(a.resolveColumn(sc, x), k, mask)
	case *sql.PositionalRef:
		out.add(a.resolvePositional(sc, x), k, mask)
	case *sql.Literal, *sql.TypedLiteral, *sql.Variable, *sql.KeywordExpr, *sql.DatePart:
	case *sql.Star:
		// A star inside a function call (OBJECT_CONSTRUCT(*), HASH(*)):
		// every column of the sources it covers.
		for _, s := range sc.sources {
			if x.Qualifier != nil && !s.matches(normParts(x.Qualifier)) {
				continue
			}
			for _, c := range s.rel.cols {
				out.add(c.lin, k, mask)
			}
			if s.rel.open != nil {
				a.warn(x.Pos, "* over %s: columns unknown", s.rel.desc)
			}
		}
	case *sql.CastExpr:
		a.walk(sc, x.X, t, mask, out)
	case *sql.CollateExpr:
		a.walk(sc, x.X, t, mask, out)
	case *sql.FuncCall:
		a.walkFunc(sc, x, k, mask, out)
	case *sql.CaseExpr:
		c := compose(k, kConditional)
		a.walk(sc, x.Operand, c, mask, out)
		for _, w := range x.Whens {
			a.walk(sc, w.Cond, c, mask, out)
			a.walk(sc, w.Result, t, mask, out)
		}
		a.walk(sc, x.Else, t, mask, out)
	case *sql.SubqueryExpr:
		if x.Kind == "EXISTS" {
			// EXISTS is true or false by the rows its conditions select: the
			// columns of those conditions (also statement-level inputs) are
			// CONDITIONAL inputs of the expression.
			saved := a.capture
			got := &capture{}
			a.capture = got
			a.buildQuery(x.Query, sc)
			a.capture = saved
			if saved != nil {
				saved.nodes = append(saved.nodes, got.nodes...)
				saved.edges = append(saved.edges, got.edges...)
			}
			c := compose(k, kConditional)
			for _, l := range got.nodes {
				out.add(l, c, mask)
			}
			for _, e := range got.edges {
				out.leaves = append(out.leaves, edge{col: e.col, k: c, mask: mask})
			}
			return
		}
		r := a.buildSubquery(x.Query, sc)
		switch x.Kind {
		case "SCALAR":
			if len(r.cols) > 0 {
				out.add(r.cols[0].lin, k, mask)
			}
		default:
			if len(r.cols) > 0 {
				out.add(r.cols[0].lin, t, mask)
			}
		}
	case *sql.InExpr:
		a.walk(sc, x.X, t, mask, out)
		for _, v := range x.List {
			a.walk(sc, v, t, mask, out)
		}
		if x.Query != nil {
			r := a.buildSubquery(x.Query, sc)
			for _, c := range r.cols {
				out.add(c.lin, t, mask)
			}
		}
	case *sql.Lambda:
		n := len(a.lambdas)
		for _, p := range x.Params {
			a.lambdas = append(a.lambdas, p.Name.Normalized())
		}
		a.walk(sc, x.Body, t, mask, out)
		a.lambdas = a.lambdas[:n]
	case *sql.NamedArg:
		a.walk(sc, x.Value, k, mask, out)
	default:
		// Operators, predicates, paths, constructors: every operand is
		// transformed into the result.
		sql.Inspect(e, func(n sql.Node) bool {
			if n == sql.Node(e) {
				return true
			}
			if sub, ok := n.(sql.Expr); ok {
				a.walk(sc, sub, t, mask, out)
				return false
			}
			return true
		})
	}
}

// walkFunc handles a function call: aggregates, conditional functions,
// masking functions and window specifications.
func (a *analyzer) walkFunc(sc *scope, f *sql.FuncCall, k kind, mask bool, out *lbuf) {
	name := f.FuncName()
	t := compose(k, kTransformation)
	if maskingFuncs[name] {
		mask = true
	}
	if aggregateFuncs[name] {
		t = compose(k, kAggregation)
	}
	c := compose(k, kConditional)
	args := f.Args
	if name == "COUNT" && len(args) == 1 {
		if _, ok := args[0].(*sql.Star); ok {
			args = nil
		}
	}
	// both walks an argument once and uses it as a value (t) and as a
	// condition (c): walk(e, k) is walk(e, IDENTITY) composed with k, as
	// compose is associative with IDENTITY as its unit. Walking twice would
	// be exponential in nested COALESCEs.
	both := func(arg sql.Expr) {
		var buf lbuf
		a.walk(sc, arg, kIdentity, mask, &buf)
		l := buf.node()
		out.add(l, t, false)
		out.add(l, c, false)
	}
	switch name {
	case "COALESCE", "NVL", "IFNULL", "ZEROIFNULL", "NULLIFZERO":
		for _, arg := range args {
			both(arg)
		}
	case "NULLIF":
		for i, arg := range args {
			if i == 0 {
				both(arg)
			} else {
				a.walk(sc, arg, c, mask, out)
			}
		}
	case "NVL2":
		for i, arg := range args {
			if i == 0 {
				a.walk(sc, arg, c, mask, out)
			} else {
				a.walk(sc, arg, t, mask, out)
			}
		}
	case "IFF", "IF":
		for i, arg := range args {
			if i == 0 {
				a.walk(sc, arg, c, mask, out)
			} else {
				a.walk(sc, arg, t, mask, out)
			}
		}
	case "DECODE":
		// DECODE(expr, search1, result1, ..., [default])
		for i, arg := range args {
			isResult := i > 0 && (i%2 == 0 || i == len(args)-1 && len(args)%2 == 0)
			if isResult {
				a.walk(sc, arg, t, mask, out)
			} else {
				a.walk(sc, arg, c, mask, out)
			}
		}
	default:
		for _, arg := range args {
			a.walk(sc, arg, t, mask, out)
		}
	}
	if f.Filter != nil {
		a.walk(sc, f.Filter, c, mask, out)
	}
	for _, o := range f.WithinGroup {
		a.walk(sc, o.Expr, compose(k, kSort), mask, out)
	}
	if f.Over != nil {
		w := compose(k, kWindow)
		for _, p := range f.Over.PartitionBy {
			a.walk(sc, p, w, mask, out)
		}
		for _, o := range f.Over.OrderBy {
			a.walk(sc, o.Expr, w, mask, out)
		}
	}
}

// hasAggregate reports whether e calls an aggregate function outside a
// window (for GROUP BY ALL).
func hasAggregate(e sql.Expr) bool {
	found := false
	sql.Inspect(e, func(n sql.Node) bool {
		if found {
			return false
		}
		switch x := n.(type) {
		case *sql.SubqueryExpr:
			return false
		case *sql.FuncCall:
			if x.Over == nil && aggregateFuncs[x.FuncName()] {
				found = true
				return false
			}
		}
		return true
	})
	return found
}

// aggregateFuncs are Snowflake's aggregate functions (also usable as window
// functions, where their arguments are still aggregated).
var aggregateFuncs = setOf(
	"ANY_VALUE", "APPROX_COUNT_DISTINCT", "APPROXIMATE_COUNT_DISTINCT", "APPROX_PERCENTILE",
	"APPROX_PERCENTILE_ACCUMULATE", "APPROX_PERCENTILE_COMBINE", "APPROX_TOP_K", "APPROX_TOP_K_ACCUMULATE",
	"APPROX_TOP_K_COMBINE", "ARRAY_AGG", "ARRAY_UNION_AGG", "ARRAY_UNIQUE_AGG", "AVG", "BITAND_AGG",
	"BITOR_AGG", "BITXOR_AGG", "BIT_AND", "BIT_OR", "BIT_XOR", "BOOLAND_AGG", "BOOLOR_AGG", "BOOLXOR_AGG",
	"CORR", "COUNT", "COUNT_IF", "COVAR_POP", "COVAR_SAMP", "GROUPING", "GROUPING_ID", "HASH_AGG", "HLL",
	"HLL_ACCUMULATE", "HLL_COMBINE", "KURTOSIS", "LISTAGG", "MAX", "MAX_BY", "MEDIAN", "MIN", "MIN_BY",
	"MINHASH", "MINHASH_COMBINE", "MODE", "OBJECT_AGG", "PERCENTILE_CONT", "PERCENTILE_DISC",
	"REGR_AVGX", "REGR_AVGY", "REGR_COUNT", "REGR_INTERCEPT", "REGR_R2", "REGR_SLOPE", "REGR_SXX",
	"REGR_SXY", "REGR_SYY", "SKEW", "STDDEV", "STDDEV_POP", "STDDEV_SAMP", "SUM", "VAR_POP", "VAR_SAMP",
	"VARIANCE", "VARIANCE_POP", "VARIANCE_SAMP", "STRING_AGG", "GROUP_CONCAT", "COLLECT_LIST", "COLLECT_SET",
	"BOOL_AND", "BOOL_OR", "EVERY",
)

// maskingFuncs hide the value they are given: hashes, encryption, and
// counts (which expose how many values there are, never a value; OpenLineage
// flags COUNT as masking too).
var maskingFuncs = setOf(
	"COUNT", "COUNT_IF", "APPROX_COUNT_DISTINCT", "APPROXIMATE_COUNT_DISTINCT", "HLL", "REGR_COUNT",
	"SHA1", "SHA1_HEX", "SHA1_BINARY", "SHA2", "SHA2_HEX", "SHA2_BINARY", "MD5", "MD5_HEX", "MD5_BINARY",
	"MD5_NUMBER_LOWER64", "MD5_NUMBER_UPPER64", "HASH", "HASH_AGG", "ENCRYPT", "ENCRYPT_RAW",
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// exprText prints an expression roughly the way Snowflake names an
// unaliased select item (upper-case text); "" when it has no simple form.
func exprText(e sql.Expr) string {
	var b strings.Builder
	if !writeExpr(&b, e) {
		return ""
	}
	return b.String()
}

func writeExpr(b *strings.Builder, e sql.Expr) bool {
	switch x := e.(type) {
	case *sql.ColumnRef:
		for i, p := range x.Parts {
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(p.Normalized())
		}
	case *sql.Literal:
		b.WriteString(strings.ToUpper(x.Raw))
	case *sql.PositionalRef:
		b.WriteString("$")
		b.WriteString(itoa(x.Index))
	case *sql.CastExpr:
		if !writeExpr(b, x.X) {
			return false
		}
		b.WriteString("::")
		if x.Type != nil {
			b.WriteString(x.Type.Name)
		}
	case *sql.PathExpr:
		if !writeExpr(b, x.X) {
			return false
		}
		for i, s := range x.Steps {
			switch {
			case s.Index != nil:
				b.WriteByte('[')
				if !writeExpr(b, s.Index) {
					return false
				}
				b.WriteByte(']')
			case i == 0:
				b.WriteByte(':')
				b.WriteString(s.Field.Normalized())
			default:
				b.WriteByte('.')
				b.WriteString(s.Field.Normalized())
			}
		}
	case *sql.FuncCall:
		b.WriteString(x.Name.Normalized())
		if x.NoParens {
			return true
		}
		b.WriteByte('(')
		for i, arg := range x.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			if _, ok := arg.(*sql.Star); ok {
				b.WriteByte('*')
				continue
			}
			if !writeExpr(b, arg) {
				return false
			}
		}
		b.WriteByte(')')
		if x.Over != nil {
			return false
		}
	case *sql.BinaryExpr:
		if !writeExpr(b, x.L) {
			return false
		}
		b.WriteString(" " + x.Op + " ")
		return writeExpr(b, x.R)
	case *sql.UnaryExpr:
		b.WriteString(x.Op)
		if len(x.Op) > 1 {
			b.WriteByte(' ')
		}
		return writeExpr(b, x.X)
	default:
		return false
	}
	return true
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}
