// Package compare holds the file formats and the report of the side-by-side
// comparison of Tributary's lineage engine with sqlglot's lineage
// (bench/compare.sh): the input set both tools read, the results each writes,
// and the table and agreement computed from them.
//
// The flow is: bench/cmd/compareinputs writes an Inputs file; the Go side
// (bench/cmd/enginebench) and the Python side (bench/sqlglot_lineage.py) each
// read it and write a Results file; bench/cmd/comparereport reads all of them
// and prints the throughput table, the ratio and the agreement.
package compare

import (
	"encoding/json"
	"fmt"
	"os"
)

// Inputs is the input set: named sets of views, each with the catalog its
// views are analysed against.
type Inputs struct {
	Sets []Set `json:"sets"`
}

// Set is a group of views analysed with one catalog and one default database.
type Set struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// DefaultDatabase and DefaultSchema complete partly qualified names
	// (Snowflake's session database and schema).
	DefaultDatabase string `json:"default_database"`
	DefaultSchema   string `json:"default_schema"`
	// Catalog is the `tributary analyze --catalog` JSON: "DB.SCHEMA.TABLE"
	// -> column names in SQL identifier syntax. Every key has three parts.
	Catalog map[string][]string `json:"catalog"`
	// Types gives a Snowflake data type per catalog column, same keys and
	// order, where known (sqlglot's schema wants a type; the lineage does not
	// depend on it).
	Types map[string][]string `json:"types,omitempty"`
	Views []View              `json:"views"`
}

// View is one view definition, analysed on its own.
type View struct {
	Name string `json:"name"` // canonical DB.SCHEMA.VIEW
	File string `json:"file"` // where it came from
	SQL  string `json:"sql"`
}

// Results is what one tool measured: one Variant per way of calling it.
type Results struct {
	Tool     string    `json:"tool"`    // "tributary" or "sqlglot"
	Version  string    `json:"version"` // tool version (Go version for tributary)
	Runtime  string    `json:"runtime"` // e.g. "go1.26.8 GOMAXPROCS=1", "CPython 3.11.7"
	Compiled bool      `json:"compiled,omitempty"`
	Variants []Variant `json:"variants"`
}

// Variant is one way of running a tool over every set.
type Variant struct {
	Name  string      `json:"name"`  // short id, e.g. "per-column"
	Label string      `json:"label"` // what it does, for the report
	Reps  int         `json:"reps"`  // timed runs over each set
	Sets  []SetResult `json:"sets"`
}

// SetResult is a variant's result on one set.
type SetResult struct {
	Name  string       `json:"name"`
	Views []ViewResult `json:"views"`
	// TimedViews, Seconds and CPUSeconds are set by a tool that times whole
	// runs over a set rather than each view (Go, whose views take
	// microseconds): the number of views timed (the views no tool failed on),
	// and the mean wall and CPU time of one run over them. When TimedViews is
	// 0 the report adds up the views' own times.
	TimedViews int     `json:"timed_views,omitempty"`
	Seconds    float64 `json:"seconds,omitempty"`
	CPUSeconds float64 `json:"cpu_seconds,omitempty"`
	// AllocBytes is the memory allocated per run over the timed views, when
	// the tool can measure it (Go).
	AllocBytes int64 `json:"alloc_bytes,omitempty"`
}

// ViewResult is a variant's result on one view.
type ViewResult struct {
	Name  string `json:"name"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	// Seconds and CPUSeconds are the mean wall and CPU (user+system) time of
	// one analysis of the view, when the tool times views one by one.
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"cpu_seconds"`
	// Columns are the output columns in order with their source columns
	// (upper-cased DB.SCHEMA.TABLE.COLUMN, sorted, unique). A tool records
	// them in one variant (its reference) and may leave them out in others.
	Columns []ColumnResult `json:"columns,omitempty"`
	// NColumns is the number of output columns analysed.
	NColumns int `json:"n_columns"`
	// Pairs is the number of (output column, source column) pairs found.
	Pairs int `json:"pairs"`
	// Unresolved counts references the tool could not trace to a table
	// column (warnings for tributary, placeholder and star leaves for sqlglot).
	Unresolved int `json:"unresolved"`
}

// ColumnResult is one output column and its sources.
type ColumnResult struct {
	Name    string   `json:"name"`
	Sources []string `json:"sources"`
}

// Failed returns the views (set name -> view names) that failed in any
// variant of r.
func (r Results) Failed() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, v := range r.Variants {
		for _, s := range v.Sets {
			for _, vr := range s.Views {
				if !vr.OK {
					if out[s.Name] == nil {
						out[s.Name] = map[string]bool{}
					}
					out[s.Name][vr.Name] = true
				}
			}
		}
	}
	return out
}

// ReadJSON decodes the JSON file at path into v.
func ReadJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

// WriteJSON writes v as indented JSON to path.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
