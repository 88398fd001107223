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

// Origin says what an edge's lineage was read from.
type Origin string

// Origins. A definition (view, dbt model, dynamic table) is one statement that defines its
// dataset: writing the dataset again replaces every definition edge into it. Query history and
// OpenLineage add edges keyed by their statement (a query's hash, a job): edges of other
// statements into the same dataset stay.
const (
	OriginView         Origin = "view"          // a view's or materialized view's definition
	OriginDBT          Origin = "dbt"           // a dbt model's compiled code
	OriginDynamicTable Origin = "dynamic_table" // a dynamic table's definition
	OriginQueryHistory Origin = "query_history" // a statement from QUERY_HISTORY or an export of it
	OriginOpenLineage  Origin = "openlineage"   // an OpenLineage run event
)

// Valid reports whether o is a known origin.
func (o Origin) Valid() bool {
	switch o {
	case OriginView, OriginDBT, OriginDynamicTable, OriginQueryHistory, OriginOpenLineage:
		return true
	}
	return false
}

// Definition reports whether o is the origin of a dataset's definition (replaced wholesale).
func (o Origin) Definition() bool {
	return o == OriginView || o == OriginDBT || o == OriginDynamicTable
}

// Edge says that column From (derived) is computed from column To (source) in view View (the
// dataset From belongs to).
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
	// Provenance: what the edge was read from. Zero in an edge given to a view write means
	// the view's own (its Origin, its id as Statement).
	Provenance
}

// Provenance is where an edge came from: its Origin, the Statement that produced it (the
// dataset's id for a view or dynamic table definition, the dbt unique_id, a query's hash, an
// OpenLineage job "namespace/name"), the OpenLineage Run, and when it was last seen.
type Provenance struct {
	Origin    Origin
	Statement string
	Run       string
	LastSeen  time.Time
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

// View is a dataset defined by one statement (a view, a dbt model, a dynamic table, a
// materialized view) with its definition and its full column lineage, written by
// ReplaceViewsLineage. It carries the :View label in the graph whatever its Kind.
type View struct {
	ID          ObjectID
	Kind        string // KindView (when empty), KindTable, KindDynamicTable, KindMaterializedView
	Origin      Origin // OriginView when empty
	Meta        Meta
	Definition  string
	Status      string // StatusOK, StatusFailed, StatusHidden
	Message     string // why parsing failed, warnings
	Columns     []Column
	Edges       []Edge // every Edge.From is a column of this view; Edge.View is ID (or zero)
	LastAltered time.Time
}

// Meta is what a dataset's source says about it besides its SQL: dbt's model metadata and a
// dynamic table's options. Empty fields are not stored.
type Meta struct {
	UniqueID        string   `json:"uniqueId,omitempty"`        // dbt unique_id
	Description     string   `json:"description,omitempty"`     // dbt description
	Tags            []string `json:"tags,omitempty"`            // dbt tags
	Owner           string   `json:"owner,omitempty"`           // dbt meta.owner
	Materialization string   `json:"materialization,omitempty"` // dbt materialized config
	Path            string   `json:"path,omitempty"`            // dbt original_file_path
	TargetLag       string   `json:"targetLag,omitempty"`       // dynamic table TARGET_LAG
	Warehouse       string   `json:"warehouse,omitempty"`       // dynamic table WAREHOUSE
	RefreshMode     string   `json:"refreshMode,omitempty"`     // dynamic table REFRESH_MODE
	Initialize      string   `json:"initialize,omitempty"`      // dynamic table INITIALIZE
}

// props is m as node properties (absent fields as nil, which removes a stale value).
func (m Meta) props() map[string]any {
	opt := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	var tags any
	if len(m.Tags) > 0 {
		tags = m.Tags
	}
	return map[string]any{"uniqueId": opt(m.UniqueID), "description": opt(m.Description), "tags": tags,
		"owner": opt(m.Owner), "materialization": opt(m.Materialization), "path": opt(m.Path),
		"targetLag": opt(m.TargetLag), "warehouse": opt(m.Warehouse), "refreshMode": opt(m.RefreshMode),
		"initialize": opt(m.Initialize)}
}

// metaOf reads Meta back from a node's properties.
func metaOf(p map[string]any) Meta {
	var tags []string
	if l, ok := p["tags"].([]any); ok {
		for _, t := range l {
			if s, ok := t.(string); ok {
				tags = append(tags, s)
			}
		}
	}
	return Meta{UniqueID: str(p, "uniqueId"), Description: str(p, "description"), Tags: tags,
		Owner: str(p, "owner"), Materialization: str(p, "materialization"), Path: str(p, "path"),
		TargetLag: str(p, "targetLag"), Warehouse: str(p, "warehouse"), RefreshMode: str(p, "refreshMode"),
		Initialize: str(p, "initialize")}
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
	Provenance
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
	Kind        string // KindView, KindTable, KindDynamicTable, KindMaterializedView, KindExternal
	DefinedBy   Origin // the origin of its definition (views, dbt models, dynamic tables); "" for tables
	Meta        Meta
	Placeholder bool // a table known only because a view reads it
	Definition  string
	Status      string
	Message     string
	UpdatedAt   time.Time
	LastAltered time.Time
	Columns     []ViewColumn // by ordinal
	Upstream    []ObjectRef  // tables and views this view reads directly
	Downstream  []ObjectID   // views that read this view directly
}

// Search kinds and dataset kinds.
const (
	KindColumn           = "column"
	KindTable            = "table"
	KindView             = "view"
	KindDynamicTable     = "dynamic_table"
	KindMaterializedView = "materialized_view"
	KindExternal         = "external" // a dataset outside Snowflake (OpenLineage namespaces)
)

// ValidKind reports whether k is a dataset kind.
func ValidKind(k string) bool {
	switch k {
	case KindTable, KindView, KindDynamicTable, KindMaterializedView, KindExternal:
		return true
	}
	return false
}

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
