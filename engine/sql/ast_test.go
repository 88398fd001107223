package sql

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Helpers to write expected trees compactly. Positions are ignored by
// ignorePos; position tests live in errors_test.go and fuzz_test.go.

var ignorePos = cmpopts.IgnoreTypes(Pos{})

func id(name string) Ident   { return Ident{Name: name} }
func qid(name string) Ident  { return Ident{Name: name, Quoted: true} }
func idp(name string) *Ident { i := id(name); return &i }
func col(parts ...string) *ColumnRef {
	c := &ColumnRef{}
	for _, p := range parts {
		c.Parts = append(c.Parts, id(p))
	}
	return c
}
func num(s string) *Literal { return &Literal{Kind: LitNumber, Value: s, Raw: s} }
func str(s string) *Literal { return &Literal{Kind: LitString, Value: s, Raw: "'" + s + "'"} }
func bin(op string, l, r Expr) *BinaryExpr {
	return &BinaryExpr{Op: op, L: l, R: r}
}
func oname(parts ...string) ObjectName {
	n := ObjectName{}
	for _, p := range parts {
		n.Parts = append(n.Parts, id(p))
	}
	return n
}
func call(name string, args ...Expr) *FuncCall {
	if args == nil {
		args = []Expr{}
	}
	return &FuncCall{Name: oname(name), Args: args}
}
func item(e Expr, alias string) *SelectItem {
	it := &SelectItem{Expr: e}
	if alias != "" {
		it.Alias = idp(alias)
	}
	return it
}
func table(name ...string) *TableName { return &TableName{Name: oname(name...)} }

// mustStmt parses src, which must hold exactly one statement.
func mustStmt(t *testing.T, src string) Stmt {
	t.Helper()
	res := ParseScript(src)
	if len(res) != 1 {
		t.Fatalf("got %d statements, want 1", len(res))
	}
	if res[0].Err != nil {
		t.Fatalf("parse %q: %v", src, res[0].Err)
	}
	return res[0].Stmt
}

// mustSelect parses a query statement whose body is a plain SELECT.
func mustSelect(t *testing.T, src string) *Select {
	t.Helper()
	qs, ok := mustStmt(t, src).(*QueryStmt)
	if !ok {
		t.Fatalf("not a query statement")
	}
	s, ok := qs.Query.Body.(*Select)
	if !ok {
		t.Fatalf("body is %T, want *Select", qs.Query.Body)
	}
	return s
}

func mustExpr(t *testing.T, src string) Expr {
	t.Helper()
	e, err := ParseExpr(src)
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	return e
}

func TestExprShapes(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want Expr
	}{
		{"and binds tighter than or", "a OR b AND c",
			bin("OR", col("a"), bin("AND", col("b"), col("c")))},
		{"not binds looser than comparison", "NOT a = b AND c",
			bin("AND", &UnaryExpr{Op: "NOT", X: bin("=", col("a"), col("b"))}, col("c"))},
		{"arithmetic", "a + b * c - d / e % f",
			bin("-", bin("+", col("a"), bin("*", col("b"), col("c"))), bin("%", bin("/", col("d"), col("e")), col("f")))},
		{"concat below additive", "a || b + c",
			bin("||", col("a"), bin("+", col("b"), col("c")))},
		{"comparison above concat", "a || b = c",
			bin("=", bin("||", col("a"), col("b")), col("c"))},
		{"unary minus and cast", "-a::int * 2",
			bin("*", &UnaryExpr{Op: "-", X: &CastExpr{X: col("a"), Type: &DataType{Name: "INT"}, Colons: true}}, num("2"))},
		{"<> is !=", "a <> b", bin("!=", col("a"), col("b"))},
		{"is null / is not distinct", "a IS NOT NULL AND b IS NOT DISTINCT FROM c",
			bin("AND", &IsNullExpr{X: col("a"), Not: true}, &IsDistinctExpr{X: col("b"), Y: col("c"), Not: true})},
		{"between binds its and", "a NOT BETWEEN 1 AND 5 AND b",
			bin("AND", &BetweenExpr{X: col("a"), Lo: num("1"), Hi: num("5"), Not: true}, col("b"))},
		{"in list", "a NOT IN (1, 2)", &InExpr{X: col("a"), Not: true, List: []Expr{num("1"), num("2")}}},
		{"ilike any with escape", `a ILIKE ANY ('x%', 'y%') ESCAPE '\\'`,
			&LikeExpr{X: col("a"), Op: "ILIKE", Quantifier: "ANY", Patterns: []Expr{str("x%"), str("y%")},
				Escape: &Literal{Kind: LitString, Value: `\`, Raw: `'\\'`}}},
		{"not rlike", "a NOT RLIKE '^x'", &LikeExpr{X: col("a"), Not: true, Op: "RLIKE", Patterns: []Expr{str("^x")}}},
		{"path colon dot index cast", `v:a.b[0]:"c"::string`,
			&CastExpr{Colons: true, Type: &DataType{Name: "STRING"}, X: &PathExpr{X: col("v"), Steps: []*PathStep{
				{Field: id("a")}, {Field: id("b")}, {Index: num("0")}, {Field: qid("c")}}}}},
		{"qualified column then path", "t.v:a",
			&PathExpr{X: col("t", "v"), Steps: []*PathStep{{Field: id("a")}}}},
		{"bracket keys", "v['a']['b']",
			&PathExpr{X: col("v"), Steps: []*PathStep{{Index: str("a")}, {Index: str("b")}}}},
		{"path on function result", "PARSE_JSON(s):id::int",
			&CastExpr{Colons: true, Type: &DataType{Name: "INT"}, X: &PathExpr{X: call("PARSE_JSON", col("s")), Steps: []*PathStep{{Field: id("id")}}}}},
		{"positional with path", "$1:a",
			&PathExpr{X: &PositionalRef{Index: 1}, Steps: []*PathStep{{Field: id("a")}}}},
		{"qualified positional", "v.$3", &PositionalRef{Qualifier: []Ident{id("v")}, Index: 3}},
		{"four-part column", "db.sch.tbl.col", col("db", "sch", "tbl", "col")},
		{"parameterised cast", "CAST(a AS NUMBER(10, 2))",
			&CastExpr{X: col("a"), Type: &DataType{Name: "NUMBER", Args: []string{"10", "2"}}}},
		{"try_cast", "TRY_CAST(a AS INTEGER)", &CastExpr{X: col("a"), Try: true, Type: &DataType{Name: "INTEGER"}}},
		{"typed literals", "DATE '2024-01-01' + INTERVAL '1 day'",
			bin("+", &TypedLiteral{Type: "DATE", Value: "2024-01-01"}, &TypedLiteral{Type: "INTERVAL", Value: "1 day"})},
		{"interval with qualifier", "d + INTERVAL '1' DAY - INTERVAL '1-6' year to month",
			bin("-", bin("+", col("d"), &TypedLiteral{Type: "INTERVAL", Value: "1", Qualifier: "DAY"}), &TypedLiteral{Type: "INTERVAL", Value: "1-6", Qualifier: "YEAR TO MONTH"})},
		{"cast to an interval type", "CAST(a AS INTERVAL DAY TO SECOND)", &CastExpr{X: col("a"), Type: &DataType{Name: "INTERVAL DAY TO SECOND"}}},
		{"string escapes", `'it''s \' \\ \n'`, &Literal{Kind: LitString, Value: "it's ' \\ \n", Raw: `'it''s \' \\ \n'`}},
		{"dollar string", "$$a'b$$", &Literal{Kind: LitString, Value: "a'b", Raw: "$$a'b$$"}},
		{"hex", "X'4F6B'", &Literal{Kind: LitBinary, Value: "4F6B", Raw: "X'4F6B'"}},
		{"scientific", "1.5E-3", num("1.5E-3")},
		{"simple case", "CASE a WHEN 1 THEN 'x' ELSE 'y' END",
			&CaseExpr{Operand: col("a"), Whens: []*When{{Cond: num("1"), Result: str("x")}}, Else: str("y")}},
		{"untyped lambda", "FILTER(arr, a -> a > 0)",
			call("FILTER", col("arr"), &Lambda{Params: []*LambdaParam{{Name: id("a")}}, Body: bin(">", col("a"), num("0"))})},
		{"typed lambda", "TRANSFORM(arr, a INT -> a * 2)",
			call("TRANSFORM", col("arr"), &Lambda{Params: []*LambdaParam{{Name: id("a"), Type: &DataType{Name: "INT"}}}, Body: bin("*", col("a"), num("2"))})},
		{"multi-param lambda", "REDUCE(arr, 0, (acc, x) -> acc + x)",
			call("REDUCE", col("arr"), num("0"), &Lambda{Params: []*LambdaParam{{Name: id("acc")}, {Name: id("x")}}, Body: bin("+", col("acc"), col("x"))})},
		{"named args", "FLATTEN(input => t.v, outer => TRUE)",
			call("FLATTEN", &NamedArg{Name: id("input"), Value: col("t", "v")}, &NamedArg{Name: id("outer"), Value: &Literal{Kind: LitBool, Value: "TRUE", Raw: "TRUE"}})},
		{"count star and distinct", "COUNT(*) + COUNT(DISTINCT a, b)",
			bin("+", call("COUNT", &Star{}), &FuncCall{Name: oname("COUNT"), Distinct: true, Args: []Expr{col("a"), col("b")}})},
		{"qualified star arg", "COUNT(dn.*)", call("COUNT", &Star{Qualifier: []Ident{id("dn")}})},
		{"ignore nulls after call with frame", "FIRST_VALUE(a) IGNORE NULLS OVER (PARTITION BY b ORDER BY c DESC NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND 1 FOLLOWING)",
			&FuncCall{Name: oname("FIRST_VALUE"), Args: []Expr{col("a")}, Nulls: "IGNORE", Over: &WindowSpec{
				PartitionBy: []Expr{col("b")}, OrderBy: []*OrderItem{{Expr: col("c"), Desc: true, Nulls: "LAST"}},
				Frame: &WindowFrame{Unit: "ROWS", Start: &FrameBound{Kind: "UNBOUNDED PRECEDING"}, End: &FrameBound{Kind: "FOLLOWING", Offset: num("1")}}}}},
		{"respect nulls inside", "LAG(a RESPECT NULLS) OVER ()",
			&FuncCall{Name: oname("LAG"), Args: []Expr{col("a")}, Nulls: "RESPECT", Over: &WindowSpec{}}},
		{"within group", "LISTAGG(DISTINCT a, ',') WITHIN GROUP (ORDER BY a)",
			&FuncCall{Name: oname("LISTAGG"), Distinct: true, Args: []Expr{col("a"), str(",")}, WithinGroup: []*OrderItem{{Expr: col("a")}}}},
		{"filter clause", "COUNT(*) FILTER (WHERE s = 'p')",
			&FuncCall{Name: oname("COUNT"), Args: []Expr{&Star{}}, Filter: bin("=", col("s"), str("p"))}},
		{"extract", "EXTRACT(year FROM d)", &ExtractExpr{Part: "year", X: col("d")}},
		{"position in", "POSITION('x' IN s)", call("POSITION", str("x"), col("s"))},
		{"substring from for", "SUBSTRING(s FROM 2 FOR 3)", call("SUBSTRING", col("s"), num("2"), num("3"))},
		{"date part argument", "DATEADD(day, -1, CURRENT_DATE)",
			call("DATEADD", &DatePart{Name: "day"}, &UnaryExpr{Op: "-", X: num("1")}, &FuncCall{Name: oname("CURRENT_DATE"), NoParens: true})},
		{"date part is not a column", "DATEDIFF('day', a, b)", call("DATEDIFF", str("day"), col("a"), col("b"))},
		{"array and object constants", "[1, x] || {'k': v}",
			bin("||", &ArrayLit{Elems: []Expr{num("1"), col("x")}}, &ObjectLit{Fields: []*ObjectField{{Key: str("k"), Value: col("v")}}})},
		{"collate", "UPPER(n) COLLATE 'en-ci' = 'X'",
			bin("=", &CollateExpr{X: call("UPPER", col("n")), Collation: "en-ci"}, str("X"))},
		{"variables", "$v + ? + :name", bin("+", bin("+", &Variable{Kind: '$', Name: "v"}, &Variable{Kind: '?'}), &Variable{Kind: ':', Name: "name"})},
		{"prior and connect_by_root", "parent = PRIOR id",
			bin("=", col("parent"), &UnaryExpr{Op: "PRIOR", X: col("id")})},
		{"tuple in", "(a, b) IN ((1, 2))",
			&InExpr{X: &TupleExpr{Elems: []Expr{col("a"), col("b")}}, List: []Expr{&TupleExpr{Elems: []Expr{num("1"), num("2")}}}}},
		{"quantified subquery", "a > ALL (SELECT b FROM u)",
			bin(">", col("a"), &SubqueryExpr{Kind: "ALL", Query: &Query{Body: &Select{Items: []*SelectItem{item(col("b"), "")}, From: []TableExpr{table("u")}}}})},
		{"exists", "NOT EXISTS (SELECT 1)",
			&UnaryExpr{Op: "NOT", X: &SubqueryExpr{Kind: "EXISTS", Query: &Query{Body: &Select{Items: []*SelectItem{item(num("1"), "")}}}}}},
		{"keywords as columns", "first + last + value + level + date + timestamp",
			bin("+", bin("+", bin("+", bin("+", bin("+", col("first"), col("last")), col("value")), col("level")), col("date")), col("timestamp"))},
		{"nth_value from last", "NTH_VALUE(a, 2) FROM LAST IGNORE NULLS OVER (ORDER BY b)",
			&FuncCall{Name: oname("NTH_VALUE"), Args: []Expr{col("a"), num("2")}, FromEnd: "LAST", Nulls: "IGNORE",
				Over: &WindowSpec{OrderBy: []*OrderItem{{Expr: col("b")}}}}},
		{"single frame bound", "SUM(a) OVER (ORDER BY b RANGE UNBOUNDED PRECEDING)",
			&FuncCall{Name: oname("SUM"), Args: []Expr{col("a")}, Over: &WindowSpec{OrderBy: []*OrderItem{{Expr: col("b")}},
				Frame: &WindowFrame{Unit: "RANGE", Start: &FrameBound{Kind: "UNBOUNDED PRECEDING"}}}}},
		{"structured type cast", "CAST(a AS ARRAY(NUMBER(10, 2)))",
			&CastExpr{X: col("a"), Type: &DataType{Name: "ARRAY", Args: []string{"NUMBER(10, 2)"}}}},
		{"double precision", "a::DOUBLE PRECISION", &CastExpr{X: col("a"), Colons: true, Type: &DataType{Name: "DOUBLE PRECISION"}}},
		{"scalar set-operation subquery", "((SELECT 1) UNION (SELECT 2))",
			&SubqueryExpr{Kind: "SCALAR", Query: &Query{Body: &SetOp{Op: "UNION",
				Left:  &ParenQuery{Query: &Query{Body: &Select{Items: []*SelectItem{item(num("1"), "")}}}},
				Right: &ParenQuery{Query: &Query{Body: &Select{Items: []*SelectItem{item(num("2"), "")}}}}}}}},
		{"reserved function names", "LEFT(s, 2) || RIGHT(s, 1)",
			bin("||", call("LEFT", col("s"), num("2")), call("RIGHT", col("s"), num("1")))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustExpr(t, tt.src)
			if diff := cmp.Diff(tt.want, got, ignorePos); diff != "" {
				t.Errorf("%s: (-want +got)\n%s", tt.src, diff)
			}
		})
	}
}

func TestSetOperationShapes(t *testing.T) {
	sel := func(c string) *Select {
		return &Select{Items: []*SelectItem{item(col(c), "")}, From: []TableExpr{table("t")}}
	}
	tests := []struct {
		name string
		src  string
		want *Query
	}{
		{"intersect binds tighter", "SELECT a FROM t UNION SELECT b FROM t INTERSECT SELECT c FROM t EXCEPT SELECT d FROM t",
			&Query{Body: &SetOp{Op: "EXCEPT",
				Left: &SetOp{Op: "UNION", Left: sel("a"),
					Right: &SetOp{Op: "INTERSECT", Left: sel("b"), Right: sel("c")}},
				Right: sel("d")}}},
		{"minus and union all by name are left-associative", "SELECT a FROM t MINUS SELECT b FROM t UNION ALL BY NAME SELECT c FROM t",
			&Query{Body: &SetOp{Op: "UNION", All: true, ByName: true,
				Left:  &SetOp{Op: "MINUS", Left: sel("a"), Right: sel("b")},
				Right: sel("c")}}},
		{"parenthesised branches keep their own order and limit", "(SELECT a FROM t ORDER BY a LIMIT 5) UNION ALL (SELECT b FROM t LIMIT 5) ORDER BY 1",
			&Query{
				Body: &SetOp{Op: "UNION", All: true,
					Left: &ParenQuery{Query: &Query{Body: sel("a"), OrderBy: []*OrderItem{{Expr: col("a")}},
						Limit: &Limit{Count: num("5")}}},
					Right: &ParenQuery{Query: &Query{Body: sel("b"), Limit: &Limit{Count: num("5")}}}},
				OrderBy: []*OrderItem{{Expr: num("1")}}}},
		{"leading parenthesised set operation", "(SELECT a FROM t UNION SELECT b FROM t) MINUS SELECT c FROM t",
			&Query{Body: &SetOp{Op: "MINUS",
				Left:  &ParenQuery{Query: &Query{Body: &SetOp{Op: "UNION", Left: sel("a"), Right: sel("b")}}},
				Right: sel("c")}}},
		{"order by all", "SELECT a FROM t ORDER BY ALL DESC",
			&Query{Body: sel("a"), OrderBy: []*OrderItem{{Expr: &KeywordExpr{Name: "ALL"}, Desc: true}}}},
		{"offset fetch", "SELECT a FROM t OFFSET 2 ROWS FETCH FIRST 5 ROWS ONLY",
			&Query{Body: sel("a"), Limit: &Limit{Offset: num("2"), Count: num("5"), Fetch: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustStmt(t, tt.src).(*QueryStmt).Query
			if diff := cmp.Diff(tt.want, got, ignorePos); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestSelectShapes(t *testing.T) {
	t.Run("star modifiers", func(t *testing.T) {
		s := mustSelect(t, "SELECT c.* EXCLUDE (ssn, dob) RENAME (a AS x, b AS y), o.* REPLACE (UPPER(o.s) AS s), s.* EXCLUDE k RENAME id AS sid, * ILIKE '%amt%' FROM t")
		want := []*SelectItem{
			{Expr: &Star{Qualifier: []Ident{id("c")}, Exclude: []Ident{id("ssn"), id("dob")},
				Rename: []*StarRename{{From: id("a"), To: id("x")}, {From: id("b"), To: id("y")}}}},
			{Expr: &Star{Qualifier: []Ident{id("o")}, Replace: []*StarReplace{{Expr: call("UPPER", col("o", "s")), Name: id("s")}}}},
			{Expr: &Star{Qualifier: []Ident{id("s")}, Exclude: []Ident{id("k")}, Rename: []*StarRename{{From: id("id"), To: id("sid")}}}},
			{Expr: &Star{ILike: func() *string { s := "%amt%"; return &s }()}},
		}
		if diff := cmp.Diff(want, s.Items, ignorePos); diff != "" {
			t.Errorf("(-want +got)\n%s", diff)
		}
	})
	t.Run("interval qualifier or alias", func(t *testing.T) {
		// A field word right after INTERVAL '...' is its qualifier (Snowflake's
		// INTERVAL data types); any other word, or AS, starts an alias.
		s := mustSelect(t, `SELECT INTERVAL '1' day, INTERVAL '2 days' AS day, INTERVAL '3 hours' hrs, INTERVAL '4' HOUR x FROM t`)
		want := []*SelectItem{
			item(&TypedLiteral{Type: "INTERVAL", Value: "1", Qualifier: "DAY"}, ""),
			item(&TypedLiteral{Type: "INTERVAL", Value: "2 days"}, "day"),
			item(&TypedLiteral{Type: "INTERVAL", Value: "3 hours"}, "hrs"),
			item(&TypedLiteral{Type: "INTERVAL", Value: "4", Qualifier: "HOUR"}, "x"),
		}
		if diff := cmp.Diff(want, s.Items, ignorePos); diff != "" {
			t.Errorf("(-want +got)\n%s", diff)
		}
	})
	t.Run("aliases with and without AS, trailing comma, top", func(t *testing.T) {
		s := mustSelect(t, `SELECT TOP 10 a x, b AS "Y", c, FROM t`)
		want := &Select{Top: num("10"), Items: []*SelectItem{item(col("a"), "x"), {Expr: col("b"), Alias: &Ident{Name: "Y", Quoted: true}}, item(col("c"), "")},
			From: []TableExpr{table("t")}}
		if diff := cmp.Diff(want, s, ignorePos); diff != "" {
			t.Errorf("(-want +got)\n%s", diff)
		}
	})
	t.Run("group by forms", func(t *testing.T) {
		s := mustSelect(t, "SELECT 1 FROM t GROUP BY a, 2, CUBE (a, b), ROLLUP (c), GROUPING SETS ((a, b), (a), ())")
		want := &GroupBy{Items: []Expr{col("a"), num("2"),
			&GroupingSets{Kind: "CUBE", Items: []Expr{col("a"), col("b")}},
			&GroupingSets{Kind: "ROLLUP", Items: []Expr{col("c")}},
			&GroupingSets{Kind: "GROUPING SETS", Items: []Expr{&TupleExpr{Elems: []Expr{col("a"), col("b")}}, col("a"), &TupleExpr{Elems: []Expr{}}}}}}
		if diff := cmp.Diff(want, s.GroupBy, ignorePos); diff != "" {
			t.Errorf("(-want +got)\n%s", diff)
		}
		if g := mustSelect(t, "SELECT a FROM t GROUP BY ALL").GroupBy; !g.All || g.Items != nil {
			t.Errorf("GROUP BY ALL: got %+v", g)
		}
	})
	t.Run("connect by", func(t *testing.T) {
		s := mustSelect(t, "SELECT CONNECT_BY_ROOT name AS r, LEVEL FROM t START WITH parent IS NULL CONNECT BY parent = PRIOR id")
		want := &Select{
			Items:     []*SelectItem{item(&UnaryExpr{Op: "CONNECT_BY_ROOT", X: col("name")}, "r"), item(col("LEVEL"), "")},
			From:      []TableExpr{table("t")},
			StartWith: &IsNullExpr{X: col("parent")},
			ConnectBy: bin("=", col("parent"), &UnaryExpr{Op: "PRIOR", X: col("id")}),
		}
		if diff := cmp.Diff(want, s, ignorePos); diff != "" {
			t.Errorf("(-want +got)\n%s", diff)
		}
	})
	t.Run("where qualify having", func(t *testing.T) {
		s := mustSelect(t, "SELECT a FROM t WHERE b > 1 GROUP BY a HAVING COUNT(*) > 1 QUALIFY ROW_NUMBER() OVER (PARTITION BY a ORDER BY b) = 1")
		if s.Where == nil || s.Having == nil || s.Qualify == nil || s.GroupBy == nil {
			t.Fatalf("missing clause: %+v", s)
		}
		want := bin("=", &FuncCall{Name: oname("ROW_NUMBER"), Args: []Expr{}, Over: &WindowSpec{PartitionBy: []Expr{col("a")}, OrderBy: []*OrderItem{{Expr: col("b")}}}}, num("1"))
		if diff := cmp.Diff(want, s.Qualify, ignorePos); diff != "" {
			t.Errorf("(-want +got)\n%s", diff)
		}
	})
}

func TestFromShapes(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []TableExpr
	}{
		{"names and aliases", `SELECT 1 FROM db.sch.t AS a, db..u b, "Q"."R" c`,
			[]TableExpr{
				&TableName{Name: oname("db", "sch", "t"), Alias: &TableAlias{Name: id("a")}},
				&TableName{Name: ObjectName{Parts: []Ident{id("db"), {}, id("u")}}, Alias: &TableAlias{Name: id("b")}},
				&TableName{Name: ObjectName{Parts: []Ident{qid("Q"), qid("R")}}, Alias: &TableAlias{Name: id("c")}},
			}},
		{"joins", "SELECT 1 FROM a INNER JOIN b USING (id) LEFT OUTER JOIN c ON c.id = a.id NATURAL JOIN d CROSS JOIN e ASOF JOIN q MATCH_CONDITION (a.ts >= q.ts) ON a.s = q.s",
			[]TableExpr{&Join{Kind: "ASOF",
				Left: &Join{Kind: "CROSS",
					Left: &Join{Kind: "INNER", Natural: true,
						Left: &Join{Kind: "LEFT",
							Left:  &Join{Kind: "INNER", Left: table("a"), Right: table("b"), Using: []Ident{id("id")}},
							Right: table("c"), On: bin("=", col("c", "id"), col("a", "id"))},
						Right: table("d")},
					Right: table("e")},
				Right:          table("q"),
				MatchCondition: bin(">=", col("a", "ts"), col("q", "ts")),
				On:             bin("=", col("a", "s"), col("q", "s"))}}},
		{"parenthesised join", "SELECT 1 FROM ((a AS x JOIN b AS y ON x.id = y.id))",
			[]TableExpr{&ParenTable{Inner: &ParenTable{Inner: &Join{Kind: "INNER",
				Left: &TableName{Name: oname("a"), Alias: &TableAlias{Name: id("x")}}, Right: &TableName{Name: oname("b"), Alias: &TableAlias{Name: id("y")}},
				On: bin("=", col("x", "id"), col("y", "id"))}}}}},
		{"derived table with column aliases and double parentheses", "SELECT 1 FROM ((SELECT 1, 2)) AS s (a, b)",
			[]TableExpr{&DerivedTable{Query: &Query{Body: &Select{Items: []*SelectItem{item(num("1"), ""), item(num("2"), "")}}},
				Alias: &TableAlias{Name: id("s"), Columns: []Ident{id("a"), id("b")}}}}},
		{"values with alias", "SELECT 1 FROM VALUES (1, 'a'), (2, 'b') AS v (x, y)",
			[]TableExpr{&DerivedTable{Query: &Query{Body: &Values{Rows: [][]Expr{{num("1"), str("a")}, {num("2"), str("b")}}}},
				Alias: &TableAlias{Name: id("v"), Columns: []Ident{id("x"), id("y")}}}}},
		{"lateral flatten and table flatten", "SELECT 1 FROM t, LATERAL FLATTEN(input => t.v:items) f, TABLE(FLATTEN(input => t.w)) g",
			[]TableExpr{table("t"),
				&TableFunc{Lateral: true, Func: call("FLATTEN", &NamedArg{Name: id("input"), Value: &PathExpr{X: col("t", "v"), Steps: []*PathStep{{Field: id("items")}}}}),
					Alias: &TableAlias{Name: id("f")}},
				&TableFunc{Wrapped: true, Func: call("FLATTEN", &NamedArg{Name: id("input"), Value: col("t", "w")}), Alias: &TableAlias{Name: id("g")}}}},
		{"join without condition and directed join", "SELECT 1 FROM a JOIN b INNER DIRECTED JOIN c ON TRUE",
			[]TableExpr{&Join{Kind: "INNER", Left: &Join{Kind: "INNER", Left: table("a"), Right: table("b")}, Right: table("c"),
				On: &Literal{Kind: LitBool, Value: "TRUE", Raw: "TRUE"}}}},
		{"parenthesised union as derived table", "SELECT 1 FROM ((SELECT a FROM t) UNION ALL (SELECT b FROM t)) d",
			[]TableExpr{&DerivedTable{Alias: &TableAlias{Name: id("d")}, Query: &Query{Body: &SetOp{Op: "UNION", All: true,
				Left:  &ParenQuery{Query: &Query{Body: &Select{Items: []*SelectItem{item(col("a"), "")}, From: []TableExpr{table("t")}}}},
				Right: &ParenQuery{Query: &Query{Body: &Select{Items: []*SelectItem{item(col("b"), "")}, From: []TableExpr{table("t")}}}}}}}}},
		{"lateral subquery", "SELECT 1 FROM a LEFT JOIN LATERAL (SELECT 1) s ON TRUE",
			[]TableExpr{&Join{Kind: "LEFT", Left: table("a"),
				Right: &DerivedTable{Lateral: true, Query: &Query{Body: &Select{Items: []*SelectItem{item(num("1"), "")}}}, Alias: &TableAlias{Name: id("s")}},
				On:    &Literal{Kind: LitBool, Value: "TRUE", Raw: "TRUE"}}}},
		{"generator", "SELECT 1 FROM TABLE(GENERATOR(ROWCOUNT => 10)) g",
			[]TableExpr{&TableFunc{Wrapped: true, Func: call("GENERATOR", &NamedArg{Name: id("ROWCOUNT"), Value: num("10")}), Alias: &TableAlias{Name: id("g")}}}},
		{"identifier and table string", `SELECT 1 FROM IDENTIFIER('"Db".s.t') x, TABLE('a.b') y, IDENTIFIER($tbl)`,
			[]TableExpr{
				&TableName{Name: ObjectName{Parts: []Ident{qid("Db"), id("s"), id("t")}}, Identifier: &Literal{Kind: LitString, Value: `"Db".s.t`, Raw: `'"Db".s.t'`}, Alias: &TableAlias{Name: id("x")}},
				&TableName{Name: oname("a", "b"), Identifier: str("a.b"), Alias: &TableAlias{Name: id("y")}},
				&TableName{Identifier: &Variable{Kind: '$', Name: "tbl"}},
			}},
		{"stage", "SELECT $1 FROM @db.s.stg/p/ (FILE_FORMAT => 'f', PATTERN => '.*')",
			[]TableExpr{&StageRef{Location: "@db.s.stg/p/", Options: []*NamedArg{{Name: id("FILE_FORMAT"), Value: str("f")}, {Name: id("PATTERN"), Value: str(".*")}}}}},
		{"time travel, changes, sample", "SELECT 1 FROM t AT(OFFSET => -60) AS o, u CHANGES(INFORMATION => DEFAULT) AT(TIMESTAMP => x), v w TABLESAMPLE SYSTEM (5) SEED (42), z SAMPLE (10 ROWS)",
			[]TableExpr{
				&TableName{Name: oname("t"), Alias: &TableAlias{Name: id("o")}, TimeTravel: &TimeTravel{Kind: "AT", Param: "OFFSET", Value: &UnaryExpr{Op: "-", X: num("60")}}},
				&TableName{Name: oname("u"), Changes: &Changes{Information: "DEFAULT", At: &TimeTravel{Kind: "AT", Param: "TIMESTAMP", Value: col("x")}}},
				&TableName{Name: oname("v"), Alias: &TableAlias{Name: id("w")}, Sample: &Sample{Method: "SYSTEM", Size: num("5"), Seed: num("42")}},
				&TableName{Name: oname("z"), Sample: &Sample{Size: num("10"), Rows: true}},
			}},
		{"pivot with alias columns", "SELECT * FROM t PIVOT (SUM(amount) FOR month IN ('JAN', 'FEB') DEFAULT ON NULL (0)) AS p (id, jan, feb)",
			[]TableExpr{&Pivot{Source: table("t"), Aggregate: call("SUM", col("amount")), For: col("month"),
				In:      []*PivotValue{{Value: str("JAN")}, {Value: str("FEB")}},
				Default: num("0"),
				Alias:   &TableAlias{Name: id("p"), Columns: []Ident{id("id"), id("jan"), id("feb")}}}}},
		{"pivot with aggregate alias", `SELECT * FROM t PIVOT (SUM(amount) AS total FOR month IN ('JAN', 'FEB' AS feb)), u PIVOT (AVG(x) "Avg" FOR m IN (1))`,
			[]TableExpr{
				&Pivot{Source: table("t"), Aggregate: call("SUM", col("amount")), AggregateAlias: &Ident{Name: "total"}, For: col("month"),
					In: []*PivotValue{{Value: str("JAN")}, {Value: str("FEB"), Alias: &Ident{Name: "feb"}}}},
				&Pivot{Source: table("u"), Aggregate: call("AVG", col("x")), AggregateAlias: &Ident{Name: "Avg", Quoted: true}, For: col("m"),
					In: []*PivotValue{{Value: num("1")}}},
			}},
		{"pivot any and subquery source", "SELECT * FROM (SELECT a FROM t) PIVOT (SUM(a) FOR m IN (ANY ORDER BY m))",
			[]TableExpr{&Pivot{Source: &DerivedTable{Query: &Query{Body: &Select{Items: []*SelectItem{item(col("a"), "")}, From: []TableExpr{table("t")}}}},
				Aggregate: call("SUM", col("a")), For: col("m"), InAny: true, InAnyOrderBy: []*OrderItem{{Expr: col("m")}}}}},
		{"unpivot", "SELECT * FROM t UNPIVOT INCLUDE NULLS (sales FOR month IN (jan, feb AS 'February'))",
			[]TableExpr{&Unpivot{Source: table("t"), IncludeNulls: true, ValueColumn: id("sales"), NameColumn: id("month"),
				Columns: []*UnpivotColumn{{Column: id("jan")}, {Column: id("feb"), Label: func() *string { s := "February"; return &s }()}}}}},
		{"match_recognize", "SELECT * FROM t MATCH_RECOGNIZE (PARTITION BY c ORDER BY d MEASURES MATCH_NUMBER() AS mn, COUNT(dn.*) n ONE ROW PER MATCH AFTER MATCH SKIP TO LAST up PATTERN (^ st dn+ {- x -} up{1,3}? $) DEFINE dn AS p < LAG(p), up AS p > LAG(p)) m",
			[]TableExpr{&MatchRecognize{Source: table("t"), PartitionBy: []Expr{col("c")}, OrderBy: []*OrderItem{{Expr: col("d")}},
				Measures:     []*SelectItem{item(call("MATCH_NUMBER"), "mn"), item(call("COUNT", &Star{Qualifier: []Ident{id("dn")}}), "n")},
				RowsPerMatch: "ONE ROW PER MATCH", AfterMatch: "TO LAST up", Pattern: "^ st dn+ {- x -} up{1,3}? $",
				Define: []*MatchDefine{{Name: id("dn"), Cond: bin("<", col("p"), call("LAG", col("p")))}, {Name: id("up"), Cond: bin(">", col("p"), call("LAG", col("p")))}},
				Alias:  &TableAlias{Name: id("m")}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustSelect(t, tt.src)
			if diff := cmp.Diff(tt.want, s.From, ignorePos); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestStatementShapes(t *testing.T) {
	sel1 := &Query{Body: &Select{Items: []*SelectItem{item(num("1"), "a")}}}
	strp := func(s string) *string { return &s }
	boolp := func(b bool) *bool { return &b }
	tests := []struct {
		name string
		src  string
		want Stmt
	}{
		{"create view with every modifier",
			`CREATE OR REPLACE SECURE LOCAL TEMPORARY RECURSIVE VIEW IF NOT EXISTS db.s.v (
				a COMMENT 'first' WITH MASKING POLICY p USING (a, b) WITH TAG (t1 = 'x'),
				b MASKING POLICY db.s.p2)
			COPY GRANTS COMMENT = 'c' CHANGE_TRACKING = TRUE WITH ROW ACCESS POLICY r ON (a) WITH TAG (db.s.t2 = 'y')
			AS SELECT 1 AS a`,
			&CreateView{OrReplace: true, Secure: true, Temporary: "LOCAL TEMPORARY", Recursive: true, IfNotExists: true,
				Name: oname("db", "s", "v"),
				Columns: []*ViewColumn{
					{Name: id("a"), Comment: strp("first"), MaskingPolicy: &ObjectName{Parts: []Ident{id("p")}}, MaskingUsing: []Ident{id("a"), id("b")},
						Tags: []*TagAssignment{{Name: oname("t1"), Value: "x"}}},
					{Name: id("b"), MaskingPolicy: &ObjectName{Parts: []Ident{id("db"), id("s"), id("p2")}}},
				},
				CopyGrants: true, Comment: strp("c"), ChangeTracking: boolp(true),
				RowAccessPolicy: &RowAccessPolicy{Name: oname("r"), On: []Ident{id("a")}},
				Tags:            []*TagAssignment{{Name: oname("db", "s", "t2"), Value: "y"}},
				Query:           sel1}},
		{"materialized view cluster by",
			"CREATE SECURE MATERIALIZED VIEW mv CLUSTER BY (a) AS SELECT 1 AS a",
			&CreateView{Secure: true, Materialized: true, Name: oname("mv"), ClusterBy: []Expr{col("a")}, Query: sel1}},
		{"global temp volatile",
			"CREATE GLOBAL TEMP VIEW v AS SELECT 1 AS a",
			&CreateView{Temporary: "GLOBAL TEMPORARY", Name: oname("v"), Query: sel1}},
		{"ctas with typed column list",
			"CREATE OR REPLACE TRANSIENT TABLE t (a STRING, b NUMBER(10,2) NOT NULL) CLUSTER BY (a) COPY GRANTS AS SELECT 1 AS a",
			&CreateTableAs{OrReplace: true, Kind: "TRANSIENT", Name: oname("t"),
				Columns:    []*ColumnDef{{Name: id("a"), Type: &DataType{Name: "STRING"}}, {Name: id("b"), Type: &DataType{Name: "NUMBER", Args: []string{"10", "2"}}}},
				CopyGrants: true, Query: sel1}},
		{"insert overwrite with columns and parenthesised query",
			"INSERT OVERWRITE INTO t (x, y) (SELECT 1 AS a)",
			&Insert{Overwrite: true, Table: oname("t"), Columns: []Ident{id("x"), id("y")},
				Query: &Query{Body: &ParenQuery{Query: sel1}}}},
		{"with before insert is merged into the query",
			"WITH c AS (SELECT 1 AS a) INSERT INTO t WITH d AS (SELECT 1 AS a) SELECT 1 AS a",
			&Insert{Table: oname("t"), Query: &Query{
				With: &With{CTEs: []*CTE{{Name: id("c"), Query: sel1}, {Name: id("d"), Query: sel1}}},
				Body: sel1.Body}}},
		{"insert values",
			"INSERT INTO t VALUES (1, 'a'), (2, DEFAULT)",
			&Insert{Table: oname("t"), Query: &Query{Body: &Values{Rows: [][]Expr{{num("1"), str("a")}, {num("2"), &KeywordExpr{Name: "DEFAULT"}}}}}}},
		{"merge",
			`MERGE INTO tgt AS t USING (SELECT id, v FROM src) s ON t.id = s.id
			 WHEN MATCHED AND s.v IS NULL THEN DELETE
			 WHEN MATCHED THEN UPDATE SET t.v = s.v, w = 1
			 WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, s.v)`,
			&Merge{Target: oname("tgt"), TargetAlias: idp("t"),
				Source: &DerivedTable{Query: &Query{Body: &Select{Items: []*SelectItem{item(col("id"), ""), item(col("v"), "")}, From: []TableExpr{table("src")}}},
					Alias: &TableAlias{Name: id("s")}},
				On: bin("=", col("t", "id"), col("s", "id")),
				Clauses: []*MergeClause{
					{Matched: true, Cond: &IsNullExpr{X: col("s", "v")}, Action: "DELETE"},
					{Matched: true, Action: "UPDATE", Set: []*MergeSet{{Column: []Ident{id("t"), id("v")}, Value: col("s", "v")}, {Column: []Ident{id("w")}, Value: num("1")}}},
					{Action: "INSERT", Columns: []Ident{id("id"), id("v")}, Values: []Expr{col("s", "id"), col("s", "v")}},
				}}},
		{"dynamic table",
			"CREATE OR REPLACE DYNAMIC TABLE d TARGET_LAG = '1 minute' WAREHOUSE = wh AS SELECT 1 AS a",
			&CreateTableAs{OrReplace: true, Kind: "DYNAMIC", Name: oname("d"), Query: sel1,
				Options: []*TableOption{{Name: "TARGET_LAG", Value: "1 minute"}, {Name: "WAREHOUSE", Value: "WH"}}}},
		{"transient dynamic table with every option",
			`CREATE OR REPLACE TRANSIENT DYNAMIC TABLE IF NOT EXISTS db.s.d (a COMMENT 'x', b)
			 target_lag = downstream warehouse = "Reporting WH" refresh_mode = AUTO initialize = ON_SCHEDULE
			 CLUSTER BY (a, b) DATA_RETENTION_TIME_IN_DAYS = 7 MAX_DATA_EXTENSION_TIME_IN_DAYS = 14
			 COMMENT = 'daily, as of now' WITH ROW ACCESS POLICY r ON (a) WITH TAG (t = 'v') REQUIRE USER COPY GRANTS
			 AS SELECT 1 AS a`,
			&CreateTableAs{OrReplace: true, Kind: "DYNAMIC", IfNotExists: true, Name: oname("db", "s", "d"),
				Columns: []*ColumnDef{{Name: id("a")}, {Name: id("b")}}, CopyGrants: true, Query: sel1,
				Options: []*TableOption{{Name: "TARGET_LAG", Value: "DOWNSTREAM"}, {Name: "WAREHOUSE", Value: "Reporting WH"},
					{Name: "REFRESH_MODE", Value: "AUTO"}, {Name: "INITIALIZE", Value: "ON_SCHEDULE"},
					{Name: "DATA_RETENTION_TIME_IN_DAYS", Value: "7"}, {Name: "MAX_DATA_EXTENSION_TIME_IN_DAYS", Value: "14"},
					{Name: "COMMENT", Value: "daily, as of now"}}}},
		{"dynamic iceberg table",
			`CREATE DYNAMIC ICEBERG TABLE d TARGET_LAG = '20 minutes' WAREHOUSE = wh EXTERNAL_VOLUME = 'vol'
			 CATALOG = 'SNOWFLAKE' BASE_LOCATION = 'd/' AS SELECT 1 AS a`,
			&CreateTableAs{Kind: "DYNAMIC", Iceberg: true, Name: oname("d"), Query: sel1,
				Options: []*TableOption{{Name: "TARGET_LAG", Value: "20 minutes"}, {Name: "WAREHOUSE", Value: "WH"},
					{Name: "EXTERNAL_VOLUME", Value: "vol"}, {Name: "CATALOG", Value: "SNOWFLAKE"}, {Name: "BASE_LOCATION", Value: "d/"}}}},
		{"recursive cte with column list",
			"WITH RECURSIVE r (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r",
			&QueryStmt{Query: &Query{
				With: &With{Recursive: true, CTEs: []*CTE{{Name: id("r"), Columns: []Ident{id("n")}, Query: &Query{Body: &SetOp{Op: "UNION", All: true,
					Left:  &Select{Items: []*SelectItem{item(num("1"), "")}},
					Right: &Select{Items: []*SelectItem{item(bin("+", col("n"), num("1")), "")}, From: []TableExpr{table("r")}}}}}}},
				Body: &Select{Items: []*SelectItem{item(col("n"), "")}, From: []TableExpr{table("r")}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustStmt(t, tt.src)
			if diff := cmp.Diff(tt.want, got, ignorePos); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestUnsupportedStatements(t *testing.T) {
	src := `USE WAREHOUSE wh;
CREATE TABLE t (a INT);
DROP VIEW IF EXISTS v;
CREATE OR REPLACE PROCEDURE p() RETURNS STRING LANGUAGE SQL AS $$ BEGIN RETURN 'a;b'; END $$;
INSERT ALL INTO a INTO b SELECT 1;
INSERT OVERWRITE FIRST WHEN x > 1 THEN INTO a ELSE INTO b SELECT 1 AS x;
ALTER SESSION SET TIMEZONE = 'UTC';
BEGIN
  LET n := (SELECT COUNT(*) FROM t);
  IF (n > 0) THEN
    CREATE VIEW v2 AS SELECT 1 AS a;
  END IF;
  RETURN CASE WHEN n > 1 THEN 'many' ELSE 'few' END;
END;
BEGIN TRANSACTION;
DECLARE c CURSOR FOR SELECT 1; BEGIN OPEN c; END;
CREATE PROCEDURE p2() RETURNS INT LANGUAGE SQL AS BEGIN RETURN 1; END;
SELECT 1 AS x`
	res := ParseScript(src)
	var got []string
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("statement %d: %v", r.Index, r.Err)
		}
		switch s := r.Stmt.(type) {
		case *Unsupported:
			if s.Note == "" || s.Text != r.Text {
				t.Errorf("unsupported %q: note %q, text %q vs %q", s.Keyword, s.Note, s.Text, r.Text)
			}
			got = append(got, s.Keyword)
		default:
			got = append(got, "supported")
		}
	}
	want := []string{"USE WAREHOUSE", "CREATE TABLE", "DROP VIEW", "CREATE PROCEDURE", "INSERT ALL", "INSERT OVERWRITE FIRST", "ALTER", "BEGIN", "BEGIN", "DECLARE", "CREATE PROCEDURE", "supported"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestKeywordsAsIdentifiers(t *testing.T) {
	words := []string{"first", "last", "user", "regions", "returns", "value", "key", "index", "path", "seq",
		"this", "level", "date", "timestamp", "time", "interval", "comment", "type", "status", "number", "source",
		"role", "data", "text", "year", "month", "day", "position", "region", "name", "host", "top", "limit",
		"offset", "window", "filter", "partition", "rename", "replace", "exclude", "pivot", "tag", "at", "changes",
		"match", "measures", "define", "pattern", "view", "merge", "matched", "system", "seed", "end", "nulls",
		"temporary", "transient", "secure", "recursive", "outer", "asof", "extract", "default", "substring"}
	for _, w := range words {
		t.Run(w, func(t *testing.T) {
			src := "SELECT " + w + ", t." + w + " AS " + w + " FROM " + w + "." + w + " t WHERE " + w + " = 1 ORDER BY " + w
			s := mustSelect(t, src)
			want := &Select{
				Items: []*SelectItem{item(col(w), ""), item(col("t", w), w)},
				From:  []TableExpr{&TableName{Name: oname(w, w), Alias: &TableAlias{Name: id("t")}}},
				Where: bin("=", col(w), num("1")),
			}
			if diff := cmp.Diff(want, s, ignorePos); diff != "" {
				t.Errorf("%s: (-want +got)\n%s", src, diff)
			}
			// As a table alias and a CTE name.
			mustStmt(t, "WITH "+w+" AS (SELECT 1 AS a) SELECT x.a FROM "+w+" AS x JOIN t "+w+" ON TRUE")
		})
	}
	// Keywords that Snowflake forbids only as table names and aliases in FROM.
	for _, w := range []string{"left", "right", "join", "cross", "full", "inner", "natural"} {
		t.Run("column "+w, func(t *testing.T) {
			s := mustSelect(t, "SELECT "+w+", t."+w+" FROM t LEFT JOIN u ON "+w+" = 1 WHERE "+w+" > 0")
			want := []*SelectItem{item(col(w), ""), item(col("t", w), "")}
			if diff := cmp.Diff(want, s.Items, ignorePos); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if res := ParseScript("SELECT a FROM " + w); len(res) != 1 || res[0].Err == nil {
				t.Errorf("%q accepted as a table name", w)
			}
		})
	}
	for _, w := range []string{"select", "from", "where", "group", "order", "union", "on", "qualify", "table", "true", "case"} {
		t.Run("reserved "+w, func(t *testing.T) {
			res := ParseScript("SELECT a FROM " + w + " WHERE b = 1")
			if len(res) != 1 || res[0].Err == nil {
				t.Errorf("reserved word %q accepted as a table name", w)
			}
		})
	}
}

func TestIdentNormalized(t *testing.T) {
	tests := []struct {
		in   Ident
		want string
	}{
		{Ident{Name: "abc"}, "ABC"},
		{Ident{Name: "MyCol", Quoted: true}, "MyCol"},
		{Ident{Name: `a"b`, Quoted: true}, `a"b`},
	}
	for _, tt := range tests {
		if got := tt.in.Normalized(); got != tt.want {
			t.Errorf("%+v.Normalized() = %q, want %q", tt.in, got, tt.want)
		}
	}
	s := mustSelect(t, `SELECT t."Weird""Quote", mycol FROM "Db"."Sch"."Tbl" AS t`)
	ref := s.Items[0].Expr.(*ColumnRef)
	if got := ref.Column(); got != qid(`Weird"Quote`) && got.Name != `Weird"Quote` {
		t.Errorf("quoted column = %+v", got)
	}
	if got := s.From[0].(*TableName).Name.Normalized(); got != "Db.Sch.Tbl" {
		t.Errorf("table name normalised = %q", got)
	}
	if got := s.Items[1].Expr.(*ColumnRef).Column().Normalized(); got != "MYCOL" {
		t.Errorf("unquoted column normalised = %q", got)
	}
}

func TestInspectVisitsAllColumns(t *testing.T) {
	st := mustStmt(t, `CREATE VIEW v AS WITH c AS (SELECT a FROM t WHERE b > 0)
		SELECT x.a, (SELECT MAX(d) FROM u WHERE u.e = x.a) m, SUM(f) OVER (PARTITION BY g ORDER BY h) s
		FROM c x JOIN w ON w.i = x.a GROUP BY j QUALIFY k = 1`)
	var names []string
	Inspect(st, func(n Node) bool {
		if c, ok := n.(*ColumnRef); ok {
			names = append(names, c.Column().Name)
		}
		return true
	})
	want := []string{"a", "b", "a", "d", "e", "a", "f", "g", "h", "i", "a", "j", "k"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	// Returning false for subqueries keeps the walk in one scope.
	names = nil
	Inspect(st, func(n Node) bool {
		switch n := n.(type) {
		case *SubqueryExpr, *With:
			return false
		case *ColumnRef:
			names = append(names, n.Column().Name)
		}
		return true
	})
	want = []string{"a", "f", "g", "h", "i", "a", "j", "k"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("scoped walk (-want +got)\n%s", diff)
	}
}
