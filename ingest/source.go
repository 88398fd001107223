// Package ingest keeps the lineage graph true to a warehouse: it lists a source (a folder of
// .sql files or Snowflake), compares the listing with what the graph holds, analyses new and
// changed views in dependency order (parse with engine/sql, lineage with engine/lineage) and
// writes each view's lineage with one graph transaction. The work runs as asynq tasks on Redis
// (TypeRefresh plans, TypeAnalyze writes batches of views) with a job record per refresh, or
// in-process (Runner.RunInline).
package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tributary-lineage/tributary/engine/lineage"
	"github.com/tributary-lineage/tributary/engine/sql"
	"github.com/tributary-lineage/tributary/graph"
)

// Source lists the views of a warehouse with their definitions and the columns of its tables.
type Source interface {
	// Name identifies the source in job records, task ids and the graph, e.g. "dir:/data/wh"
	// or "snowflake:ACME-PROD". Views are removed from the graph when the source that listed
	// them no longer does.
	Name() string
	List(ctx context.Context) (*Listing, error)
}

// Listing is what a source holds.
type Listing struct {
	Views   []ListedView
	Tables  []graph.Table // base tables and their columns (the catalog)
	Skipped []SkippedFile // files not read (binary, empty)
}

// SkippedFile is a file of a source that was not read, and why.
type SkippedFile struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

func (f SkippedFile) String() string { return f.Path + ": " + f.Reason }

// ErrInvalidSource is wrapped by listing errors that only a change of the source can heal (a
// malformed catalog, a view name without a database): refreshes fail at once, not after
// retries.
var ErrInvalidSource = errors.New("invalid source")

// ListedView is one view as a source lists it.
type ListedView struct {
	ID     graph.ObjectID `json:"id"`
	Text   string         `json:"text,omitempty"` // the CREATE VIEW statement; empty when Hidden
	Hidden bool           `json:"hidden,omitempty"`
	// LastAltered is Snowflake's LAST_ALTERED; zero for files (their text hash decides).
	LastAltered time.Time `json:"lastAltered,omitzero"`
	// Columns are the view's columns as the source reports them (Snowflake's
	// INFORMATION_SCHEMA.COLUMNS); nil when unknown. They give data types and stand in for
	// the columns of views that cannot be analysed (hidden, failed).
	Columns []graph.Column `json:"columns,omitempty"`
	// DefaultDatabase and DefaultSchema complete partial names in Text.
	DefaultDatabase string `json:"defaultDatabase,omitempty"`
	DefaultSchema   string `json:"defaultSchema,omitempty"`
	// Origin says where the text came from (a file path), for messages; Line is the line of
	// Origin where Text starts (1 when Text is the whole file).
	Origin string `json:"origin,omitempty"`
	Line   int    `json:"line,omitempty"`
	// Conflict, when set, says why the view cannot be analysed as listed (it is defined more
	// than once, with the positions); the view is written as failed with it.
	Conflict string `json:"conflict,omitempty"`
	// Kind is what the definition creates: graph.KindView (when empty), KindTable (a dbt table
	// or incremental model), KindDynamicTable, KindMaterializedView. Text is then a CREATE
	// VIEW or a CREATE ... TABLE ... AS SELECT.
	Kind string `json:"kind,omitempty"`
	// DefinedBy is what defines it: graph.OriginView (when empty), OriginDBT, OriginDynamicTable.
	DefinedBy graph.Origin `json:"definedBy,omitempty"`
	// Meta is what the source says about it besides the SQL (dbt metadata, dynamic table options).
	Meta graph.Meta `json:"meta,omitzero"`

	// names are the relations Text may read (sql.ScannedStatement.References), found when the
	// source scanned the text to list it (named is then set): planning orders the views by
	// them without scanning again. Not serialised.
	names []sql.ObjectName
	named bool
}

// Version fingerprints everything about the listed view that its analysis depends on, except
// the columns of other objects (those are tracked through graph.ViewState.ColumnDeps), and
// names the engine's lineage version (lineage.Version): "e2-<hash>". A view stored by an
// engine with another lineage version is re-analysed by the next refresh.
func (v ListedView) Version() string {
	return fmt.Sprintf("e%d-%s", lineage.Version, v.sourceHash())
}

// sourceHash fingerprints what the source says about the view.
func (v ListedView) sourceHash() string {
	b, _ := json.Marshal(struct {
		Text, DB, Schema string
		Hidden           bool
		Columns          []graph.Column
		Conflict         string       `json:",omitempty"`
		Kind             string       `json:",omitempty"`
		Origin           graph.Origin `json:",omitempty"`
		Meta             graph.Meta   `json:",omitzero"`
	}{v.Text, v.DefaultDatabase, v.DefaultSchema, v.Hidden, v.Columns, v.Conflict, v.Kind, v.DefinedBy, v.Meta})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// engineChanged reports whether stored, a version Version wrote, differs from v's only in the
// engine's lineage version: the source says the same, an engine with another lineage
// version analysed it. Versions without an engine part are version 1's.
func (v ListedView) engineChanged(stored string) bool {
	engine, hash := 1, stored
	if e, h, ok := strings.Cut(stored, "-"); ok && strings.HasPrefix(e, "e") {
		n, err := strconv.Atoi(e[1:])
		if err != nil {
			return false
		}
		engine, hash = n, h
	}
	return engine != lineage.Version && hash == v.sourceHash()
}

// ParseSourceSpec splits a --source value into its kind ("dir", "dbt", "snowflake", "querylog"
// or "snowflake-queries") and argument.
func ParseSourceSpec(spec string) (kind, arg string, err error) {
	kind, arg, _ = strings.Cut(spec, ":")
	switch kind {
	case "dir", "dbt", SourceQueryLog:
		if arg == "" {
			return "", "", fmt.Errorf("source %q: want %s:PATH", spec, kind)
		}
	case "snowflake", SourceSnowflakeQueries:
	default:
		return "", "", fmt.Errorf("source %q: want dir:PATH, dbt:PATH, snowflake, %s:PATH or %s", spec, SourceQueryLog, SourceSnowflakeQueries)
	}
	return kind, arg, nil
}
