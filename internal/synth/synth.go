// Package synth generates synthetic Snowflake warehouses for scale tests.
//
// Generate is pure and deterministic: the same Options (seed included) give
// byte-identical files. A warehouse is a set of base tables (the catalog) and
// views arranged in layers; every view reads one to three relations of lower
// layers through joins, aggregates, CASE expressions, CTEs, derived tables,
// window functions, unions and star selections. The generator keeps a model
// of every relation's columns while it writes, and records every column a
// view reads (Refs), so tests can check that each reference exists upstream
// without parsing the SQL.
package synth

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Default values used by Generate for zero Options fields.
const (
	DefaultViews    = 100
	DefaultColumns  = 20
	DefaultDepth    = 5
	DefaultDatabase = "SYNTH"
)

// Options control the shape of a generated warehouse. Zero fields take the
// defaults above; Tables defaults to max(5, Views/10).
type Options struct {
	Views    int    // number of views
	Columns  int    // average number of columns per view and per base table
	Depth    int    // number of view layers above the base tables
	Seed     int64  // random seed; same seed, same warehouse
	Database string // database holding every schema (unquoted identifier)
	Tables   int    // number of base tables
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$]*$`)

// Validate reports options Generate cannot honour as asked.
func (o Options) Validate() error {
	switch {
	case o.Views < 0:
		return fmt.Errorf("synth options: views must be >= 0, got %d", o.Views)
	case o.Columns < 0:
		return fmt.Errorf("synth options: columns must be >= 0, got %d", o.Columns)
	case o.Columns > 0 && o.Columns < 3:
		return fmt.Errorf("synth options: columns must be at least 3, got %d", o.Columns)
	case o.Depth < 0:
		return fmt.Errorf("synth options: depth must be >= 0, got %d", o.Depth)
	case o.Tables < 0:
		return fmt.Errorf("synth options: tables must be >= 0, got %d", o.Tables)
	case o.Database != "" && !identRE.MatchString(o.Database):
		return fmt.Errorf("synth options: database %q is not an unquoted identifier", o.Database)
	}
	return nil
}

// Normalize returns the options Generate actually uses: defaults applied,
// invalid values replaced by defaults, the database upper-cased and the depth
// capped at the number of views.
func (o Options) Normalize() Options {
	if o.Views <= 0 {
		o.Views = DefaultViews
	}
	if o.Columns < 3 {
		o.Columns = DefaultColumns
	}
	if o.Depth <= 0 {
		o.Depth = DefaultDepth
	}
	if o.Depth > o.Views {
		o.Depth = o.Views
	}
	if o.Database == "" || !identRE.MatchString(o.Database) {
		o.Database = DefaultDatabase
	}
	o.Database = strings.ToUpper(o.Database)
	if o.Tables <= 0 {
		o.Tables = max(5, o.Views/10)
	}
	return o
}

// Column is a column of a table or view with its Snowflake data type.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Table is a base table of the catalog; Name is DATABASE.SCHEMA.TABLE.
type Table struct {
	Name    string
	Columns []Column
}

// Ref is one column a view's SQL reads. Relation is the qualified name of a
// table or view, or, when Local is set, the name of a CTE or derived table of
// the same view (listed in View.Locals). Star is set when the column is read
// through a star (`*`, `t.*`, with or without EXCLUDE/RENAME/REPLACE) rather
// than by name, so the view's columns change when Relation's columns do.
type Ref struct {
	Relation string
	Column   string
	Local    bool
	Star     bool
}

// View is the model of one generated view.
type View struct {
	Name    string   // DATABASE.SCHEMA.VIEW
	Layer   int      // 1..Depth; base tables are layer 0
	Shape   string   // select, join, aggregate, window, cte, star, union
	Path    string   // file path relative to the output directory
	Body    string   // the SELECT of its CREATE VIEW
	Columns []Column // output columns, in order
	Sources []string // qualified names of the relations it reads
	Refs    []Ref    // every column the SQL reads
	Locals  []Table  // CTEs and derived tables, by their SQL name
}

// File is one generated file; Path is slash-separated and relative.
type File struct {
	Path    string
	Content []byte
}

// Warehouse is a generated warehouse.
type Warehouse struct {
	Options Options // normalised options used
	Tables  []Table
	Views   []View
	Files   []File // one CREATE VIEW per file, in view order
	// Catalog is the CLI's --catalog JSON: {"DB.SCHEMA.TABLE": ["COL", ...]} for the base tables.
	Catalog []byte
	// CatalogTypes is {"DB.SCHEMA.TABLE": [{"name": ..., "type": ...}]} for the base tables.
	CatalogTypes []byte
}

// Names of the catalog files AllFiles adds next to the views.
const (
	CatalogFile      = "catalog.json"
	CatalogTypesFile = "catalog_types.json"
)

// AllFiles returns the view files followed by catalog.json and catalog_types.json.
func (w Warehouse) AllFiles() []File {
	out := make([]File, 0, len(w.Files)+2)
	out = append(out, w.Files...)
	out = append(out, File{Path: CatalogFile, Content: w.Catalog}, File{Path: CatalogTypesFile, Content: w.CatalogTypes})
	return out
}

// ColumnCount returns the total number of view output columns.
func (w Warehouse) ColumnCount() int {
	n := 0
	for _, v := range w.Views {
		n += len(v.Columns)
	}
	return n
}

// Generate builds a warehouse from opts (normalised first, see Normalize).
func Generate(opts Options) Warehouse {
	opts = opts.Normalize()
	g := newGen(opts)
	g.tables()
	g.views()

	w := Warehouse{Options: opts}
	for _, r := range g.layers[0] {
		w.Tables = append(w.Tables, Table{Name: r.name, Columns: r.columns()})
	}
	w.Views = g.out
	w.Files = g.files
	w.Catalog, w.CatalogTypes = catalogJSON(w.Tables)
	return w
}

// CatalogWithViews renders the --catalog JSON of the base tables followed by
// every view with its output columns: what an analysis of one view file in
// isolation needs to expand stars over upstream views. It is not part of
// AllFiles (a file source learns view columns from the views themselves).
func (w Warehouse) CatalogWithViews() []byte {
	all := make([]Table, 0, len(w.Tables)+len(w.Views))
	all = append(all, w.Tables...)
	for _, v := range w.Views {
		all = append(all, Table{Name: v.Name, Columns: v.Columns})
	}
	names, _ := catalogJSON(all)
	return names
}

// catalogJSON renders the two catalog files with keys in table order.
func catalogJSON(tables []Table) (names, types []byte) {
	var nb, tb strings.Builder
	nb.WriteString("{\n")
	tb.WriteString("{\n")
	for i, t := range tables {
		key := mustJSON(t.Name)
		cols := make([]string, len(t.Columns))
		for j, c := range t.Columns {
			cols[j] = c.Name
		}
		cb := mustJSON(cols)
		tyb := mustJSON(t.Columns)
		sep := ",\n"
		if i == len(tables)-1 {
			sep = "\n"
		}
		fmt.Fprintf(&nb, "  %s: %s%s", key, cb, sep)
		fmt.Fprintf(&tb, "  %s: %s%s", key, tyb, sep)
	}
	nb.WriteString("}\n")
	tb.WriteString("}\n")
	return []byte(nb.String()), []byte(tb.String())
}

// mustJSON marshals strings, string slices and Columns, which cannot fail.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("synth: marshal %T: %v", v, err))
	}
	return b
}
