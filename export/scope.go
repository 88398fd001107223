package export

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tributary-lineage/tributary/graph"
)

// Scope kinds.
const (
	ScopeAll        = "all"
	ScopeDatabase   = "database"
	ScopeSchema     = "schema"
	ScopeViews      = "views"
	ScopeUpstream   = "upstream"
	ScopeDownstream = "downstream"
)

// Scope says which part of the graph an export covers. It is also the JSON of the scope in
// requests, task payloads and the exported document.
type Scope struct {
	Kind      string   `json:"kind"`                // one of the Scope* constants
	Databases []string `json:"databases,omitempty"` // ScopeDatabase: database names
	Schemas   []string `json:"schemas,omitempty"`   // ScopeSchema: DB.SCHEMA
	Views     []string `json:"views,omitempty"`     // ScopeViews: DB.SCHEMA.VIEW (tables allowed)
	// Closures start at one column (DB.SCHEMA.TABLE.COLUMN) or at every column of one table
	// or view (DB.SCHEMA.NAME); Depth is 1..graph.MaxDepth, 0 meaning graph.MaxDepth.
	Root  string `json:"root,omitempty"`
	Depth int    `json:"depth,omitempty"`
}

// Closure reports whether the scope is an upstream or downstream closure.
func (s Scope) Closure() bool { return s.Kind == ScopeUpstream || s.Kind == ScopeDownstream }

// String renders the scope in the form ParseScope reads.
func (s Scope) String() string {
	switch s.Kind {
	case ScopeDatabase:
		return s.Kind + ":" + strings.Join(s.Databases, ",")
	case ScopeSchema:
		return s.Kind + ":" + strings.Join(s.Schemas, ",")
	case ScopeViews:
		return s.Kind + ":" + strings.Join(s.Views, ",")
	case ScopeUpstream, ScopeDownstream:
		out := s.Kind + ":" + s.Root
		if s.Depth > 0 {
			out += "@" + strconv.Itoa(s.Depth)
		}
		return out
	}
	return s.Kind
}

// ParseScope reads the command-line form of a scope:
//
//	all
//	database:ANALYTICS[,RAW]
//	schema:ANALYTICS.MART[,ANALYTICS.STAGING]
//	views:ANALYTICS.MART.ORDERS[,...]
//	upstream:ANALYTICS.MART.ORDERS.TOTAL[@DEPTH]     (a column, or a view for all its columns)
//	downstream:RAW.SHOP.ORDERS.AMOUNT[@DEPTH]
//
// Lists are comma separated; a comma inside a quoted identifier belongs to the name. The
// result is validated (see Normalize).
func ParseScope(text string) (Scope, error) {
	kind, arg, _ := strings.Cut(strings.TrimSpace(text), ":")
	s := Scope{Kind: strings.ToLower(kind)}
	switch s.Kind {
	case ScopeAll:
		if arg != "" {
			return Scope{}, fmt.Errorf("scope %q: %q takes no argument", text, ScopeAll)
		}
	case ScopeDatabase:
		s.Databases = splitNames(arg)
	case ScopeSchema:
		s.Schemas = splitNames(arg)
	case ScopeViews:
		s.Views = splitNames(arg)
	case ScopeUpstream, ScopeDownstream:
		s.Root = arg
		if i := strings.LastIndex(arg, "@"); i >= 0 && !strings.Contains(arg[i:], `"`) {
			d, err := strconv.Atoi(arg[i+1:])
			if err != nil {
				return Scope{}, fmt.Errorf("scope %q: depth %q is not a number", text, arg[i+1:])
			}
			s.Root, s.Depth = arg[:i], d
		}
	default:
		return Scope{}, fmt.Errorf("scope %q: want all, database:NAMES, schema:DB.SCHEMAS, views:IDS, upstream:ID[@DEPTH] or downstream:ID[@DEPTH]", text)
	}
	return s.Normalize()
}

// splitNames splits a comma-separated list of identifiers, keeping commas inside quotes.
func splitNames(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case r == ',' && !quoted:
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	out = append(out, strings.TrimSpace(cur.String()))
	return out
}

// Normalize validates the scope and returns it with every name in canonical form
// (Snowflake rules: unquoted identifiers upper-cased).
func (s Scope) Normalize() (Scope, error) {
	bad := func(format string, args ...any) (Scope, error) {
		return Scope{}, fmt.Errorf("%w: scope %s: %s", graph.ErrInvalid, s.Kind, fmt.Sprintf(format, args...))
	}
	out := Scope{Kind: s.Kind}
	switch s.Kind {
	case ScopeAll:
	case ScopeDatabase:
		if len(s.Databases) == 0 {
			return bad("no database named")
		}
		for _, d := range s.Databases {
			parts, err := graph.ParseIdentifiers(d)
			if err != nil || len(parts) != 1 {
				return bad("%q is not a database name", d)
			}
			out.Databases = append(out.Databases, parts[0])
		}
	case ScopeSchema:
		if len(s.Schemas) == 0 {
			return bad("no schema named")
		}
		for _, d := range s.Schemas {
			parts, err := graph.ParseIdentifiers(d)
			if err != nil || len(parts) != 2 {
				return bad("%q is not DB.SCHEMA", d)
			}
			out.Schemas = append(out.Schemas, graph.ObjectID{Database: parts[0], Schema: parts[1], Name: "X"}.SchemaID())
		}
	case ScopeViews:
		if len(s.Views) == 0 {
			return bad("no view named")
		}
		for _, v := range s.Views {
			id, err := graph.ParseObjectID(v)
			if err != nil {
				return bad("%q: %v", v, err)
			}
			out.Views = append(out.Views, id.String())
		}
	case ScopeUpstream, ScopeDownstream:
		if s.Depth < 0 || s.Depth > graph.MaxDepth {
			return bad("depth %d out of range 1..%d", s.Depth, graph.MaxDepth)
		}
		out.Depth = s.Depth
		parts, err := graph.ParseIdentifiers(s.Root)
		if err != nil {
			return bad("root %q: %v", s.Root, err)
		}
		switch len(parts) {
		case 3:
			out.Root = graph.ObjectID{Database: parts[0], Schema: parts[1], Name: parts[2]}.String()
		case 4:
			out.Root = graph.ColumnID{Database: parts[0], Schema: parts[1], Table: parts[2], Column: parts[3]}.String()
		default:
			return bad("root %q: want a column DB.SCHEMA.TABLE.COLUMN or a table or view DB.SCHEMA.NAME", s.Root)
		}
	default:
		return bad("unknown kind; want %s, %s, %s, %s, %s or %s", ScopeAll, ScopeDatabase, ScopeSchema, ScopeViews, ScopeUpstream, ScopeDownstream)
	}
	return out, nil
}

// depth is the closure depth to use.
func (s Scope) depth() int {
	if s.Depth == 0 {
		return graph.MaxDepth
	}
	return s.Depth
}
