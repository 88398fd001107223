package graph

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/cypher"
)

// This file holds what exports and imports need: paged reads of a part of the graph (so an
// export of any size holds one page in memory), closures of columns, and a batched import
// that writes many tables and views per transaction.

// DefaultExportPage is the number of tables and views ExportDatasets reads per page.
const DefaultExportPage = 200

// ExportFilter selects the tables and views of an export. Non-empty fields narrow the
// selection (all of them must match); the zero filter selects everything.
type ExportFilter struct {
	Databases []string   // database names, e.g. "ANALYTICS"
	Schemas   []string   // schema ids, e.g. "ANALYTICS.MART"
	Datasets  []ObjectID // tables and views
}

// ExportColumn is a column as exported. Ordinal is nil when the graph has none (columns of
// placeholder tables, known only because a view reads them).
type ExportColumn struct {
	Name     string
	Ordinal  *int
	DataType string
}

// ExportDataset is a table or view with everything an export writes.
type ExportDataset struct {
	ID          ObjectID
	Kind        string // KindTable or KindView
	Placeholder bool   // a table known only because a view reads it
	// Views only.
	Definition    string
	Status        string
	Message       string
	LastAltered   time.Time
	UpdatedAt     time.Time
	Source        string // the ingestion source that listed the view
	SourceVersion string
	ColumnDeps    []ObjectID // nil when not recorded; empty when recorded as none
	Origin        string     // set on imported views: the format they came from
	Inputs        []Input
	Columns       []ExportColumn // by ordinal, then name
	Edges         []Edge         // out of this dataset's columns, sorted
}

// ExportDatasets reads the tables and views f selects, in id order, pageSize at a time
// (0 means DefaultExportPage), and calls fn with each page. fn must not keep the slice.
// Pages are separate reads: writes made during an export may show in later pages only.
func (s *Store) ExportDatasets(ctx context.Context, f ExportFilter, pageSize int, fn func([]ExportDataset) error) error {
	if pageSize <= 0 {
		pageSize = DefaultExportPage
	}
	params := map[string]any{"databases": nil, "schemas": nil, "ids": nil, "limit": int64(pageSize)}
	if len(f.Databases) > 0 {
		params["databases"] = f.Databases
	}
	if len(f.Schemas) > 0 {
		params["schemas"] = f.Schemas
	}
	if len(f.Datasets) > 0 {
		ids := make([]string, len(f.Datasets))
		for i, id := range f.Datasets {
			if err := id.Validate(); err != nil {
				return fmt.Errorf("export datasets: %w: %w", ErrInvalid, err)
			}
			ids[i] = id.String()
		}
		params["ids"] = ids
	}
	after := ""
	for {
		params["after"] = after
		res, err := s.read(ctx, cypher.ExportDatasetIDs, params)
		if err != nil {
			return fmt.Errorf("export dataset ids after %q: %w", after, err)
		}
		if len(res.Records) == 0 {
			return nil
		}
		ids := make([]string, 0, len(res.Records))
		for _, rec := range res.Records {
			id, _, err := neo4j.GetRecordValue[string](rec, "id")
			if err != nil {
				return fmt.Errorf("export dataset ids: %w", err)
			}
			ids = append(ids, id)
		}
		page, err := s.exportPage(ctx, ids)
		if err != nil {
			return err
		}
		if err := fn(page); err != nil {
			return err
		}
		if len(ids) < pageSize {
			return nil
		}
		after = ids[len(ids)-1]
	}
}

// ExportDatasetsByID reads the given tables and views (absent ones are left out), in the
// order of ids. Callers page ids themselves (e.g. the datasets of a closure).
func (s *Store) ExportDatasetsByID(ctx context.Context, ids []ObjectID) ([]ExportDataset, error) {
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = id.String()
	}
	return s.exportPage(ctx, list)
}

func (s *Store) exportPage(ctx context.Context, ids []string) ([]ExportDataset, error) {
	res, err := s.read(ctx, cypher.ExportDatasets, map[string]any{"ids": ids})
	if err != nil {
		return nil, fmt.Errorf("export datasets %s..: %w", ids[0], err)
	}
	out := make([]ExportDataset, 0, len(res.Records))
	for _, rec := range res.Records {
		m, _, err := neo4j.GetRecordValue[map[string]any](rec, "o")
		if err != nil {
			return nil, fmt.Errorf("export datasets: %w", err)
		}
		d, err := exportDatasetFromMap(m)
		if err != nil {
			return nil, fmt.Errorf("export datasets: %w", err)
		}
		out = append(out, d)
	}
	return out, nil
}

func exportDatasetFromMap(m map[string]any) (ExportDataset, error) {
	id, err := parseObjectValue(m["id"])
	if err != nil {
		return ExportDataset{}, err
	}
	d := ExportDataset{
		ID: id, Kind: str(m, "kind"), Placeholder: flag(m, "placeholder"),
		Definition: str(m, "definition"), Status: str(m, "status"), Message: str(m, "message"),
		LastAltered: timeOf(m, "lastAltered"), UpdatedAt: timeOf(m, "updatedAt"),
		Source: str(m, "source"), SourceVersion: str(m, "sourceVersion"), Origin: str(m, "origin"),
	}
	if !d.LastAltered.IsZero() {
		d.LastAltered = d.LastAltered.UTC()
	}
	if !d.UpdatedAt.IsZero() {
		d.UpdatedAt = d.UpdatedAt.UTC()
	}
	deps, ok := m["columnDeps"].([]any)
	if ok {
		d.ColumnDeps = make([]ObjectID, 0, len(deps)) // recorded, maybe empty: not nil
	}
	for _, v := range deps {
		o, err := parseObjectValue(v)
		if err != nil {
			return ExportDataset{}, fmt.Errorf("%s: column dependency: %w", id, err)
		}
		d.ColumnDeps = append(d.ColumnDeps, o)
	}
	cols, _ := m["columns"].([]any)
	for _, v := range cols {
		cm, _ := v.(map[string]any)
		c := ExportColumn{Name: str(cm, "name"), DataType: str(cm, "dataType")}
		if n, ok := cm["ordinal"].(int64); ok {
			o := int(n)
			c.Ordinal = &o
		}
		d.Columns = append(d.Columns, c)
	}
	edges, _ := m["edges"].([]any)
	for _, v := range edges {
		em, _ := v.(map[string]any)
		e, err := edgeFromMap(em)
		if err != nil {
			return ExportDataset{}, fmt.Errorf("%s: %w", id, err)
		}
		d.Edges = append(d.Edges, e)
	}
	slices.SortFunc(d.Edges, compareEdges)
	inputs, _ := m["inputs"].([]any)
	for _, v := range inputs {
		im, _ := v.(map[string]any)
		c, err := parseColumnValue(im["column"])
		if err != nil {
			return ExportDataset{}, fmt.Errorf("%s: input: %w", id, err)
		}
		d.Inputs = append(d.Inputs, Input{Column: c, Subtype: Subtype(str(im, "subtype"))})
	}
	slices.SortFunc(d.Inputs, func(a, b Input) int {
		return cmp.Or(cmp.Compare(a.Column.String(), b.Column.String()), cmp.Compare(a.Subtype, b.Subtype))
	})
	return d, nil
}

// ClosureColumn is a column of a closure with its distance (hops) from the nearest root.
type ClosureColumn struct {
	ID       ColumnID
	Distance int
}

// Closure returns the roots and every column reachable from them over DERIVES_FROM within
// depth hops (1..MaxDepth): upstream follows edges to sources, downstream goes against them.
// Columns come in breadth-first order (by distance, then id). Unknown roots are ErrNotFound.
// It walks one batched statement per hop (a closure of columns only, read in pages by the
// export; the API traversals read theirs in one statement) and holds only column ids.
func (s *Store) Closure(ctx context.Context, roots []ColumnID, upstream bool, depth int) ([]ClosureColumn, error) {
	if depth < 1 || depth > MaxDepth {
		return nil, invalidf("depth %d out of range 1..%d", depth, MaxDepth)
	}
	if len(roots) == 0 {
		return nil, invalidf("closure without roots")
	}
	step := cypher.DownstreamStep
	if upstream {
		step = cypher.UpstreamStep
	}
	seen := make(map[ColumnID]bool, len(roots))
	var out []ClosureColumn
	var frontier []any
	for _, r := range roots {
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("closure: %w: %w", ErrInvalid, err)
		}
		if !seen[r] {
			seen[r] = true
			out = append(out, ClosureColumn{ID: r})
			frontier = append(frontier, r.String())
		}
	}
	res, err := s.read(ctx, cypher.ColumnNodes, map[string]any{"ids": frontier})
	if err != nil {
		return nil, fmt.Errorf("closure roots: %w", err)
	}
	if len(res.Records) != len(frontier) {
		found := map[string]bool{}
		for _, rec := range res.Records {
			m, _, _ := neo4j.GetRecordValue[map[string]any](rec, "node")
			found[str(m, "id")] = true
		}
		for _, r := range frontier {
			if !found[r.(string)] {
				return nil, fmt.Errorf("closure root %s: %w", r, ErrNotFound)
			}
		}
	}
	for hop := 1; hop <= depth && len(frontier) > 0; hop++ {
		res, err := s.read(ctx, step, map[string]any{"ids": frontier})
		if err != nil {
			return nil, fmt.Errorf("closure hop %d: %w", hop, err)
		}
		var next []ClosureColumn
		frontier = nil
		for _, rec := range res.Records {
			m, _, err := neo4j.GetRecordValue[map[string]any](rec, "edge")
			if err != nil {
				return nil, fmt.Errorf("closure hop %d: %w", hop, err)
			}
			key := "from"
			if upstream {
				key = "to"
			}
			c, err := parseColumnValue(m[key])
			if err != nil {
				return nil, fmt.Errorf("closure hop %d: %w", hop, err)
			}
			if !seen[c] {
				seen[c] = true
				next = append(next, ClosureColumn{ID: c, Distance: hop})
				frontier = append(frontier, c.String())
			}
		}
		slices.SortFunc(next, func(a, b ClosureColumn) int { return cmp.Compare(a.ID.String(), b.ID.String()) })
		out = append(out, next...)
	}
	return out, nil
}

// ClosureRoots returns the column ids of a table or view (the roots of its closure), by id;
// ErrNotFound when it has none.
func (s *Store) ClosureRoots(ctx context.Context, id ObjectID) ([]ColumnID, error) {
	if err := id.Validate(); err != nil {
		return nil, fmt.Errorf("closure roots: %w: %w", ErrInvalid, err)
	}
	res, err := s.read(ctx, cypher.ExportViewColumnIDs, map[string]any{"id": id.String()})
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", id, err)
	}
	if len(res.Records) == 0 {
		return nil, fmt.Errorf("columns of %s: %w", id, ErrNotFound)
	}
	out := make([]ColumnID, 0, len(res.Records))
	for _, rec := range res.Records {
		v, _, err := neo4j.GetRecordValue[string](rec, "id")
		if err != nil {
			return nil, fmt.Errorf("columns of %s: %w", id, err)
		}
		c, err := ParseColumnID(v)
		if err != nil {
			return nil, fmt.Errorf("columns of %s: %w", id, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// ValidateImport checks one dataset the way ImportDatasets would, without writing.
func ValidateImport(d ExportDataset) error {
	_, _, err := importRows(d)
	return err
}

// importRows turns a dataset into the parameter rows of the import statements.
func importRows(d ExportDataset) (table map[string]any, view *viewWrite, err error) {
	switch d.Kind {
	case KindTable:
		if err := d.ID.Validate(); err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		if len(d.Edges) > 0 || len(d.Inputs) > 0 {
			return nil, nil, invalidf("table %s: tables have no lineage edges or inputs", d.ID)
		}
		cols := make([]any, 0, len(d.Columns))
		names := make(map[string]bool, len(d.Columns))
		for _, c := range d.Columns {
			if c.Name == "" {
				return nil, nil, invalidf("table %s: column with empty name", d.ID)
			}
			if names[c.Name] {
				return nil, nil, invalidf("table %s: column %s listed twice", d.ID, QuoteIdentifier(c.Name))
			}
			names[c.Name] = true
			var ord any
			if c.Ordinal != nil {
				ord = int64(*c.Ordinal)
			}
			cid := d.ID.Column(c.Name)
			cols = append(cols, map[string]any{"id": cid.String(), "name": c.Name,
				"ordinal": ord, "dataType": nullable(c.DataType), "search": columnSearchProps(cid)})
		}
		return map[string]any{
			"id": d.ID.String(), "name": d.ID.Name,
			"schemaId": d.ID.SchemaID(), "schema": d.ID.Schema,
			"databaseId": QuoteIdentifier(d.ID.Database), "database": d.ID.Database,
			"placeholder": d.Placeholder, "columns": cols, "search": objectSearchProps(d.ID),
		}, nil, nil
	case KindView:
		v := View{ID: d.ID, Definition: d.Definition, Status: d.Status, Message: d.Message,
			Edges: d.Edges, LastAltered: d.LastAltered}
		for _, c := range d.Columns {
			col := Column{Name: c.Name, DataType: c.DataType}
			if c.Ordinal != nil {
				col.Ordinal = *c.Ordinal
			}
			v.Columns = append(v.Columns, col)
		}
		w, err := prepareView(v)
		if err != nil {
			return nil, nil, fmt.Errorf("view %s: %w", d.ID, err)
		}
		for _, in := range d.Inputs {
			if err := in.Column.Validate(); err != nil {
				return nil, nil, fmt.Errorf("%w: view %s: input: %w", ErrInvalid, d.ID, err)
			}
			if !in.Subtype.Valid() {
				return nil, nil, invalidf("view %s: input %s: subtype %q", d.ID, in.Column, in.Subtype)
			}
		}
		deps := make([]string, 0, len(d.ColumnDeps))
		for _, dep := range d.ColumnDeps {
			if err := dep.Validate(); err != nil {
				return nil, nil, fmt.Errorf("%w: view %s: column dependency: %w", ErrInvalid, d.ID, err)
			}
			deps = append(deps, dep.String())
		}
		w.view["source"] = nullable(d.Source)
		w.view["sourceVersion"] = nullable(d.SourceVersion)
		w.view["columnDeps"] = nil
		if d.ColumnDeps != nil {
			w.view["columnDeps"] = deps // an empty list stays an empty list
		}
		w.view["origin"] = nullable(d.Origin)
		return nil, &w, nil
	default:
		return nil, nil, invalidf("%s: kind %q, want %q or %q", d.ID, d.Kind, KindTable, KindView)
	}
}

// ImportDatasets writes tables and views as ExportDatasets reads them, in one write
// transaction, after validating all of them: when one is invalid nothing is written. An
// imported view replaces the lineage the graph held for it (columns, edges, inputs, state);
// an imported table merges its columns. Running it twice leaves the same graph.
func (s *Store) ImportDatasets(ctx context.Context, batch []ExportDataset) error {
	if len(batch) == 0 {
		return nil
	}
	var tables, views, stale, columns, sources, edges, inputs, inputSources []any
	seenSource := map[string]bool{}
	seenID := map[ObjectID]bool{}
	for i, d := range batch {
		if seenID[d.ID] {
			return invalidf("import: %s listed twice", d.ID)
		}
		seenID[d.ID] = true
		t, w, err := importRows(d)
		if err != nil {
			return fmt.Errorf("import dataset %d: %w", i, err)
		}
		if t != nil {
			tables = append(tables, t)
			continue
		}
		views = append(views, w.view)
		stale = append(stale, map[string]any{"id": w.id, "columnIds": w.columnIDs})
		for _, c := range w.columns {
			row := c.(map[string]any)
			row["view"] = w.id
			columns = append(columns, row)
		}
		for _, src := range w.sources {
			id := src.(map[string]any)["id"].(string)
			if !seenSource[id] {
				seenSource[id] = true
				sources = append(sources, src)
			}
		}
		edges = append(edges, w.edges...)
		for _, in := range d.Inputs {
			inputs = append(inputs, map[string]any{"view": w.id, "column": in.Column.String(), "subtype": string(in.Subtype)})
			inputSources = append(inputSources, sourceRow(in.Column))
		}
	}
	session := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.database, AccessMode: neo4j.AccessModeWrite})
	defer session.Close(ctx)
	_, err := session.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		steps := []struct {
			name   string
			query  string
			params map[string]any
			want   int64
			skip   bool
		}{
			{"tables", cypher.ExportImportTables, map[string]any{"tables": tables}, -1, len(tables) == 0},
			{"views", cypher.ExportImportViews, map[string]any{"views": views}, int64(len(views)), len(views) == 0},
			{"stale lineage", cypher.ExportImportDeleteStale, map[string]any{"views": stale}, -1, len(stale) == 0},
			{"columns", cypher.ExportImportViewColumns, map[string]any{"columns": columns}, int64(len(columns)), len(columns) == 0},
			{"sources", cypher.UpsertSourceColumns, map[string]any{"sources": sources}, int64(len(sources)), len(sources) == 0},
			{"edges", cypher.UpsertViewEdges, map[string]any{"edges": edges}, int64(len(edges)), len(edges) == 0},
			{"input columns", cypher.UpsertSourceColumns, map[string]any{"sources": inputSources}, -1, len(inputs) == 0},
			{"inputs", cypher.IngestUpsertIndirectInputs, map[string]any{"inputs": inputs}, int64(len(inputs)), len(inputs) == 0},
		}
		for _, st := range steps {
			if st.skip {
				continue
			}
			n, err := runCount(ctx, tx, st.query, st.params)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", st.name, err)
			}
			if st.want >= 0 && n != st.want {
				return nil, fmt.Errorf("%s: wrote %d of %d", st.name, n, st.want)
			}
		}
		return nil, nil
	})
	if err != nil {
		return fmt.Errorf("import %d datasets (%s..%s): %w", len(batch), batch[0].ID, batch[len(batch)-1].ID, err)
	}
	return nil
}

// DeleteDatabases removes everything under the databases named (schemas, tables, views,
// columns and their relationships), committing every 5,000 columns. Tests and benchmarks use
// it to clean up; an operator can use it to drop an imported copy. It returns the number of
// nodes deleted.
func (s *Store) DeleteDatabases(ctx context.Context, names []string) (int64, error) {
	if len(names) == 0 {
		return 0, nil
	}
	var total int64
	for {
		res, err := neo4j.ExecuteQuery(ctx, s.driver, cypher.ExportDeleteDatabases,
			map[string]any{"databases": names, "limit": int64(5000)}, neo4j.EagerResultTransformer,
			neo4j.ExecuteQueryWithDatabase(s.database), neo4j.ExecuteQueryWithWritersRouting())
		if err != nil {
			return total, fmt.Errorf("delete databases %v: columns: %w", names, err)
		}
		n, _, err := neo4j.GetRecordValue[int64](res.Records[0], "deleted")
		if err != nil {
			return total, fmt.Errorf("delete databases %v: %w", names, err)
		}
		total += n
		if n == 0 {
			break
		}
	}
	res, err := neo4j.ExecuteQuery(ctx, s.driver, cypher.ExportDeleteDatabaseNodes, map[string]any{"databases": names},
		neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(s.database), neo4j.ExecuteQueryWithWritersRouting())
	if err != nil {
		return total, fmt.Errorf("delete databases %v: %w", names, err)
	}
	n, _, err := neo4j.GetRecordValue[int64](res.Records[0], "deleted")
	if err != nil {
		return total, fmt.Errorf("delete databases %v: %w", names, err)
	}
	return total + n, nil
}
