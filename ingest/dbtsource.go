package ingest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest/dbt"
)

// dbtProjectFile marks a dbt project folder.
const dbtProjectFile = "dbt_project.yml"

// DBTSource lists the models of a dbt manifest.json as datasets defined by their compiled SQL,
// and its sources and seeds as tables (package dbt reads them).
type DBTSource struct {
	manifest string // absolute path of manifest.json
	project  string // the project folder (seed CSV files), "" when not at hand
}

// NewDBTSource returns a source reading the dbt manifest at path: a manifest.json (with
// catalog.json beside it when there is one), or a dbt project folder (one holding
// dbt_project.yml), whose target/manifest.json is read. The project folder, given or found as
// the parent of the manifest's folder (dbt's target/ layout), gives the seeds' CSV headers.
func NewDBTSource(path string) (*DBTSource, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("dbt source %s: %w", path, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("dbt source: %w", err)
	}
	s := &DBTSource{manifest: abs}
	if st.IsDir() {
		if !isFile(filepath.Join(abs, dbtProjectFile)) {
			return nil, fmt.Errorf("dbt source %s: a folder must be a dbt project (holding %s); or name its manifest.json", abs, dbtProjectFile)
		}
		s.manifest, s.project = filepath.Join(abs, "target", "manifest.json"), abs
	} else if up := filepath.Dir(filepath.Dir(abs)); isFile(filepath.Join(up, dbtProjectFile)) {
		s.project = up
	}
	return s, nil
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// Name implements Source: "dbt:" and the absolute path of the manifest.
func (s *DBTSource) Name() string { return "dbt:" + s.manifest }

// List implements Source. Every model materialised as a view, table, incremental model,
// dynamic table or materialized view is a dataset defined by dbt: its text is the statement
// that materialises it (dbt.Model.Statement) with the compiled code as the manifest has it,
// its columns those documented or catalogued, its metadata the model's. Sources and seeds are
// tables. Ephemeral models (inlined by dbt into their readers), snapshots and models that
// cannot be analysed are listed as skipped with the reason. A manifest that cannot be read as
// one (bad JSON, an unsupported schema version) wraps ErrInvalidSource.
func (s *DBTSource) List(ctx context.Context) (*Listing, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m, err := dbt.ReadProject(s.manifest, s.project)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission) {
			err = fmt.Errorf("%w: %w", err, ErrInvalidSource)
		}
		return nil, fmt.Errorf("list %s: %w", s.Name(), err)
	}
	return dbtListing(m), nil
}

// dbtListing is the listing of a read manifest.
func dbtListing(m *dbt.Manifest) *Listing {
	l := &Listing{}
	for _, sk := range m.Skipped {
		l.Skipped = append(l.Skipped, SkippedFile{Path: sk.UniqueID, Reason: sk.Reason})
	}
	for _, md := range m.Models {
		l.Views = append(l.Views, ListedView{
			ID:              md.Target,
			Text:            md.Statement(),
			Columns:         dbtColumns(md.Columns),
			DefaultDatabase: md.Target.Database,
			DefaultSchema:   md.Target.Schema,
			Line:            1,
			Kind:            dbtKind(md.Materialization),
			DefinedBy:       graph.OriginDBT,
			Meta: graph.Meta{UniqueID: md.UniqueID, Description: md.Description, Tags: md.Tags, Owner: md.Owner,
				Materialization: md.Materialization, Path: md.OriginalFilePath, TargetLag: md.TargetLag,
				Warehouse: md.Warehouse},
		})
	}
	for _, list := range [][]dbt.Table{m.Sources, m.Seeds} {
		for _, t := range list {
			l.Tables = append(l.Tables, graph.Table{ID: t.Target, Columns: dbtColumns(t.Columns)})
		}
	}
	slices.SortFunc(l.Views, func(a, b ListedView) int { return compareIDs(a.ID, b.ID) })
	// Two models with one relation_name: the relation is listed once, failed naming them.
	views := l.Views[:0]
	for i := 0; i < len(l.Views); {
		j := i + 1
		for j < len(l.Views) && l.Views[j].ID == l.Views[i].ID {
			j++
		}
		v := l.Views[i]
		if j > i+1 {
			ids := make([]string, 0, j-i)
			for _, d := range l.Views[i:j] {
				ids = append(ids, d.Meta.UniqueID)
			}
			v.Conflict = fmt.Sprintf("relation %s is the relation_name of %d models (%s): keep one", v.ID, len(ids), strings.Join(ids, ", "))
		}
		views = append(views, v)
		i = j
	}
	l.Views = views
	// A relation that is several sources or seeds is one table, with the columns of the first
	// that knows them.
	slices.SortStableFunc(l.Tables, func(a, b graph.Table) int { return compareIDs(a.ID, b.ID) })
	tables := l.Tables[:0]
	for _, t := range l.Tables {
		if n := len(tables); n > 0 && tables[n-1].ID == t.ID {
			if len(tables[n-1].Columns) == 0 {
				tables[n-1].Columns = t.Columns
			}
			continue
		}
		tables = append(tables, t)
	}
	l.Tables = tables
	return l
}

// dbtKind is the dataset kind of a dbt materialisation: an incremental model is a table.
func dbtKind(materialization string) string {
	switch materialization {
	case dbt.MaterializedView:
		return graph.KindView
	case dbt.MaterializedDynamicTable:
		return graph.KindDynamicTable
	case dbt.MaterializedMatView:
		return graph.KindMaterializedView
	default:
		return graph.KindTable
	}
}

func dbtColumns(cols []dbt.Column) []graph.Column {
	if len(cols) == 0 {
		return nil
	}
	out := make([]graph.Column, len(cols))
	for i, c := range cols {
		out[i] = graph.Column{Name: c.Name, Ordinal: i + 1, DataType: c.DataType}
	}
	return out
}
