package graph

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNotFound is returned when a column, view or other object asked for is not in the graph.
var ErrNotFound = errors.New("not found")

// ErrInvalid is wrapped by errors about bad arguments (depth out of range, empty query, bad ids),
// so callers can answer 400 without parsing messages.
var ErrInvalid = errors.New("invalid argument")

// EdgeType says whether a source's values flow into the derived column (DIRECT) or only
// influence which rows or values appear (INDIRECT), in OpenLineage's column-lineage vocabulary.
type EdgeType string

// Edge types.
const (
	EdgeDirect   EdgeType = "DIRECT"
	EdgeIndirect EdgeType = "INDIRECT"
)

// Subtype refines an EdgeType (OpenLineage's transformation subtypes).
type Subtype string

// Subtypes. IDENTITY, TRANSFORMATION and AGGREGATION go with DIRECT; the others with INDIRECT.
const (
	SubtypeIdentity       Subtype = "IDENTITY"
	SubtypeTransformation Subtype = "TRANSFORMATION"
	SubtypeAggregation    Subtype = "AGGREGATION"
	SubtypeJoin           Subtype = "JOIN"
	SubtypeFilter         Subtype = "FILTER"
	SubtypeGroupBy        Subtype = "GROUP_BY"
	SubtypeSort           Subtype = "SORT"
	SubtypeWindow         Subtype = "WINDOW"
	SubtypeConditional    Subtype = "CONDITIONAL"
)

// Valid reports whether t is a known edge type.
func (t EdgeType) Valid() bool { return t == EdgeDirect || t == EdgeIndirect }

// Valid reports whether s is a known subtype.
func (s Subtype) Valid() bool {
	switch s {
	case SubtypeIdentity, SubtypeTransformation, SubtypeAggregation, SubtypeJoin, SubtypeFilter,
		SubtypeGroupBy, SubtypeSort, SubtypeWindow, SubtypeConditional:
		return true
	}
	return false
}

// Edge says that column From (derived) is computed from column To (source) in view View.
type Edge struct {
	From, To   ColumnID
	Type       EdgeType
	Subtype    Subtype
	View       ObjectID
	Expression string
	Masking    bool
	// Unverified is set when the catalog the analysis used lists To's table but not To: the
	// SQL names the table unambiguously, so the edge is kept, marked unsure.
	Unverified bool
	// Steps is the chain of expressions from To to From, source first (empty when the value
	// is passed through unchanged).
	Steps []Step
}

// Step is one expression on the way from a source column to a derived one: Relation is the
// CTE or derived table it is in ("CTE NAME", "derived table ALIAS"), "" for the view's own
// select list.
type Step struct {
	Relation   string `json:"relation,omitempty"`
	Expression string `json:"expression"`
}

// FormatSteps prints a chain of steps on one line, source first:
// "CTE C: COALESCE(a, b) -> SUM(a)".
func FormatSteps(steps []Step) string {
	var b strings.Builder
	for i, st := range steps {
		if i > 0 {
			b.WriteString(" -> ")
		}
		if st.Relation != "" {
			b.WriteString(st.Relation + ": ")
		}
		b.WriteString(st.Expression)
	}
	return b.String()
}

// View statuses.
const (
	StatusOK     = "ok"
	StatusFailed = "failed"
	StatusHidden = "hidden"
)

// Column is an output column of a view or a column of a table.
type Column struct {
	Name     string
	Ordinal  int
	DataType string
}

// View is a view's definition and its full column lineage, written by ReplaceViewLineage.
type View struct {
	ID          ObjectID
	Definition  string
	Status      string // StatusOK, StatusFailed, StatusHidden
	Message     string // why parsing failed, warnings
	Columns     []Column
	Edges       []Edge // every Edge.From is a column of this view; Edge.View is ID (or zero)
	LastAltered time.Time
}

// Table is a base table from the catalog.
type Table struct {
	ID      ObjectID
	Columns []Column // when non-empty, the full column list: unlisted columns are removed
}

// Node is a column in a traversal result, with the table or view it belongs to.
type Node struct {
	ID          ColumnID
	Name        string
	Ordinal     int
	DataType    string
	Parent      ObjectID
	ParentKind  string // "table" or "view"
	Placeholder bool   // parent is a table known only because a view reads it
	// Distance is the fewest hops from the traversal's root (0 for the root itself).
	Distance int
}

// Subgraph is the result of Upstream or Downstream (or one side of Both).
type Subgraph struct {
	Root  ColumnID
	Depth int
	Nodes []Node // includes the root
	Edges []Edge
	// Paths are maximal paths from Root as column ids (Root first): a path ends at Depth hops or
	// where lineage ends. Every shorter path is a prefix of one of them.
	Paths     [][]ColumnID
	Truncated bool // more than MaxPaths paths; Nodes and Edges cover the returned paths
}

// Source is a direct source of a view column.
type Source struct {
	Column     ColumnID
	Type       EdgeType
	Subtype    Subtype
	View       ObjectID
	Expression string
	Masking    bool
	Unverified bool
	Steps      []Step
}

// ViewColumn is a view's column with its direct sources.
type ViewColumn struct {
	ID       ColumnID
	Name     string
	Ordinal  int
	DataType string
	Sources  []Source
}

// ObjectRef is a table or view with its kind ("table" or "view").
type ObjectRef struct {
	ID   ObjectID
	Kind string
}

// ViewDetail is what ViewDetail and DatasetDetail return.
type ViewDetail struct {
	ID          ObjectID
	Kind        string // KindView or KindTable
	Placeholder bool   // a table known only because a view reads it
	Definition  string
	Status      string
	Message     string
	UpdatedAt   time.Time
	LastAltered time.Time
	Columns     []ViewColumn // by ordinal
	Upstream    []ObjectRef  // tables and views this view reads directly
	Downstream  []ObjectID   // views that read this view directly
}

// Search kinds.
const (
	KindColumn = "column"
	KindTable  = "table"
	KindView   = "view"
)

// SearchHit is one result of Search. ID is a ColumnID string for columns, an ObjectID string
// for tables and views; Parent is the table/view of a column, the schema of a table or view.
type SearchHit struct {
	Kind   string
	ID     string
	Name   string
	Parent string
	Score  float64  // the full-text score (BM25), informative only: Match orders hits
	Match  string   // MatchExact, MatchWords, MatchPrefix or MatchTypo
	Fields []string // what matched: FieldID, FieldName, FieldPath
}

// Counts are the sizes of the whole graph.
type Counts struct {
	Databases, Schemas, Tables, Views, Columns, Edges int64
}

// ServerInfo describes the Neo4j server.
type ServerInfo struct {
	Version, Edition string
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}
