package sql

import "strings"

// This file defines the typed syntax tree produced by the parser.
//
// Conventions:
//   - Every node embeds Pos, the position of its first token (Line and Col are
//     1-based, Col counts bytes; Offset is the 0-based byte offset into the
//     source). Pos's Position method makes every node satisfy Node.
//   - A value-typed field that is absent (an Ident or ObjectName not written)
//     is the zero value, with a zero Pos.
//   - Optional sub-nodes are nil when absent; optional lists are nil when
//     absent (empty but present lists, such as GROUPING SETS (()) or OVER (),
//     are non-nil where the difference matters and say so).
//   - Keyword-valued fields (operators, join kinds, ...) hold the canonical
//     upper-case spelling given in their doc comment.
//   - Parentheses around an expression do not produce a node; a parenthesised
//     list of two or more expressions is a *TupleExpr.
//
// Node families: Stmt (statements), QueryBody (what a query computes),
// TableExpr (FROM items), Expr (scalar expressions). Use Inspect (walk.go) to
// visit a tree.

// Pos is a position in the source text.
type Pos struct {
	Line   int // 1-based line
	Col    int // 1-based column, in bytes
	Offset int // 0-based byte offset
}

// Position returns p; embedding Pos gives every node this method.
func (p Pos) Position() Pos { return p }

// Node is any syntax tree node.
type Node interface {
	Position() Pos
}

// Ident is an identifier as written: Quoted is true for "double-quoted"
// identifiers, whose Name is the unescaped content ("a""b" gives a"b).
// An Ident with an empty Name that is not quoted stands for an omitted part,
// as the schema in db..t (its Pos is that of the second dot).
type Ident struct {
	Pos
	Name   string
	Quoted bool
}

// Normalized returns the identifier as Snowflake resolves it: unquoted
// identifiers are upper-cased, quoted ones are kept exactly.
func (id Ident) Normalized() string {
	if id.Quoted {
		return id.Name
	}
	return strings.ToUpper(id.Name)
}

// IsZero reports whether id is the omitted part of a name such as db..t.
func (id Ident) IsZero() bool { return id.Name == "" && !id.Quoted }

// ObjectName is a possibly qualified object name: 1 to 3 parts for tables and
// views ([database.][schema.]name); db..t gives three parts whose middle one
// is zero (the default schema, PUBLIC). Function names use the same type.
type ObjectName struct {
	Pos
	Parts []Ident
}

// Name returns the last part (the object's own name).
func (n ObjectName) Name() Ident {
	if len(n.Parts) == 0 {
		return Ident{}
	}
	return n.Parts[len(n.Parts)-1]
}

// Normalized returns the dotted, normalised name; an omitted schema is
// rendered as an empty part (DB..T).
func (n ObjectName) Normalized() string {
	var b strings.Builder
	for i, p := range n.Parts {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p.Normalized())
	}
	return b.String()
}

// ---------------------------------------------------------------------------
// Script and statements

// Script is a parsed sequence of statements.
type Script struct {
	Pos
	Stmts []Stmt
}

// Stmt is a statement: *CreateView, *CreateTableAs, *Insert, *Merge,
// *QueryStmt or *Unsupported.
type Stmt interface {
	Node
	stmtNode()
}

// CreateView is CREATE [OR REPLACE] [SECURE] [{LOCAL|GLOBAL} TEMP|TEMPORARY|
// VOLATILE] [RECURSIVE] [MATERIALIZED] VIEW [IF NOT EXISTS] name
// [(columns)] [properties...] AS query.
type CreateView struct {
	Pos
	OrReplace    bool
	Secure       bool
	Temporary    string // "", "TEMPORARY", "LOCAL TEMPORARY", "GLOBAL TEMPORARY", "VOLATILE" ("TEMP" is normalised to "TEMPORARY")
	Recursive    bool
	Materialized bool
	IfNotExists  bool
	Name         ObjectName
	Columns      []*ViewColumn // nil when no column list is given
	CopyGrants   bool
	Comment      *string // COMMENT = '...' (decoded string)
	// ChangeTracking is CHANGE_TRACKING = TRUE|FALSE, nil when absent.
	ChangeTracking  *bool
	RowAccessPolicy *RowAccessPolicy
	Tags            []*TagAssignment // WITH TAG (...) on the view
	ClusterBy       []Expr           // materialized views
	Query           *Query
}

// ViewColumn is one entry of a view's column list:
// name [WITH] [MASKING POLICY p [USING (cols)]] [WITH TAG (...)] [COMMENT '...'].
type ViewColumn struct {
	Pos
	Name          Ident
	Comment       *string
	MaskingPolicy *ObjectName // nil when none
	MaskingUsing  []Ident     // USING (col, ...) of the masking policy
	Tags          []*TagAssignment
}

// RowAccessPolicy is WITH ROW ACCESS POLICY name ON (cols).
type RowAccessPolicy struct {
	Pos
	Name ObjectName
	On   []Ident
}

// TagAssignment is tag_name = 'value' inside WITH TAG (...).
type TagAssignment struct {
	Pos
	Name  ObjectName
	Value string // decoded string value
}

// CreateTableAs is CREATE [OR REPLACE] [TRANSIENT|TEMPORARY|...] [DYNAMIC]
// [ICEBERG] TABLE [IF NOT EXISTS] name [(col [type], ...)] [options] AS query.
// Options written NAME = value at the top level (TARGET_LAG, WAREHOUSE,
// REFRESH_MODE, INITIALIZE, DATA_RETENTION_TIME_IN_DAYS, COMMENT, ...) are
// recorded in Options; other clauses (CLUSTER BY (...), WITH TAG (...), WITH
// ROW ACCESS POLICY ...) are skipped.
type CreateTableAs struct {
	Pos
	OrReplace   bool
	Kind        string // "", "TRANSIENT", "TEMPORARY", "LOCAL TEMPORARY", "GLOBAL TEMPORARY", "VOLATILE" or "DYNAMIC" (CREATE [TRANSIENT] DYNAMIC TABLE ... AS query)
	Iceberg     bool   // CREATE [DYNAMIC] ICEBERG TABLE
	IfNotExists bool
	Name        ObjectName
	Columns     []*ColumnDef // nil when no column list is given
	CopyGrants  bool
	Options     []*TableOption // in the order written; nil when none
	Query       *Query
}

// TableOption is one NAME = value table property of a CREATE TABLE. Name is
// upper-cased; Value is a string literal's decoded text, a number as
// written, or a word upper-cased (TARGET_LAG = DOWNSTREAM gives "DOWNSTREAM").
type TableOption struct {
	Pos
	Name  string
	Value string
}

// Option returns the value of the option named name (upper case) and whether
// it is present.
func (c *CreateTableAs) Option(name string) (string, bool) {
	for _, o := range c.Options {
		if o.Name == name {
			return o.Value, true
		}
	}
	return "", false
}

// ColumnDef is a column of a CTAS column list; Type is nil when omitted.
type ColumnDef struct {
	Pos
	Name Ident
	Type *DataType
}

// Insert is INSERT [OVERWRITE] INTO table [(columns)] query. The query may be
// a VALUES list (a *Values body). A WITH clause written before INSERT (accepted
// for compatibility with other dialects) is merged into Query.With.
type Insert struct {
	Pos
	Overwrite bool
	Table     ObjectName
	Columns   []Ident // nil when no column list is given
	Query     *Query
}

// Merge is MERGE INTO target [[AS] alias] USING source ON cond WHEN ... .
type Merge struct {
	Pos
	Target      ObjectName
	TargetAlias *Ident
	Source      TableExpr // a *TableName or *DerivedTable (with its alias)
	On          Expr
	Clauses     []*MergeClause
}

// MergeClause is one WHEN [NOT] MATCHED [AND cond] THEN action.
type MergeClause struct {
	Pos
	Matched bool
	Cond    Expr   // AND condition, nil when absent
	Action  string // "UPDATE", "DELETE" or "INSERT"
	// Set holds the assignments of an UPDATE action.
	Set []*MergeSet
	// Columns and Values hold an INSERT action: INSERT [(cols)] VALUES (exprs).
	// Columns is nil when omitted.
	Columns []Ident
	Values  []Expr
}

// MergeSet is col = expr in WHEN MATCHED THEN UPDATE SET.
type MergeSet struct {
	Pos
	Column []Ident // the target column, possibly qualified by the target alias
	Value  Expr
}

// QueryStmt is a bare query used as a statement.
type QueryStmt struct {
	Pos
	Query *Query
}

// Unsupported is any other statement: recognised by its leading keywords and
// skipped to the next top-level semicolon.
type Unsupported struct {
	Pos
	Keyword string // the leading keywords, upper case, e.g. "DROP TABLE", "ALTER", "INSERT ALL"
	Text    string // the statement's source text
	Note    string // why it was skipped
}

func (*CreateView) stmtNode()    {}
func (*CreateTableAs) stmtNode() {}
func (*Insert) stmtNode()        {}
func (*Merge) stmtNode()         {}
func (*QueryStmt) stmtNode()     {}
func (*Unsupported) stmtNode()   {}

// ---------------------------------------------------------------------------
// Queries

// Query is a query expression: [WITH ...] body [ORDER BY ...] [LIMIT/OFFSET/FETCH].
// ORDER BY and LIMIT written after a SELECT belong to the Query around it, so
// for SELECT ... ORDER BY a the Select has no ORDER BY and the Query does.
type Query struct {
	Pos
	With    *With
	Body    QueryBody
	OrderBy []*OrderItem
	Limit   *Limit
}

// With is WITH [RECURSIVE] cte, ....
type With struct {
	Pos
	Recursive bool
	CTEs      []*CTE
}

// CTE is name [(columns)] AS (query).
type CTE struct {
	Pos
	Name    Ident
	Columns []Ident // nil when no column list is given
	Query   *Query
}

// QueryBody is what a query computes: *Select, *SetOp, *ParenQuery or *Values.
type QueryBody interface {
	Node
	queryBody()
}

// Select is one SELECT block (without ORDER BY/LIMIT, see Query).
type Select struct {
	Pos
	Distinct bool
	Top      Expr // TOP n, nil when absent
	Items    []*SelectItem
	// From holds the comma-separated FROM items; joins nest inside each item.
	// Later items can refer to earlier ones (LATERAL).
	From      []TableExpr
	Where     Expr
	StartWith Expr // START WITH of a hierarchical query
	ConnectBy Expr // CONNECT BY condition (PRIOR appears as a *UnaryExpr)
	GroupBy   *GroupBy
	Having    Expr
	Qualify   Expr
}

// SelectItem is expr [[AS] alias]. Expr may be a *Star.
type SelectItem struct {
	Pos
	Expr  Expr
	Alias *Ident // nil when no alias is written
}

// GroupBy is GROUP BY ALL or GROUP BY items. An item is an Expr (a column,
// any expression, or a *Literal number for a position) or a *GroupingSets.
type GroupBy struct {
	Pos
	All   bool
	Items []Expr
}

// SetOp is Left op Right. INTERSECT binds tighter than UNION/EXCEPT/MINUS,
// which associate to the left.
type SetOp struct {
	Pos
	Op     string // "UNION", "INTERSECT", "EXCEPT" or "MINUS" (a synonym of EXCEPT)
	All    bool
	ByName bool // UNION [ALL] BY NAME
	Left   QueryBody
	Right  QueryBody
}

// ParenQuery is a parenthesised query used as a set-operation branch or a
// whole body; it carries its own WITH/ORDER BY/LIMIT.
type ParenQuery struct {
	Pos
	Query *Query
}

// Values is VALUES (row), (row), ... used as a query body (INSERT ... VALUES,
// or FROM VALUES ..., where it is wrapped in a *DerivedTable).
type Values struct {
	Pos
	Rows [][]Expr
}

func (*Select) queryBody()     {}
func (*SetOp) queryBody()      {}
func (*ParenQuery) queryBody() {}
func (*Values) queryBody()     {}

// OrderItem is expr [ASC|DESC] [NULLS FIRST|LAST]. For ORDER BY ALL, Expr is
// a *KeywordExpr named "ALL".
type OrderItem struct {
	Pos
	Expr  Expr
	Desc  bool
	Nulls string // "", "FIRST" or "LAST"
}

// Limit is LIMIT n [OFFSET m] or [OFFSET m {ROW|ROWS}] FETCH {FIRST|NEXT} n {ROW|ROWS} ONLY.
type Limit struct {
	Pos
	Count  Expr // nil for OFFSET alone
	Offset Expr // nil when absent
	Fetch  bool // written with FETCH
}

// ---------------------------------------------------------------------------
// FROM items

// TableExpr is a FROM item: *TableName, *DerivedTable, *TableFunc, *StageRef,
// *Join, *ParenTable, *Pivot, *Unpivot or *MatchRecognize.
type TableExpr interface {
	Node
	tableExpr()
}

// TableAlias is [AS] name [(col, ...)].
type TableAlias struct {
	Pos
	Name    Ident
	Columns []Ident // nil when no column list is given
}

// TableName is a named table or view, with its optional modifiers.
type TableName struct {
	Pos
	// Name is the table's name. For IDENTIFIER('db.s.t') or TABLE('db.s.t')
	// it is parsed from the string; for IDENTIFIER($var) it is empty.
	Name ObjectName
	// Identifier is the argument of IDENTIFIER(...) or TABLE('...'), nil for
	// a plain name.
	Identifier Expr
	Alias      *TableAlias
	TimeTravel *TimeTravel // AT(...) / BEFORE(...)
	Changes    *Changes
	Sample     *Sample
}

// TimeTravel is {AT|BEFORE}(TIMESTAMP|OFFSET|STATEMENT|STREAM => expr).
type TimeTravel struct {
	Pos
	Kind  string // "AT" or "BEFORE"
	Param string // "TIMESTAMP", "OFFSET", "STATEMENT" or "STREAM"
	Value Expr
}

// Changes is CHANGES(INFORMATION => DEFAULT|APPEND_ONLY) AT|BEFORE(...) [END(...)].
type Changes struct {
	Pos
	Information string // "DEFAULT" or "APPEND_ONLY"
	At          *TimeTravel
	End         *TimeTravel // Kind "END"
}

// Sample is {SAMPLE|TABLESAMPLE} [method] (n [ROWS]) [{REPEATABLE|SEED} (s)].
type Sample struct {
	Pos
	Method string // "", "BERNOULLI", "ROW", "SYSTEM" or "BLOCK"
	Size   Expr
	Rows   bool // n ROWS (a row count instead of a percentage)
	Seed   Expr // nil when absent
}

// DerivedTable is [LATERAL] (query) [alias [(cols)]], also VALUES ... [alias].
type DerivedTable struct {
	Pos
	Lateral bool
	Query   *Query
	Alias   *TableAlias
	Sample  *Sample
}

// TableFunc is a table function in FROM: TABLE(f(...)), LATERAL f(...)
// (FLATTEN, GENERATOR, UDTFs). Named arguments are *NamedArg in Func.Args.
type TableFunc struct {
	Pos
	Lateral bool
	Wrapped bool // written as TABLE(...)
	Func    *FuncCall
	Alias   *TableAlias
	Sample  *Sample
}

// StageRef is @stage[/path] [(FILE_FORMAT => ..., PATTERN => ...)] [alias].
type StageRef struct {
	Pos
	Location string      // as written, from '@' to the end of the path (e.g. "@db.s.stg/2024/")
	Options  []*NamedArg // nil when absent
	Alias    *TableAlias
}

// Join is Left [NATURAL] kind JOIN Right [MATCH_CONDITION (...)] [ON cond | USING (cols)].
type Join struct {
	Pos
	Kind           string // "INNER", "LEFT", "RIGHT", "FULL", "CROSS" or "ASOF" (plain JOIN is "INNER")
	Natural        bool
	Left           TableExpr
	Right          TableExpr
	MatchCondition Expr // ASOF JOIN only
	On             Expr
	Using          []Ident
}

// ParenTable is a parenthesised FROM item, typically a join: ((a JOIN b ON ...)).
type ParenTable struct {
	Pos
	Inner TableExpr
	Alias *TableAlias // rarely written; nil when absent
}

// Pivot is Source PIVOT (agg(col) [[AS] a] FOR pivot_col IN (...) [DEFAULT ON NULL (v)]) [alias [(cols)]].
type Pivot struct {
	Pos
	Source    TableExpr
	Aggregate Expr // the aggregate call
	// AggregateAlias is the aggregate's [AS] alias, nil when absent;
	// Snowflake appends "_" and the alias to every pivot column name.
	AggregateAlias *Ident
	For            Expr // the pivot column (a *ColumnRef)
	In             []*PivotValue
	// InAny is IN (ANY [ORDER BY ...]); InAnyOrderBy holds its ORDER BY.
	InAny        bool
	InAnyOrderBy []*OrderItem
	InQuery      *Query // IN (subquery)
	Default      Expr   // DEFAULT ON NULL (v), nil when absent
	Alias        *TableAlias
}

// PivotValue is a value in PIVOT's IN list, with an optional [AS] alias.
type PivotValue struct {
	Pos
	Value Expr
	Alias *Ident
}

// Unpivot is Source UNPIVOT [{INCLUDE|EXCLUDE} NULLS] (value FOR name IN (cols)) [alias [(cols)]].
type Unpivot struct {
	Pos
	Source       TableExpr
	IncludeNulls bool
	ValueColumn  Ident
	NameColumn   Ident
	Columns      []*UnpivotColumn
	Alias        *TableAlias
}

// UnpivotColumn is a column in UNPIVOT's IN list, with an optional AS 'label'.
type UnpivotColumn struct {
	Pos
	Column Ident
	Label  *string // decoded label (string literal or identifier text), nil when absent
}

// MatchRecognize is Source MATCH_RECOGNIZE (...) [alias].
type MatchRecognize struct {
	Pos
	Source       TableExpr
	PartitionBy  []Expr
	OrderBy      []*OrderItem
	Measures     []*SelectItem // expr AS alias
	RowsPerMatch string        // e.g. "ONE ROW PER MATCH", "ALL ROWS PER MATCH OMIT EMPTY MATCHES"; "" when absent
	AfterMatch   string        // e.g. "PAST LAST ROW", "TO NEXT ROW", "TO LAST sym" (sym as written, quoted if it was); "" when absent
	Pattern      string        // the pattern's source text between the parentheses
	Define       []*MatchDefine
	Alias        *TableAlias
}

// MatchDefine is symbol AS condition in DEFINE.
type MatchDefine struct {
	Pos
	Name Ident
	Cond Expr
}

func (*TableName) tableExpr()      {}
func (*DerivedTable) tableExpr()   {}
func (*TableFunc) tableExpr()      {}
func (*StageRef) tableExpr()       {}
func (*Join) tableExpr()           {}
func (*ParenTable) tableExpr()     {}
func (*Pivot) tableExpr()          {}
func (*Unpivot) tableExpr()        {}
func (*MatchRecognize) tableExpr() {}

// ---------------------------------------------------------------------------
// Expressions

// Expr is a scalar expression.
type Expr interface {
	Node
	exprNode()
}

// ColumnRef is a column reference of 1 to 4 parts ([db.][schema.][table.]col).
// Pseudo-columns such as LEVEL are ColumnRefs too.
type ColumnRef struct {
	Pos
	Parts []Ident
}

// Column returns the last part (the column name).
func (c *ColumnRef) Column() Ident { return c.Parts[len(c.Parts)-1] }

// Qualifier returns the parts before the column name (nil when unqualified).
func (c *ColumnRef) Qualifier() []Ident { return c.Parts[:len(c.Parts)-1] }

// PositionalRef is $n or qualifier.$n (a column by position).
type PositionalRef struct {
	Pos
	Qualifier []Ident // nil when unqualified
	Index     int     // 1-based
}

// Star is [qualifier.]* with its modifiers. It appears as a select item and as
// a function argument (COUNT(*), OBJECT_CONSTRUCT(*), COUNT(sym.*)).
type Star struct {
	Pos
	Qualifier []Ident // nil for a bare *
	ILike     *string // ILIKE 'pattern' (decoded), nil when absent
	Exclude   []Ident
	Replace   []*StarReplace
	Rename    []*StarRename
}

// StarReplace is expr AS col inside * REPLACE (...).
type StarReplace struct {
	Pos
	Expr Expr
	Name Ident
}

// StarRename is col AS new inside * RENAME (...).
type StarRename struct {
	Pos
	From Ident
	To   Ident
}

// LiteralKind classifies a *Literal.
type LiteralKind int

// Literal kinds.
const (
	LitString LiteralKind = iota + 1 // '...' or $$...$$; Value is decoded
	LitNumber                        // integer, decimal or scientific; Value is the text
	LitBool                          // TRUE/FALSE; Value is "TRUE" or "FALSE"
	LitNull                          // NULL; Value is "NULL"
	LitBinary                        // X'..'; Value is the hex digits
)

// Literal is a constant.
type Literal struct {
	Pos
	Kind  LiteralKind
	Value string
	Raw   string // the source text
}

// TypedLiteral is DATE '...', TIME '...', TIMESTAMP[_LTZ|_NTZ|_TZ] '...' or
// INTERVAL '...' [qualifier].
type TypedLiteral struct {
	Pos
	Type  string // upper case: "DATE", "TIME", "TIMESTAMP", "TIMESTAMP_NTZ", ..., "INTERVAL"
	Value string // decoded string
	// Qualifier is an INTERVAL literal's interval qualifier, upper case:
	// "DAY", "YEAR TO MONTH", "DAY TO SECOND", ...; "" when absent (the
	// Snowflake interval constant INTERVAL '1 day, 2 hours').
	Qualifier string
}

// Variable is a session variable ($name), a positional bind (?) or a named
// bind (:name).
type Variable struct {
	Pos
	Kind byte   // '$', '?' or ':'
	Name string // without the sigil; empty for '?'
}

// KeywordExpr is a bare keyword used as a value: DEFAULT in a VALUES row, or
// ALL in ORDER BY ALL (an *OrderItem that orders by every select item).
type KeywordExpr struct {
	Pos
	Name string // upper case
}

// DatePart is a date or time part written as a bare word where a function
// expects one: the first argument of DATEADD/DATEDIFF/DATE_TRUNC/DATE_PART/
// TIMEADD/TIMEDIFF/TIMESTAMPADD/TIMESTAMPDIFF, the part of EXTRACT, the unit of
// TIME_SLICE/LAST_DAY. It never names a column.
type DatePart struct {
	Pos
	Name string // as written
}

// UnaryExpr is Op X. Op is "-", "+", "NOT", "PRIOR" or "CONNECT_BY_ROOT".
type UnaryExpr struct {
	Pos
	Op string
	X  Expr
}

// BinaryExpr is L Op R. Op is one of "OR", "AND", "=", "!=" (also for <>),
// "<", "<=", ">", ">=", "||", "+", "-", "*", "/", "%".
// A quantified comparison (a > ALL (subquery)) has a *SubqueryExpr of kind
// "ANY" or "ALL" as R.
type BinaryExpr struct {
	Pos
	Op string
	L  Expr
	R  Expr
}

// IsNullExpr is X IS [NOT] NULL.
type IsNullExpr struct {
	Pos
	X   Expr
	Not bool
}

// IsDistinctExpr is X IS [NOT] DISTINCT FROM Y.
type IsDistinctExpr struct {
	Pos
	X, Y Expr
	Not  bool
}

// BetweenExpr is X [NOT] BETWEEN Lo AND Hi.
type BetweenExpr struct {
	Pos
	X, Lo, Hi Expr
	Not       bool
}

// InExpr is X [NOT] IN (list) or X [NOT] IN (subquery).
type InExpr struct {
	Pos
	X     Expr
	Not   bool
	List  []Expr // nil when Query is set
	Query *Query
}

// LikeExpr is X [NOT] {LIKE|ILIKE|RLIKE|REGEXP} [ANY|ALL] pattern(s) [ESCAPE e].
type LikeExpr struct {
	Pos
	X          Expr
	Not        bool
	Op         string // "LIKE", "ILIKE", "RLIKE" or "REGEXP"
	Quantifier string // "", "ANY" (also for SOME) or "ALL"
	Patterns   []Expr // one pattern, or the list after ANY/ALL
	Escape     Expr   // nil when absent
}

// CollateExpr is X COLLATE 'spec'.
type CollateExpr struct {
	Pos
	X         Expr
	Collation string
}

// CaseExpr is CASE [Operand] WHEN ... THEN ... [ELSE ...] END.
type CaseExpr struct {
	Pos
	Operand Expr // nil for a searched CASE
	Whens   []*When
	Else    Expr
}

// When is WHEN Cond THEN Result.
type When struct {
	Pos
	Cond   Expr
	Result Expr
}

// CastExpr is CAST(X AS T), TRY_CAST(X AS T) or X::T.
type CastExpr struct {
	Pos
	X      Expr
	Type   *DataType
	Try    bool // TRY_CAST
	Colons bool // written as X::T
}

// DataType is a type name with its parameters, e.g. NUMBER(10, 2),
// TIMESTAMP_NTZ(9), ARRAY(INT), DOUBLE PRECISION.
type DataType struct {
	Pos
	Name string   // upper case, words joined by one space
	Args []string // each parameter's source text, nil when absent
}

// FuncCall is a function call, including aggregate and window calls.
// COUNT(*) has a *Star argument; named arguments (input => x) are *NamedArg;
// lambdas are *Lambda. Functions written without parentheses
// (CURRENT_DATE, CURRENT_TIMESTAMP, ...) have NoParens set.
type FuncCall struct {
	Pos
	Name     ObjectName
	Distinct bool
	Args     []Expr
	NoParens bool
	// Nulls is "IGNORE" or "RESPECT" for IGNORE/RESPECT NULLS, written inside
	// the parentheses or after them; "" when absent.
	Nulls       string
	WithinGroup []*OrderItem // WITHIN GROUP (ORDER BY ...), nil when absent
	Filter      Expr         // FILTER (WHERE cond), nil when absent
	Over        *WindowSpec  // OVER (...), nil when not a window call
	// FromEnd is "FIRST" or "LAST" for NTH_VALUE(...) FROM FIRST|LAST; "" when absent.
	FromEnd string
}

// FuncName returns the normalised name of the function (last part).
func (f *FuncCall) FuncName() string { return f.Name.Name().Normalized() }

// NamedArg is name => value in a function's argument list.
type NamedArg struct {
	Pos
	Name  Ident
	Value Expr
}

// WindowSpec is the OVER (...) of a window call. OVER () has all fields empty.
type WindowSpec struct {
	Pos
	PartitionBy []Expr
	OrderBy     []*OrderItem
	Frame       *WindowFrame
}

// WindowFrame is {ROWS|RANGE} {start | BETWEEN start AND end}.
type WindowFrame struct {
	Pos
	Unit  string // "ROWS" or "RANGE"
	Start *FrameBound
	End   *FrameBound // nil without BETWEEN
}

// FrameBound is UNBOUNDED PRECEDING|FOLLOWING, CURRENT ROW, or n PRECEDING|FOLLOWING.
type FrameBound struct {
	Pos
	Kind   string // "UNBOUNDED PRECEDING", "PRECEDING", "CURRENT ROW", "FOLLOWING", "UNBOUNDED FOLLOWING"
	Offset Expr   // for n PRECEDING/FOLLOWING
}

// ExtractExpr is EXTRACT(Part FROM X).
type ExtractExpr struct {
	Pos
	Part string // as written
	X    Expr
}

// SubqueryExpr is a subquery in an expression. Kind is "SCALAR" for (query),
// "EXISTS" for EXISTS (query), and "ANY" or "ALL" for the right side of a
// quantified comparison (SOME is "ANY").
type SubqueryExpr struct {
	Pos
	Kind  string
	Query *Query
}

// Lambda is param -> body or (p1, p2) -> body; params may be typed (x INT -> ...).
type Lambda struct {
	Pos
	Params []*LambdaParam
	Body   Expr
}

// LambdaParam is a lambda parameter with an optional type.
type LambdaParam struct {
	Pos
	Name Ident
	Type *DataType
}

// ArrayLit is an array constant [e1, e2, ...].
type ArrayLit struct {
	Pos
	Elems []Expr
}

// ObjectLit is an object constant {'k': v, ...}.
type ObjectLit struct {
	Pos
	Fields []*ObjectField
}

// ObjectField is key: value inside an object constant.
type ObjectField struct {
	Pos
	Key   Expr
	Value Expr
}

// TupleExpr is (e1, e2, ...): a row value, an element of GROUPING SETS
// (where () is an empty tuple), or the left side of (a, b) IN (...).
type TupleExpr struct {
	Pos
	Elems []Expr
}

// GroupingSets is CUBE (...), ROLLUP (...) or GROUPING SETS (...) in GROUP BY.
// For GROUPING SETS an item that is a set of several expressions (or none) is
// a *TupleExpr.
type GroupingSets struct {
	Pos
	Kind  string // "CUBE", "ROLLUP" or "GROUPING SETS"
	Items []Expr
}

// PathExpr is semi-structured access on X: v:a.b[0]:"c", v['k'], f(x):id.
// The first step after ':' and every '.' step are field steps; [...] are
// index steps.
type PathExpr struct {
	Pos
	X     Expr
	Steps []*PathStep
}

// PathStep is one step of a PathExpr.
type PathStep struct {
	Pos
	// Field is the key of a :key or .key step (Quoted for "key").
	Field Ident
	// Index is the expression inside [...] for a bracket step (a number or a
	// string key); nil for a field step.
	Index Expr
}

func (*ColumnRef) exprNode()      {}
func (*PositionalRef) exprNode()  {}
func (*Star) exprNode()           {}
func (*Literal) exprNode()        {}
func (*TypedLiteral) exprNode()   {}
func (*Variable) exprNode()       {}
func (*KeywordExpr) exprNode()    {}
func (*DatePart) exprNode()       {}
func (*UnaryExpr) exprNode()      {}
func (*BinaryExpr) exprNode()     {}
func (*IsNullExpr) exprNode()     {}
func (*IsDistinctExpr) exprNode() {}
func (*BetweenExpr) exprNode()    {}
func (*InExpr) exprNode()         {}
func (*LikeExpr) exprNode()       {}
func (*CollateExpr) exprNode()    {}
func (*CaseExpr) exprNode()       {}
func (*CastExpr) exprNode()       {}
func (*FuncCall) exprNode()       {}
func (*NamedArg) exprNode()       {}
func (*ExtractExpr) exprNode()    {}
func (*SubqueryExpr) exprNode()   {}
func (*Lambda) exprNode()         {}
func (*ArrayLit) exprNode()       {}
func (*ObjectLit) exprNode()      {}
func (*TupleExpr) exprNode()      {}
func (*GroupingSets) exprNode()   {}
func (*PathExpr) exprNode()       {}
