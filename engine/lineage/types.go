package lineage

// Version is the engine's lineage version: bump it with every change that alters the
// lineage the engine outputs for some input (edges, kinds, warnings stored with a view,
// chains of expressions), so ingestion re-analyses the views analysed by an older engine.
// 1 was every engine before the versioning; 2 added case-insensitive catalog matches,
// unverified edges and chains of expressions.
const Version = 2

// Statement kinds, as printed in Statement.Kind.
const (
	KindCreateView = "CREATE_VIEW"
	KindCTAS       = "CTAS"
	KindInsert     = "INSERT"
	KindMerge      = "MERGE"
	KindSelect     = "SELECT"
)

// Edge types and subtypes (OpenLineage's column-lineage vocabulary).
const (
	TypeDirect   = "DIRECT"
	TypeIndirect = "INDIRECT"

	SubtypeIdentity       = "IDENTITY"
	SubtypeTransformation = "TRANSFORMATION"
	SubtypeAggregation    = "AGGREGATION"
	SubtypeJoin           = "JOIN"
	SubtypeFilter         = "FILTER"
	SubtypeGroupBy        = "GROUP_BY"
	SubtypeSort           = "SORT"
	SubtypeWindow         = "WINDOW"
	SubtypeConditional    = "CONDITIONAL"
)

// Result is the lineage of a script: one Statement per analysed statement
// and one StatementError per statement that did not parse.
type Result struct {
	Statements []Statement        `json:"statements"`
	Errors     []StatementError   `json:"errors"`
	Skipped    []SkippedStatement `json:"-"`
}

// Statement is the lineage of one statement.
type Statement struct {
	// Index is the statement's 0-based index among the script's non-empty
	// statements (the same numbering as StatementError.Statement).
	Index int `json:"index"`
	// Kind is one of the Kind* constants.
	Kind string `json:"kind"`
	// Target is the canonical name of the view or table written, nil for a
	// bare query.
	Target   *string    `json:"target"`
	Columns  []Column   `json:"columns"`
	Indirect []Indirect `json:"indirect"`
	Warnings []Warning  `json:"warnings"`
}

// Column is one output column and its upstream columns.
type Column struct {
	// Name is the output column's canonical name (quoted when it cannot be
	// written unquoted).
	Name    string   `json:"name"`
	Sources []Source `json:"sources"`
}

// Source is one typed edge from an output column to an upstream column.
type Source struct {
	// Column is the canonical dotted name DB.SCHEMA.TABLE.COLUMN (fewer parts
	// when the database or schema is unknown).
	Column  string `json:"column"`
	Type    string `json:"type"`
	Subtype string `json:"subtype"`
	Masking bool   `json:"masking"`
	// Verified is nil when the edge is verified, and points to false when
	// the catalog lists the column's table but not the column: the reference
	// names the table unambiguously, so the edge is kept (with a warning).
	Verified *bool `json:"verified,omitempty"`
	// Expressions is the chain of select item expressions the value goes
	// through, from the source column to the output column; plain column
	// references and stars add no step.
	Expressions []Step `json:"expressions,omitempty"`
}

// IsVerified reports whether the catalog confirmed the source column (or
// there was nothing to confirm it against).
func (s Source) IsVerified() bool { return s.Verified == nil || *s.Verified }

// Step is one expression of a Source's chain.
type Step struct {
	// Relation is where the expression is: "CTE NAME", "derived table
	// ALIAS" ("derived table" when unaliased), "subquery" (a subquery in an
	// expression), or "" for the statement's own select list; inside a view an earlier statement created and this one
	// expands (Options.ExpandViews), "view V" or "CTE NAME in view V".
	Relation   string `json:"relation,omitempty"`
	Expression string `json:"expression"`
}

// Indirect is an upstream column that affects the whole statement.
type Indirect struct {
	Column  string `json:"column"`
	Subtype string `json:"subtype"`
}

// Warning is something the analysis could not decide as a fact: an
// ambiguous or unknown reference, a star it could not expand, a guess.
type Warning struct {
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
}

// StatementError is a statement that did not parse.
type StatementError struct {
	Statement int    `json:"statement"`
	Line      int    `json:"line"`
	Col       int    `json:"col"`
	Message   string `json:"message"`
}

// SkippedStatement is a statement that parsed but carries no lineage (DROP,
// ALTER, USE, ...); it is not an error.
type SkippedStatement struct {
	Statement int    `json:"statement"`
	Line      int    `json:"line"`
	Col       int    `json:"col"`
	Message   string `json:"message"`
}

// kind is an edge type/subtype pair. The DIRECT kinds are ordered by
// strength (IDENTITY < TRANSFORMATION < AGGREGATION).
type kind uint8

const (
	kIdentity kind = iota
	kTransformation
	kAggregation
	kJoin
	kFilter
	kGroupBy
	kSort
	kWindow
	kConditional
)

func (k kind) direct() bool { return k <= kAggregation }

func (k kind) typeName() string {
	if k.direct() {
		return TypeDirect
	}
	return TypeIndirect
}

func (k kind) subtype() string {
	switch k {
	case kIdentity:
		return SubtypeIdentity
	case kTransformation:
		return SubtypeTransformation
	case kAggregation:
		return SubtypeAggregation
	case kJoin:
		return SubtypeJoin
	case kFilter:
		return SubtypeFilter
	case kGroupBy:
		return SubtypeGroupBy
	case kSort:
		return SubtypeSort
	case kWindow:
		return SubtypeWindow
	default:
		return SubtypeConditional
	}
}

// compose is the kind of an edge that reaches a column through inner and is
// then used by an expression of kind outer: an INDIRECT step wins (outer
// first), otherwise the stronger DIRECT kind.
func compose(outer, inner kind) kind {
	if !outer.direct() {
		return outer
	}
	if !inner.direct() {
		return inner
	}
	return max(outer, inner)
}
