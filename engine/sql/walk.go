package sql

// Inspect traverses the tree rooted at n depth-first, in source order. It
// calls f(node) for every node; if f returns true, Inspect then visits the
// node's children. Visited nodes are statements, queries, query bodies, FROM
// items, expressions and the auxiliary nodes that hold them (*SelectItem,
// *OrderItem, *CTE, *With, *GroupBy, *Limit, *WindowSpec, *WindowFrame,
// *FrameBound, *When, *Sample, *TimeTravel, *Changes, *PivotValue,
// *MatchDefine, *MergeClause, *MergeSet, *ViewColumn, *StarReplace,
// *PathStep, *ObjectField, *LambdaParam, *TableAlias, *DataType, ...).
// Identifiers and object names are values inside their nodes and are not
// visited separately. A nil n, or a nil node inside the tree, is skipped.
//
// To visit the expressions of one scope without entering subqueries, return
// false for *SubqueryExpr (and for *InExpr after handling its List).
func Inspect(n Node, f func(Node) bool) {
	if isNilNode(n) || !f(n) {
		return
	}
	switch n := n.(type) {
	// statements
	case *Script:
		for _, s := range n.Stmts {
			Inspect(s, f)
		}
	case *CreateView:
		for _, c := range n.Columns {
			Inspect(c, f)
		}
		if n.RowAccessPolicy != nil {
			Inspect(n.RowAccessPolicy, f)
		}
		for _, t := range n.Tags {
			Inspect(t, f)
		}
		inspectExprs(n.ClusterBy, f)
		inspectQuery(n.Query, f)
	case *ViewColumn:
		for _, t := range n.Tags {
			Inspect(t, f)
		}
	case *CreateTableAs:
		for _, c := range n.Columns {
			Inspect(c, f)
		}
		inspectQuery(n.Query, f)
	case *ColumnDef:
		if n.Type != nil {
			Inspect(n.Type, f)
		}
	case *Insert:
		inspectQuery(n.Query, f)
	case *Merge:
		Inspect(n.Source, f)
		Inspect(n.On, f)
		for _, c := range n.Clauses {
			Inspect(c, f)
		}
	case *MergeClause:
		Inspect(n.Cond, f)
		for _, s := range n.Set {
			Inspect(s, f)
		}
		inspectExprs(n.Values, f)
	case *MergeSet:
		Inspect(n.Value, f)
	case *QueryStmt:
		inspectQuery(n.Query, f)

	// queries
	case *Query:
		if n.With != nil {
			Inspect(n.With, f)
		}
		Inspect(n.Body, f)
		for _, o := range n.OrderBy {
			Inspect(o, f)
		}
		if n.Limit != nil {
			Inspect(n.Limit, f)
		}
	case *With:
		for _, c := range n.CTEs {
			Inspect(c, f)
		}
	case *CTE:
		inspectQuery(n.Query, f)
	case *Select:
		Inspect(n.Top, f)
		for _, it := range n.Items {
			Inspect(it, f)
		}
		for _, t := range n.From {
			Inspect(t, f)
		}
		Inspect(n.Where, f)
		Inspect(n.StartWith, f)
		Inspect(n.ConnectBy, f)
		if n.GroupBy != nil {
			Inspect(n.GroupBy, f)
		}
		Inspect(n.Having, f)
		Inspect(n.Qualify, f)
	case *SelectItem:
		Inspect(n.Expr, f)
	case *GroupBy:
		inspectExprs(n.Items, f)
	case *SetOp:
		Inspect(n.Left, f)
		Inspect(n.Right, f)
	case *ParenQuery:
		inspectQuery(n.Query, f)
	case *Values:
		for _, row := range n.Rows {
			inspectExprs(row, f)
		}
	case *OrderItem:
		Inspect(n.Expr, f)
	case *Limit:
		Inspect(n.Count, f)
		Inspect(n.Offset, f)

	// FROM items
	case *TableName:
		Inspect(n.Identifier, f)
		if n.Alias != nil {
			Inspect(n.Alias, f)
		}
		if n.TimeTravel != nil {
			Inspect(n.TimeTravel, f)
		}
		if n.Changes != nil {
			Inspect(n.Changes, f)
		}
		if n.Sample != nil {
			Inspect(n.Sample, f)
		}
	case *TimeTravel:
		Inspect(n.Value, f)
	case *Changes:
		if n.At != nil {
			Inspect(n.At, f)
		}
		if n.End != nil {
			Inspect(n.End, f)
		}
	case *Sample:
		Inspect(n.Size, f)
		Inspect(n.Seed, f)
	case *DerivedTable:
		inspectQuery(n.Query, f)
		if n.Alias != nil {
			Inspect(n.Alias, f)
		}
		if n.Sample != nil {
			Inspect(n.Sample, f)
		}
	case *TableFunc:
		if n.Func != nil {
			Inspect(n.Func, f)
		}
		if n.Alias != nil {
			Inspect(n.Alias, f)
		}
		if n.Sample != nil {
			Inspect(n.Sample, f)
		}
	case *StageRef:
		for _, o := range n.Options {
			Inspect(o, f)
		}
		if n.Alias != nil {
			Inspect(n.Alias, f)
		}
	case *Join:
		Inspect(n.Left, f)
		Inspect(n.Right, f)
		Inspect(n.MatchCondition, f)
		Inspect(n.On, f)
	case *ParenTable:
		Inspect(n.Inner, f)
		if n.Alias != nil {
			Inspect(n.Alias, f)
		}
	case *Pivot:
		Inspect(n.Source, f)
		Inspect(n.Aggregate, f)
		Inspect(n.For, f)
		for _, v := range n.In {
			Inspect(v, f)
		}
		for _, o := range n.InAnyOrderBy {
			Inspect(o, f)
		}
		inspectQuery(n.InQuery, f)
		Inspect(n.Default, f)
		if n.Alias != nil {
			Inspect(n.Alias, f)
		}
	case *PivotValue:
		Inspect(n.Value, f)
	case *Unpivot:
		Inspect(n.Source, f)
		for _, c := range n.Columns {
			Inspect(c, f)
		}
		if n.Alias != nil {
			Inspect(n.Alias, f)
		}
	case *MatchRecognize:
		Inspect(n.Source, f)
		inspectExprs(n.PartitionBy, f)
		for _, o := range n.OrderBy {
			Inspect(o, f)
		}
		for _, m := range n.Measures {
			Inspect(m, f)
		}
		for _, d := range n.Define {
			Inspect(d, f)
		}
		if n.Alias != nil {
			Inspect(n.Alias, f)
		}
	case *MatchDefine:
		Inspect(n.Cond, f)

	// expressions
	case *Star:
		for _, r := range n.Replace {
			Inspect(r, f)
		}
		for _, r := range n.Rename {
			Inspect(r, f)
		}
	case *StarReplace:
		Inspect(n.Expr, f)
	case *UnaryExpr:
		Inspect(n.X, f)
	case *BinaryExpr:
		Inspect(n.L, f)
		Inspect(n.R, f)
	case *IsNullExpr:
		Inspect(n.X, f)
	case *IsDistinctExpr:
		Inspect(n.X, f)
		Inspect(n.Y, f)
	case *BetweenExpr:
		Inspect(n.X, f)
		Inspect(n.Lo, f)
		Inspect(n.Hi, f)
	case *InExpr:
		Inspect(n.X, f)
		inspectExprs(n.List, f)
		inspectQuery(n.Query, f)
	case *LikeExpr:
		Inspect(n.X, f)
		inspectExprs(n.Patterns, f)
		Inspect(n.Escape, f)
	case *CollateExpr:
		Inspect(n.X, f)
	case *CaseExpr:
		Inspect(n.Operand, f)
		for _, w := range n.Whens {
			Inspect(w, f)
		}
		Inspect(n.Else, f)
	case *When:
		Inspect(n.Cond, f)
		Inspect(n.Result, f)
	case *CastExpr:
		Inspect(n.X, f)
		if n.Type != nil {
			Inspect(n.Type, f)
		}
	case *FuncCall:
		inspectExprs(n.Args, f)
		for _, o := range n.WithinGroup {
			Inspect(o, f)
		}
		Inspect(n.Filter, f)
		if n.Over != nil {
			Inspect(n.Over, f)
		}
	case *NamedArg:
		Inspect(n.Value, f)
	case *WindowSpec:
		inspectExprs(n.PartitionBy, f)
		for _, o := range n.OrderBy {
			Inspect(o, f)
		}
		if n.Frame != nil {
			Inspect(n.Frame, f)
		}
	case *WindowFrame:
		if n.Start != nil {
			Inspect(n.Start, f)
		}
		if n.End != nil {
			Inspect(n.End, f)
		}
	case *FrameBound:
		Inspect(n.Offset, f)
	case *ExtractExpr:
		Inspect(n.X, f)
	case *SubqueryExpr:
		inspectQuery(n.Query, f)
	case *Lambda:
		for _, p := range n.Params {
			Inspect(p, f)
		}
		Inspect(n.Body, f)
	case *LambdaParam:
		if n.Type != nil {
			Inspect(n.Type, f)
		}
	case *ArrayLit:
		inspectExprs(n.Elems, f)
	case *ObjectLit:
		for _, fl := range n.Fields {
			Inspect(fl, f)
		}
	case *ObjectField:
		Inspect(n.Key, f)
		Inspect(n.Value, f)
	case *TupleExpr:
		inspectExprs(n.Elems, f)
	case *GroupingSets:
		inspectExprs(n.Items, f)
	case *PathExpr:
		Inspect(n.X, f)
		for _, s := range n.Steps {
			Inspect(s, f)
		}
	case *PathStep:
		Inspect(n.Index, f)
	}
}

func inspectExprs(list []Expr, f func(Node) bool) {
	for _, e := range list {
		Inspect(e, f)
	}
}

func inspectQuery(q *Query, f func(Node) bool) {
	if q != nil {
		Inspect(q, f)
	}
}

// isNilNode reports whether n is nil. Optional interface-typed fields
// (Expr, TableExpr, QueryBody) are always untyped nil when absent; optional
// pointer fields are checked by the caller before the call.
func isNilNode(n Node) bool { return n == nil }
