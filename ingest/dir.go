package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tributary-lineage/tributary/engine/sql"
	"github.com/tributary-lineage/tributary/graph"
)

// Catalog file names DirSource looks for at the top of its folder when DirOptions.Catalog is
// empty; the first one found is used (the typed one gives data types).
var catalogFiles = []string{"catalog_types.json", "catalog.json"}

// DirOptions configure a DirSource.
type DirOptions struct {
	// Catalog is the base-table catalog JSON (path), in the format of `tributary analyze
	// --catalog`: {"DB.SCHEMA.TABLE": ["COL", ...]}, or with types:
	// {"DB.SCHEMA.TABLE": [{"name": "COL", "type": "NUMBER"}, ...]}. Empty: catalog_types.json
	// or catalog.json at the top of the folder, when present.
	Catalog string `json:"catalog,omitempty"`
	// DefaultDatabase completes view and table names with fewer than three parts. Empty: the
	// one database named by the folder's fully qualified CREATE VIEW names, if there is
	// exactly one.
	DefaultDatabase string `json:"defaultDatabase,omitempty"`
	// DefaultSchema completes one-part names; empty means PUBLIC.
	DefaultSchema string `json:"defaultSchema,omitempty"`
}

// DirSource lists the CREATE VIEW statements of the .sql files under a folder (recursively).
type DirSource struct {
	root string
	fsys fs.FS
	opts DirOptions
}

// NewDirSource returns a source reading the folder dir.
func NewDirSource(dir string, opts DirOptions) (*DirSource, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("dir source %s: %w", dir, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("dir source: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("dir source %s: not a directory", abs)
	}
	return &DirSource{root: abs, fsys: os.DirFS(abs), opts: opts}, nil
}

// Name implements Source: "dir:" and the absolute folder path.
func (d *DirSource) Name() string { return "dir:" + d.root }

// sqlFile is one .sql file's CREATE VIEW statements, as scanned (sql.ScanScript: the files are
// not parsed; each view is parsed once, by its analysis).
type sqlFile struct {
	path  string
	text  string
	n     int // statements in the file
	views []fileView
}

type fileView struct {
	name  sql.ObjectName
	text  string
	line  int
	names []sql.ObjectName // relations the statement may read (see ListedView.names)
}

// List implements Source. Every CREATE VIEW statement is a view; a statement that does not
// parse but starts like one is listed too (its analysis records the syntax error). Files are
// scanned, not parsed (sql.ScanScript): the relations each view may read order the analyses. Other
// statements are ignored. A file holding one statement gives the whole file as the text, so
// positions in messages are those of the file. Binary (not UTF-8, or holding NUL bytes) and
// empty files are listed as skipped. A view defined more than once is listed once, with a
// Conflict naming every definition's position. Errors the source must be changed to heal wrap
// ErrInvalidSource.
func (d *DirSource) List(ctx context.Context) (*Listing, error) {
	var files []sqlFile
	var skipped []SkippedFile
	err := fs.WalkDir(d.fsys, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.IsDir() || !strings.EqualFold(path.Ext(p), ".sql") {
			return nil
		}
		b, err := fs.ReadFile(d.fsys, p)
		if err != nil {
			return err
		}
		switch {
		case len(bytes.TrimSpace(b)) == 0:
			skipped = append(skipped, SkippedFile{Path: p, Reason: "empty"})
			return nil
		case bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(b):
			skipped = append(skipped, SkippedFile{Path: p, Reason: "binary (not UTF-8 text)"})
			return nil
		}
		f := sqlFile{path: p, text: string(b)}
		stmts := sql.ScanScript(f.text)
		f.n = len(stmts)
		for _, st := range stmts {
			if st.View != nil {
				f.views = append(f.views, fileView{name: *st.View, text: st.Text, line: st.Pos.Line, names: st.References})
			}
		}
		files = append(files, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", d.Name(), err)
	}
	db := d.opts.DefaultDatabase
	if db == "" {
		db = inferDatabase(files)
	}
	schema := d.opts.DefaultSchema
	if schema == "" {
		schema = "PUBLIC"
	}
	l := &Listing{Skipped: skipped}
	seen := map[graph.ObjectID]int{}       // index in l.Views
	first := map[graph.ObjectID]string{}   // position of the first definition
	where := map[graph.ObjectID][]string{} // positions of views defined more than once
	for _, f := range files {
		for _, fv := range f.views {
			id, err := resolveObject(fv.name, db, schema)
			if err != nil {
				return nil, fmt.Errorf("list %s: %s:%d: %w: %w", d.Name(), f.path, fv.line, err, ErrInvalidSource)
			}
			pos := fmt.Sprintf("%s:%d", f.path, fv.line)
			if _, dup := seen[id]; dup {
				if where[id] == nil {
					where[id] = []string{first[id]}
				}
				where[id] = append(where[id], pos)
				continue
			}
			seen[id], first[id] = len(l.Views), pos
			v := ListedView{ID: id, Text: fv.text, DefaultDatabase: db, DefaultSchema: schema, Origin: f.path, Line: fv.line,
				names: fv.names, named: true}
			if f.n == 1 {
				v.Text, v.Line = f.text, 1
			}
			l.Views = append(l.Views, v)
		}
	}
	for id, ps := range where {
		l.Views[seen[id]].Conflict = fmt.Sprintf("view %s is defined %d times (%s): keep one definition", id, len(ps), strings.Join(ps, ", "))
	}
	slices.SortFunc(l.Views, func(a, b ListedView) int { return compareIDs(a.ID, b.ID) })
	tables, err := d.catalog(db, schema)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission) {
			err = fmt.Errorf("%w: %w", err, ErrInvalidSource)
		}
		return nil, fmt.Errorf("list %s: %w", d.Name(), err)
	}
	l.Tables = tables
	return l, nil
}

func (d *DirSource) catalog(db, schema string) ([]graph.Table, error) {
	var data []byte
	name := d.opts.Catalog
	if name != "" {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("catalog: %w", err)
		}
		data = b
	} else {
		for _, c := range catalogFiles {
			b, err := fs.ReadFile(d.fsys, c)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("catalog: %w", err)
			}
			data, name = b, c
			break
		}
	}
	if data == nil {
		return nil, nil
	}
	tables, err := ParseCatalog(data, db, schema)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", name, err)
	}
	return tables, nil
}

// ParseCatalog reads a catalog JSON object whose keys are table names in SQL identifier syntax
// ("DB.SCHEMA.TABLE", or fewer parts completed with db and schema) and whose values list the
// columns, either as names or as {"name": ..., "type": ...} objects.
func ParseCatalog(data []byte, db, schema string) ([]graph.Table, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("parse catalog: %w", err)
	}
	var out []graph.Table
	for key, val := range raw {
		parts, err := graph.ParseIdentifiers(key)
		if err != nil || len(parts) == 0 || len(parts) > 3 {
			return nil, fmt.Errorf("parse catalog: key %q is not [DB.][SCHEMA.]TABLE", key)
		}
		id, err := completeObject(parts, db, schema)
		if err != nil {
			return nil, fmt.Errorf("parse catalog: key %q: %w", key, err)
		}
		t := graph.Table{ID: id}
		val = bytes.TrimSpace(val)
		var names []string
		var typed []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		}
		if err := json.Unmarshal(val, &names); err == nil {
			for _, n := range names {
				typed = append(typed, struct {
					Name string `json:"name"`
					Type string `json:"type"`
				}{Name: n})
			}
		} else if err := json.Unmarshal(val, &typed); err != nil {
			return nil, fmt.Errorf("parse catalog: %q: want a list of column names or {name, type} objects", key)
		}
		for i, c := range typed {
			cp, err := graph.ParseIdentifiers(c.Name)
			if err != nil || len(cp) != 1 {
				return nil, fmt.Errorf("parse catalog: %q: bad column name %q", key, c.Name)
			}
			t.Columns = append(t.Columns, graph.Column{Name: cp[0], Ordinal: i + 1, DataType: c.Type})
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b graph.Table) int { return compareIDs(a.ID, b.ID) })
	for i := 1; i < len(out); i++ {
		if out[i].ID == out[i-1].ID {
			return nil, fmt.Errorf("parse catalog: table %s listed twice", out[i].ID)
		}
	}
	return out, nil
}

// resolveObject completes a parsed object name with the defaults.
func resolveObject(n sql.ObjectName, db, schema string) (graph.ObjectID, error) {
	parts := make([]string, 0, 3)
	for _, p := range n.Parts {
		parts = append(parts, p.Normalized())
	}
	return completeObject(parts, db, schema)
}

func completeObject(parts []string, db, schema string) (graph.ObjectID, error) {
	var id graph.ObjectID
	switch len(parts) {
	case 1:
		id = graph.ObjectID{Database: db, Schema: schema, Name: parts[0]}
	case 2:
		id = graph.ObjectID{Database: db, Schema: parts[0], Name: parts[1]}
	case 3:
		id = graph.ObjectID{Database: parts[0], Schema: parts[1], Name: parts[2]}
		if id.Schema == "" {
			id.Schema = "PUBLIC"
		}
	default:
		return graph.ObjectID{}, fmt.Errorf("name with %d parts", len(parts))
	}
	if id.Database == "" {
		return graph.ObjectID{}, fmt.Errorf("%s.%s has no database: set a default database", graph.QuoteIdentifier(id.Schema), graph.QuoteIdentifier(id.Name))
	}
	if err := id.Validate(); err != nil {
		return graph.ObjectID{}, err
	}
	return id, nil
}

// inferDatabase returns the one database that fully qualified view names use, or "".
func inferDatabase(files []sqlFile) string {
	found := ""
	for _, f := range files {
		for _, fv := range f.views {
			if len(fv.name.Parts) != 3 {
				continue
			}
			db := fv.name.Parts[0].Normalized()
			if found != "" && db != found {
				return ""
			}
			found = db
		}
	}
	return found
}

func compareIDs(a, b graph.ObjectID) int {
	return strings.Compare(a.Database+"\x00"+a.Schema+"\x00"+a.Name, b.Database+"\x00"+b.Schema+"\x00"+b.Name)
}
