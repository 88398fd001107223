package sql

import (
	"strconv"
	"strings"
)

// Format renders a node as Snowflake SQL on one line. Operands that are not
// atomic are parenthesised, identifiers keep their quoting, and strings are
// re-escaped, so parsing the result gives back the same tree (positions
// aside). It is meant for messages and tests, not for pretty-printing.
func Format(n Node) string {
	var f formatter
	f.node(n)
	return f.b.String()
}

type formatter struct {
	b strings.Builder
}

func (f *formatter) w(s string) { f.b.WriteString(s) }

func (f *formatter) ident(id Ident) { f.w(identSQL(id)) }

// identSQL renders an identifier as written: quoted ones in double quotes.
func identSQL(id Ident) string {
	if !id.Quoted {
		return id.Name
	}
	return `"` + strings.ReplaceAll(id.Name, `"`, `""`) + `"`
}

// normalizedSQL renders a normalised name (upper case unless it was quoted)
// so that it normalises to itself again.
func normalizedSQL(name string) string {
	if isPlainIdent(name) && name == strings.ToUpper(name) {
		return name
	}
	return identSQL(Ident{Name: name, Quoted: true})
}

func (f *formatter) idents(ids []Ident, sep string) {
	for i, id := range ids {
		if i > 0 {
			f.w(sep)
		}
		f.ident(id)
	}
}

func (f *formatter) identList(ids []Ident) {
	f.w("(")
	f.idents(ids, ", ")
	f.w(")")
}

func (f *formatter) name(n ObjectName) { f.idents(n.Parts, ".") }

// quote renders s as a single-quoted string literal.
func quote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func (f *formatter) exprs(list []Expr) {
	for i, e := range list {
		if i > 0 {
			f.w(", ")
		}
		f.node(e)
	}
}

// atomic reports whether e can be an operand without parentheses.
func atomic(e Expr) bool {
	switch e.(type) {
	case *UnaryExpr, *BinaryExpr, *IsNullExpr, *IsDistinctExpr, *BetweenExpr, *InExpr, *LikeExpr, *Lambda, *NamedArg:
		return false
	}
	return true
}

// operand writes e, parenthesised unless atomic.
func (f *formatter) operand(e Expr) {
	if e == nil || atomic(e) {
		f.node(e)
		return
	}
	f.w("(")
	f.node(e)
	f.w(")")
}

func (f *formatter) orderItems(items []*OrderItem) {
	for i, o := range items {
		if i > 0 {
			f.w(", ")
		}
		f.node(o.Expr)
		if o.Desc {
			f.w(" DESC")
		}
		if o.Nulls != "" {
			f.w(" NULLS " + o.Nulls)
		}
	}
}

func (f *formatter) alias(a *TableAlias) {
	if a == nil {
		return
	}
	f.w(" AS ")
	f.ident(a.Name)
	if a.Columns != nil {
		f.w(" ")
		f.identList(a.Columns)
	}
}

func (f *formatter) tags(tags []*TagAssignment) {
	f.w("TAG (")
	for i, t := range tags {
		if i > 0 {
			f.w(", ")
		}
		f.name(t.Name)
		f.w(" = " + quote(t.Value))
	}
	f.w(")")
}

func (f *formatter) sample(s *Sample) {
	if s == nil {
		return
	}
	f.w(" SAMPLE ")
	if s.Method != "" {
		f.w(s.Method + " ")
	}
	f.w("(")
	f.node(s.Size)
	if s.Rows {
		f.w(" ROWS")
	}
	f.w(")")
	if s.Seed != nil {
		f.w(" SEED (")
		f.node(s.Seed)
		f.w(")")
	}
}

func (f *formatter) timeTravel(t *TimeTravel) {
	f.w(" " + t.Kind + "(" + normalizedSQL(t.Param) + " => ")
	f.node(t.Value)
	f.w(")")
}

func (f *formatter) node(n Node) {
	if n == nil {
		return
	}
	switch n := n.(type) {
	case *Script:
		for i, s := range n.Stmts {
			if i > 0 {
				f.w(";\n")
			}
			f.node(s)
		}
	case *CreateView:
		f.w("CREATE ")
		if n.OrReplace {
			f.w("OR REPLACE ")
		}
		if n.Secure {
			f.w("SECURE ")
		}
		if n.Temporary != "" {
			f.w(n.Temporary + " ")
		}
		if n.Recursive {
			f.w("RECURSIVE ")
		}
		if n.Materialized {
			f.w("MATERIALIZED ")
		}
		f.w("VIEW ")
		if n.IfNotExists {
			f.w("IF NOT EXISTS ")
		}
		f.name(n.Name)
		if n.Columns != nil {
			f.w(" (")
			for i, c := range n.Columns {
				if i > 0 {
					f.w(", ")
				}
				f.ident(c.Name)
				if c.MaskingPolicy != nil {
					f.w(" WITH MASKING POLICY ")
					f.name(*c.MaskingPolicy)
					if c.MaskingUsing != nil {
						f.w(" USING ")
						f.identList(c.MaskingUsing)
					}
				}
				if c.Tags != nil {
					f.w(" WITH ")
					f.tags(c.Tags)
				}
				if c.Comment != nil {
					f.w(" COMMENT " + quote(*c.Comment))
				}
			}
			f.w(")")
		}
		if n.CopyGrants {
			f.w(" COPY GRANTS")
		}
		if n.Comment != nil {
			f.w(" COMMENT = " + quote(*n.Comment))
		}
		if n.ChangeTracking != nil {
			f.w(" CHANGE_TRACKING = " + strings.ToUpper(strconv.FormatBool(*n.ChangeTracking)))
		}
		if r := n.RowAccessPolicy; r != nil {
			f.w(" WITH ROW ACCESS POLICY ")
			f.name(r.Name)
			f.w(" ON ")
			f.identList(r.On)
		}
		if n.Tags != nil {
			f.w(" WITH ")
			f.tags(n.Tags)
		}
		if n.ClusterBy != nil {
			f.w(" CLUSTER BY (")
			f.exprs(n.ClusterBy)
			f.w(")")
		}
		f.w(" AS ")
		f.node(n.Query)
	case *CreateTableAs:
		f.w("CREATE ")
		if n.OrReplace {
			f.w("OR REPLACE ")
		}
		if n.Kind != "" {
			f.w(n.Kind + " ")
		}
		if n.Iceberg {
			f.w("ICEBERG ")
		}
		f.w("TABLE ")
		if n.IfNotExists {
			f.w("IF NOT EXISTS ")
		}
		f.name(n.Name)
		if n.Columns != nil {
			f.w(" (")
			for i, c := range n.Columns {
				if i > 0 {
					f.w(", ")
				}
				f.ident(c.Name)
				if c.Type != nil {
					f.w(" ")
					f.node(c.Type)
				}
			}
			f.w(")")
		}
		if n.CopyGrants {
			f.w(" COPY GRANTS")
		}
		for _, o := range n.Options {
			f.w(" " + o.Name + " = " + quote(o.Value))
		}
		f.w(" AS ")
		f.node(n.Query)
	case *Insert:
		f.w("INSERT ")
		if n.Overwrite {
			f.w("OVERWRITE ")
		}
		f.w("INTO ")
		f.name(n.Table)
		if n.Columns != nil {
			f.w(" ")
			f.identList(n.Columns)
		}
		f.w(" ")
		f.node(n.Query)
	case *Merge:
		f.w("MERGE INTO ")
		f.name(n.Target)
		if n.TargetAlias != nil {
			f.w(" AS ")
			f.ident(*n.TargetAlias)
		}
		f.w(" USING ")
		f.node(n.Source)
		f.w(" ON ")
		f.node(n.On)
		for _, c := range n.Clauses {
			f.w(" WHEN ")
			if !c.Matched {
				f.w("NOT ")
			}
			f.w("MATCHED")
			if c.Cond != nil {
				f.w(" AND ")
				f.node(c.Cond)
			}
			f.w(" THEN " + c.Action)
			switch c.Action {
			case "UPDATE":
				f.w(" SET ")
				for i, s := range c.Set {
					if i > 0 {
						f.w(", ")
					}
					f.idents(s.Column, ".")
					f.w(" = ")
					f.node(s.Value)
				}
			case "INSERT":
				if c.Columns != nil {
					f.w(" ")
					f.identList(c.Columns)
				}
				f.w(" VALUES (")
				f.exprs(c.Values)
				f.w(")")
			}
		}
	case *QueryStmt:
		f.node(n.Query)
	case *Unsupported:
		f.w(n.Text)

	case *Query:
		if n.With != nil {
			f.w("WITH ")
			if n.With.Recursive {
				f.w("RECURSIVE ")
			}
			for i, c := range n.With.CTEs {
				if i > 0 {
					f.w(", ")
				}
				f.ident(c.Name)
				if c.Columns != nil {
					f.w(" ")
					f.identList(c.Columns)
				}
				f.w(" AS (")
				f.node(c.Query)
				f.w(")")
			}
			f.w(" ")
		}
		f.node(n.Body)
		if n.OrderBy != nil {
			f.w(" ORDER BY ")
			f.orderItems(n.OrderBy)
		}
		if l := n.Limit; l != nil {
			if l.Fetch {
				if l.Offset != nil {
					f.w(" OFFSET ")
					f.node(l.Offset)
					f.w(" ROWS")
				}
				f.w(" FETCH FIRST ")
				f.node(l.Count)
				f.w(" ROWS ONLY")
			} else {
				if l.Count != nil {
					f.w(" LIMIT ")
					f.node(l.Count)
				}
				if l.Offset != nil {
					f.w(" OFFSET ")
					f.node(l.Offset)
				}
			}
		}
	case *Select:
		f.w("SELECT ")
		if n.Distinct {
			f.w("DISTINCT ")
		}
		if n.Top != nil {
			f.w("TOP ")
			f.node(n.Top)
			f.w(" ")
		}
		for i, it := range n.Items {
			if i > 0 {
				f.w(", ")
			}
			f.node(it.Expr)
			if it.Alias != nil {
				f.w(" AS ")
				f.ident(*it.Alias)
			}
		}
		if n.From != nil {
			f.w(" FROM ")
			for i, t := range n.From {
				if i > 0 {
					f.w(", ")
				}
				f.node(t)
			}
		}
		if n.Where != nil {
			f.w(" WHERE ")
			f.node(n.Where)
		}
		if n.StartWith != nil {
			f.w(" START WITH ")
			f.node(n.StartWith)
		}
		if n.ConnectBy != nil {
			f.w(" CONNECT BY ")
			f.node(n.ConnectBy)
		}
		if g := n.GroupBy; g != nil {
			f.w(" GROUP BY ")
			if g.All {
				f.w("ALL")
			}
			f.exprs(g.Items)
		}
		if n.Having != nil {
			f.w(" HAVING ")
			f.node(n.Having)
		}
		if n.Qualify != nil {
			f.w(" QUALIFY ")
			f.node(n.Qualify)
		}
	case *SetOp:
		f.node(n.Left)
		f.w(" " + n.Op)
		if n.All {
			f.w(" ALL")
		}
		if n.ByName {
			f.w(" BY NAME")
		}
		f.w(" ")
		f.node(n.Right)
	case *ParenQuery:
		f.w("(")
		f.node(n.Query)
		f.w(")")
	case *Values:
		f.w("VALUES ")
		for i, row := range n.Rows {
			if i > 0 {
				f.w(", ")
			}
			f.w("(")
			f.exprs(row)
			f.w(")")
		}

	case *TableName:
		if n.Identifier != nil {
			f.w("IDENTIFIER(")
			f.node(n.Identifier)
			f.w(")")
		} else {
			f.name(n.Name)
		}
		// TimeTravel first: an AT right after CHANGES(...) belongs to CHANGES.
		if n.TimeTravel != nil {
			f.timeTravel(n.TimeTravel)
		}
		if n.Changes != nil {
			f.w(" CHANGES(INFORMATION => " + normalizedSQL(n.Changes.Information) + ")")
			if n.Changes.At != nil {
				f.timeTravel(n.Changes.At)
			}
			if n.Changes.End != nil {
				f.timeTravel(n.Changes.End)
			}
		}
		f.alias(n.Alias)
		f.sample(n.Sample)
	case *DerivedTable:
		if n.Lateral {
			f.w("LATERAL ")
		}
		f.w("(")
		f.node(n.Query)
		f.w(")")
		f.alias(n.Alias)
		f.sample(n.Sample)
	case *TableFunc:
		if n.Lateral {
			f.w("LATERAL ")
		}
		if n.Wrapped {
			f.w("TABLE(")
		}
		f.node(n.Func)
		if n.Wrapped {
			f.w(")")
		}
		f.alias(n.Alias)
		f.sample(n.Sample)
	case *StageRef:
		f.w(n.Location)
		if n.Options != nil {
			f.w(" (")
			for i, o := range n.Options {
				if i > 0 {
					f.w(", ")
				}
				f.node(o)
			}
			f.w(")")
		}
		f.alias(n.Alias)
	case *Join:
		f.node(n.Left)
		if n.Natural {
			f.w(" NATURAL")
		}
		f.w(" " + n.Kind + " JOIN ")
		f.node(n.Right)
		if n.MatchCondition != nil {
			f.w(" MATCH_CONDITION (")
			f.node(n.MatchCondition)
			f.w(")")
		}
		if n.On != nil {
			f.w(" ON ")
			f.node(n.On)
		}
		if n.Using != nil {
			f.w(" USING ")
			f.identList(n.Using)
		}
	case *ParenTable:
		f.w("(")
		f.node(n.Inner)
		f.w(")")
		f.alias(n.Alias)
	case *Pivot:
		f.node(n.Source)
		f.w(" PIVOT (")
		f.operand(n.Aggregate)
		if n.AggregateAlias != nil {
			f.w(" AS ")
			f.ident(*n.AggregateAlias)
		}
		f.w(" FOR ")
		f.node(n.For)
		f.w(" IN (")
		switch {
		case n.InAny:
			f.w("ANY")
			if n.InAnyOrderBy != nil {
				f.w(" ORDER BY ")
				f.orderItems(n.InAnyOrderBy)
			}
		case n.InQuery != nil:
			f.node(n.InQuery)
		default:
			for i, v := range n.In {
				if i > 0 {
					f.w(", ")
				}
				f.node(v.Value)
				if v.Alias != nil {
					f.w(" AS ")
					f.ident(*v.Alias)
				}
			}
		}
		f.w(")")
		if n.Default != nil {
			f.w(" DEFAULT ON NULL (")
			f.node(n.Default)
			f.w(")")
		}
		f.w(")")
		f.alias(n.Alias)
	case *Unpivot:
		f.node(n.Source)
		f.w(" UNPIVOT ")
		if n.IncludeNulls {
			f.w("INCLUDE NULLS ")
		}
		f.w("(")
		f.ident(n.ValueColumn)
		f.w(" FOR ")
		f.ident(n.NameColumn)
		f.w(" IN (")
		for i, c := range n.Columns {
			if i > 0 {
				f.w(", ")
			}
			f.ident(c.Column)
			if c.Label != nil {
				f.w(" AS " + quote(*c.Label))
			}
		}
		f.w("))")
		f.alias(n.Alias)
	case *MatchRecognize:
		f.node(n.Source)
		f.w(" MATCH_RECOGNIZE (")
		if n.PartitionBy != nil {
			f.w("PARTITION BY ")
			f.exprs(n.PartitionBy)
			f.w(" ")
		}
		if n.OrderBy != nil {
			f.w("ORDER BY ")
			f.orderItems(n.OrderBy)
			f.w(" ")
		}
		if n.Measures != nil {
			f.w("MEASURES ")
			for i, m := range n.Measures {
				if i > 0 {
					f.w(", ")
				}
				f.node(m.Expr)
				if m.Alias != nil {
					f.w(" AS ")
					f.ident(*m.Alias)
				}
			}
			f.w(" ")
		}
		if n.RowsPerMatch != "" {
			f.w(n.RowsPerMatch + " ")
		}
		if n.AfterMatch != "" {
			f.w("AFTER MATCH SKIP " + n.AfterMatch + " ")
		}
		f.w("PATTERN (" + n.Pattern + ") DEFINE ")
		for i, d := range n.Define {
			if i > 0 {
				f.w(", ")
			}
			f.ident(d.Name)
			f.w(" AS ")
			f.node(d.Cond)
		}
		f.w(")")
		f.alias(n.Alias)

	case *ColumnRef:
		f.idents(n.Parts, ".")
	case *PositionalRef:
		for _, q := range n.Qualifier {
			f.ident(q)
			f.w(".")
		}
		f.w("$" + strconv.Itoa(n.Index))
	case *Star:
		for _, q := range n.Qualifier {
			f.ident(q)
			f.w(".")
		}
		f.w("*")
		if n.ILike != nil {
			f.w(" ILIKE " + quote(*n.ILike))
		}
		if n.Exclude != nil {
			f.w(" EXCLUDE ")
			f.identList(n.Exclude)
		}
		if n.Replace != nil {
			f.w(" REPLACE (")
			for i, r := range n.Replace {
				if i > 0 {
					f.w(", ")
				}
				f.node(r.Expr)
				f.w(" AS ")
				f.ident(r.Name)
			}
			f.w(")")
		}
		if n.Rename != nil {
			f.w(" RENAME (")
			for i, r := range n.Rename {
				if i > 0 {
					f.w(", ")
				}
				f.ident(r.From)
				f.w(" AS ")
				f.ident(r.To)
			}
			f.w(")")
		}
	case *Literal:
		f.w(n.Raw)
	case *TypedLiteral:
		f.w(n.Type + " " + quote(n.Value))
		if n.Qualifier != "" {
			f.w(" " + n.Qualifier)
		}
	case *Variable:
		switch n.Kind {
		case '?':
			f.w("?")
		case ':':
			f.w(":")
			f.ident(Ident{Name: n.Name, Quoted: !isPlainIdent(n.Name)})
		default:
			f.w(string(n.Kind) + n.Name)
		}
	case *KeywordExpr:
		f.w(n.Name)
	case *DatePart:
		f.w(n.Name)
	case *UnaryExpr:
		f.w(n.Op)
		if n.Op != "-" && n.Op != "+" && n.Op != "~" {
			f.w(" ")
		}
		f.operand(n.X)
	case *BinaryExpr:
		f.operand(n.L)
		f.w(" " + n.Op + " ")
		if sq, ok := n.R.(*SubqueryExpr); ok && (sq.Kind == "ANY" || sq.Kind == "ALL") {
			f.node(sq)
		} else {
			f.operand(n.R)
		}
	case *IsNullExpr:
		f.operand(n.X)
		f.w(" IS ")
		if n.Not {
			f.w("NOT ")
		}
		f.w("NULL")
	case *IsDistinctExpr:
		f.operand(n.X)
		f.w(" IS ")
		if n.Not {
			f.w("NOT ")
		}
		f.w("DISTINCT FROM ")
		f.operand(n.Y)
	case *BetweenExpr:
		f.operand(n.X)
		if n.Not {
			f.w(" NOT")
		}
		f.w(" BETWEEN ")
		f.operand(n.Lo)
		f.w(" AND ")
		f.operand(n.Hi)
	case *InExpr:
		f.operand(n.X)
		if n.Not {
			f.w(" NOT")
		}
		f.w(" IN (")
		if n.Query != nil {
			f.node(n.Query)
		} else {
			f.exprs(n.List)
		}
		f.w(")")
	case *LikeExpr:
		f.operand(n.X)
		if n.Not {
			f.w(" NOT")
		}
		f.w(" " + n.Op + " ")
		if n.Quantifier != "" {
			f.w(n.Quantifier + " (")
			f.exprs(n.Patterns)
			f.w(")")
		} else if len(n.Patterns) > 0 {
			f.operand(n.Patterns[0])
		}
		if n.Escape != nil {
			f.w(" ESCAPE ")
			f.operand(n.Escape)
		}
	case *CollateExpr:
		f.operand(n.X)
		f.w(" COLLATE " + quote(n.Collation))
	case *CaseExpr:
		f.w("CASE")
		if n.Operand != nil {
			f.w(" ")
			f.node(n.Operand)
		}
		for _, w := range n.Whens {
			f.w(" WHEN ")
			f.node(w.Cond)
			f.w(" THEN ")
			f.node(w.Result)
		}
		if n.Else != nil {
			f.w(" ELSE ")
			f.node(n.Else)
		}
		f.w(" END")
	case *CastExpr:
		if n.Colons {
			f.operand(n.X)
			f.w("::")
			f.node(n.Type)
			return
		}
		if n.Try {
			f.w("TRY_CAST(")
		} else {
			f.w("CAST(")
		}
		f.node(n.X)
		f.w(" AS ")
		f.node(n.Type)
		f.w(")")
	case *DataType:
		f.w(n.Name)
		if n.Args != nil {
			f.w("(" + strings.Join(n.Args, ", ") + ")")
		}
	case *FuncCall:
		f.name(n.Name)
		if n.NoParens {
			return
		}
		f.w("(")
		if n.Distinct {
			f.w("DISTINCT ")
		}
		f.exprs(n.Args)
		f.w(")")
		if n.FromEnd != "" {
			f.w(" FROM " + n.FromEnd)
		}
		if n.Nulls != "" {
			f.w(" " + n.Nulls + " NULLS")
		}
		if n.WithinGroup != nil {
			f.w(" WITHIN GROUP (ORDER BY ")
			f.orderItems(n.WithinGroup)
			f.w(")")
		}
		if n.Filter != nil {
			f.w(" FILTER (WHERE ")
			f.node(n.Filter)
			f.w(")")
		}
		if n.Over != nil {
			f.w(" OVER ")
			f.node(n.Over)
		}
	case *NamedArg:
		f.ident(n.Name)
		f.w(" => ")
		f.node(n.Value)
	case *WindowSpec:
		f.w("(")
		sep := ""
		if n.PartitionBy != nil {
			f.w("PARTITION BY ")
			f.exprs(n.PartitionBy)
			sep = " "
		}
		if n.OrderBy != nil {
			f.w(sep + "ORDER BY ")
			f.orderItems(n.OrderBy)
			sep = " "
		}
		if fr := n.Frame; fr != nil {
			f.w(sep + fr.Unit + " ")
			if fr.End != nil {
				f.w("BETWEEN ")
				f.frameBound(fr.Start)
				f.w(" AND ")
				f.frameBound(fr.End)
			} else {
				f.frameBound(fr.Start)
			}
		}
		f.w(")")
	case *ExtractExpr:
		part := n.Part
		if !isPlainIdent(part) && !isQuotedIdentText(part) {
			part = quote(part) // a part written as a string
		}
		f.w("EXTRACT(" + part + " FROM ")
		f.node(n.X)
		f.w(")")
	case *SubqueryExpr:
		switch n.Kind {
		case "EXISTS", "ANY", "ALL":
			f.w(n.Kind + " ")
		}
		f.w("(")
		f.node(n.Query)
		f.w(")")
	case *Lambda:
		f.w("(")
		for i, p := range n.Params {
			if i > 0 {
				f.w(", ")
			}
			f.ident(p.Name)
			if p.Type != nil {
				f.w(" ")
				f.node(p.Type)
			}
		}
		f.w(") -> ")
		f.node(n.Body)
	case *ArrayLit:
		f.w("[")
		f.exprs(n.Elems)
		f.w("]")
	case *ObjectLit:
		f.w("{")
		for i, fl := range n.Fields {
			if i > 0 {
				f.w(", ")
			}
			f.node(fl.Key)
			if fl.Value != nil {
				f.w(": ")
				f.node(fl.Value)
			}
		}
		f.w("}")
	case *TupleExpr:
		f.w("(")
		f.exprs(n.Elems)
		f.w(")")
	case *GroupingSets:
		f.w(n.Kind + " (")
		f.exprs(n.Items)
		f.w(")")
	case *PathExpr:
		f.operand(n.X)
		for i, s := range n.Steps {
			if s.Index != nil {
				f.w("[")
				f.node(s.Index)
				f.w("]")
				continue
			}
			if i == 0 || n.Steps[i-1].Index != nil {
				f.w(":")
			} else {
				f.w(".")
			}
			f.ident(s.Field)
		}
	}
}

// isPlainIdent reports whether name can be written without quotes.
func isPlainIdent(name string) bool {
	if name == "" || !isIdentStart(name[0]) {
		return false
	}
	for i := 1; i < len(name); i++ {
		if !isIdentChar(name[i]) {
			return false
		}
	}
	return true
}

// isQuotedIdentText reports whether s is the source text of a quoted
// identifier: "..." with inner quotes doubled.
func isQuotedIdentText(s string) bool {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return false
	}
	inner := s[1 : len(s)-1]
	return !strings.Contains(strings.ReplaceAll(inner, `""`, ""), `"`)
}

func (f *formatter) frameBound(b *FrameBound) {
	if b == nil {
		return
	}
	if b.Offset != nil {
		f.operand(b.Offset)
		f.w(" ")
	}
	f.w(b.Kind)
}
