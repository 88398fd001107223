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
	Kind        string // KindTable, KindView, KindDynamicTable, KindMaterializedView, KindExternal
	Placeholder bool   // a table known only because a view reads it
	// DefinedBy is the origin of the dataset's definition (OriginView, OriginDBT,
	// OriginDynamicTable): set on every dataset Tributary analyses from one statement (views,
	// dbt models, dynamic tables, materialized views), "" on tables.
	DefinedBy Origin
	Meta      Meta // dbt metadata, dynamic table options
	// Defined datasets only (DefinedBy set, or a view).
	Definition    string
	Status        string
	Message       string
	LastAltered   time.Time
	UpdatedAt     time.Time
	Source        string // the ingestion source that listed the view
	SourceVersion string
	ColumnDeps    []ObjectID // nil when not recorded; empty when recorded as none
	Origin        string     // set on imported views: the format they came from
	Inputs        []Input    // a definition's statement-level inputs
	// StatementInputs are the statement-level inputs that statements (query history,
	// OpenLineage) record on the dataset, each with its origin, statement and lastSeen.
	StatementInputs []StatementInput
	Columns         []ExportColumn // by ordinal, then name
	// Edges are the edges out of this dataset's columns, sorted, each with its provenance: a
	// definition's (origin DefinedBy) and those of the statements that write the dataset.
	Edges []Edge
}

// StatementInput is an input a statement records on the dataset it writes.
type StatementInput struct {
	Input
	Provenance
}

// Defined reports whether d is a dataset with a definition (written like a view) rather than
// a table.
func (d ExportDataset) Defined() bool {
	return d.DefinedBy != "" || d.Kind == KindView || d.Kind == KindDynamicTable || d.Kind == KindMaterializedView
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
		DefinedBy: Origin(str(m, "definedBy")), Meta: metaOf(m),
	}
	if d.DefinedBy == "" && d.Kind == KindView {
		d.DefinedBy = OriginView // views written before datasets recorded their definition's origin
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
		in := Input{Column: c, Subtype: Subtype(str(im, "subtype"))}
		if o := Origin(str(im, "origin")); o != "" {
			d.StatementInputs = append(d.StatementInputs, StatementInput{Input: in,
				Provenance: Provenance{Origin: o, Statement: str(im, "statement"), LastSeen: timeOf(im, "lastSeen")}})
			continue
		}
		d.Inputs = append(d.Inputs, in)
	}
	compareInputs := func(a, b Input) int {
		return cmp.Or(cmp.Compare(a.Column.String(), b.Column.String()), cmp.Compare(a.Subtype, b.Subtype))
	}
	slices.SortFunc(d.Inputs, compareInputs)
	slices.SortFunc(d.StatementInputs, func(a, b StatementInput) int {
		return cmp.Or(cmp.Compare(a.Origin, b.Origin), cmp.Compare(a.Statement, b.Statement), compareInputs(a.Input, b.Input))
	})
	for i := range d.StatementInputs {
		if t := d.StatementInputs[i].LastSeen; !t.IsZero() {
			d.StatementInputs[i].LastSeen = t.UTC()
		}
	}
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
	_, err := importRows(d)
	return err
}

// importWrite is a validated dataset turned into the parameter rows of the import statements:
// a table row or a view write, and the lineage of the statements that write it (edges with
// their own provenance, statement inputs).
type importWrite struct {
	table     map[string]any
	view      *viewWrite
	edges     []any // statement edges
	sources   []any // their source columns
	stmtInput []any // statement inputs
}

// importRows turns a dataset into the parameter rows of the import statements. A defined
// dataset's edges of its definition's origin are written as the definition's; edges and inputs
// of other origins (query history, OpenLineage) keep their provenance.
func importRows(d ExportDataset) (importWrite, error) {
	var iw importWrite
	if !ValidKind(d.Kind) {
		return iw, invalidf("%s: kind %q, want one of %s, %s, %s, %s, %s", d.ID, d.Kind,
			KindTable, KindView, KindDynamicTable, KindMaterializedView, KindExternal)
	}
	if err := d.ID.Validate(); err != nil {
		return iw, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	defOrigin := d.DefinedBy
	if d.Defined() && defOrigin == "" {
		defOrigin = OriginView
	}
	if d.DefinedBy != "" && !d.DefinedBy.Definition() {
		return iw, invalidf("%s: definedBy %q: not a definition's origin", d.ID, d.DefinedBy)
	}
	names := make(map[string]bool, len(d.Columns))
	for _, c := range d.Columns {
		names[c.Name] = true
	}
	var defEdges []Edge
	seenSource := map[ColumnID]bool{}
	for _, e := range d.Edges {
		if d.Defined() && (e.Origin == "" || e.Origin == defOrigin) {
			defEdges = append(defEdges, e)
			continue
		}
		if !e.Origin.Valid() || e.Origin.Definition() {
			return iw, invalidf("%s: edge %s -> %s: origin %q, want a statement's (%s, %s) on a %s", d.ID, e.From, e.To,
				e.Origin, OriginQueryHistory, OriginOpenLineage, d.Kind)
		}
		if e.From.Object() != d.ID || !names[e.From.Column] {
			return iw, invalidf("%s: edge from %s: not one of its columns", d.ID, e.From)
		}
		if err := e.To.Validate(); err != nil {
			return iw, fmt.Errorf("%w: %s: edge from %s: %w", ErrInvalid, d.ID, e.From, err)
		}
		if !e.Type.Valid() || !e.Subtype.Valid() {
			return iw, invalidf("%s: edge %s -> %s: type %q subtype %q", d.ID, e.From, e.To, e.Type, e.Subtype)
		}
		if e.Statement == "" {
			return iw, invalidf("%s: edge %s -> %s of origin %s: no statement", d.ID, e.From, e.To, e.Origin)
		}
		iw.edges = append(iw.edges, edgeRow(e, d.ID.String(), e.Provenance))
		if !seenSource[e.To] {
			seenSource[e.To] = true
			iw.sources = append(iw.sources, sourceRow(e.To))
		}
	}
	for _, in := range d.StatementInputs {
		if err := in.Column.Validate(); err != nil {
			return iw, fmt.Errorf("%w: %s: input: %w", ErrInvalid, d.ID, err)
		}
		if !in.Subtype.Valid() || !in.Origin.Valid() || in.Origin.Definition() || in.Statement == "" {
			return iw, invalidf("%s: input %s: subtype %q, origin %q, statement %q", d.ID, in.Column, in.Subtype, in.Origin, in.Statement)
		}
		var lastSeen any
		if !in.LastSeen.IsZero() {
			lastSeen = in.LastSeen.UTC()
		}
		iw.stmtInput = append(iw.stmtInput, map[string]any{"target": d.ID.String(), "column": in.Column.String(),
			"subtype": string(in.Subtype), "origin": string(in.Origin), "statement": in.Statement, "lastSeen": lastSeen})
		if !seenSource[in.Column] {
			seenSource[in.Column] = true
			iw.sources = append(iw.sources, sourceRow(in.Column))
		}
	}
	if !d.Defined() {
		if len(d.Inputs) > 0 {
			return iw, invalidf("table %s: a table has no definition inputs", d.ID)
		}
		cols := make([]any, 0, len(d.Columns))
		names := make(map[string]bool, len(d.Columns))
		for _, c := range d.Columns {
			if c.Name == "" {
				return iw, invalidf("table %s: column with empty name", d.ID)
			}
			if names[c.Name] {
				return iw, invalidf("table %s: column %s listed twice", d.ID, QuoteIdentifier(c.Name))
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
		var kind any
		if d.Kind != KindTable {
			kind = d.Kind
		}
		meta := map[string]any{}
		if !d.Meta.zero() {
			meta = d.Meta.props()
		}
		iw.table = map[string]any{
			"id": d.ID.String(), "name": d.ID.Name,
			"schemaId": d.ID.SchemaID(), "schema": d.ID.Schema,
			"databaseId": QuoteIdentifier(d.ID.Database), "database": d.ID.Database,
			"placeholder": d.Placeholder, "columns": cols, "search": objectSearchProps(d.ID),
			"kind": kind, "meta": meta,
		}
		return iw, nil
	}
	if d.Kind == KindExternal {
		return iw, invalidf("%s: kind %q cannot have a definition", d.ID, d.Kind)
	}
	v := View{ID: d.ID, Kind: d.Kind, Origin: defOrigin, Meta: d.Meta, Definition: d.Definition, Status: d.Status,
		Message: d.Message, Edges: defEdges, LastAltered: d.LastAltered}
	for _, c := range d.Columns {
		col := Column{Name: c.Name, DataType: c.DataType}
		if c.Ordinal != nil {
			col.Ordinal = *c.Ordinal
		}
		v.Columns = append(v.Columns, col)
	}
	w, err := prepareView(v)
	if err != nil {
		return iw, fmt.Errorf("view %s: %w", d.ID, err)
	}
	for _, in := range d.Inputs {
		if err := in.Column.Validate(); err != nil {
			return iw, fmt.Errorf("%w: view %s: input: %w", ErrInvalid, d.ID, err)
		}
		if !in.Subtype.Valid() {
			return iw, invalidf("view %s: input %s: subtype %q", d.ID, in.Column, in.Subtype)
		}
	}
	deps := make([]string, 0, len(d.ColumnDeps))
	for _, dep := range d.ColumnDeps {
		if err := dep.Validate(); err != nil {
			return iw, fmt.Errorf("%w: view %s: column dependency: %w", ErrInvalid, d.ID, err)
		}
		deps = append(deps, dep.String())
	}
	w.view["definedBy"] = w.view["origin"]
	w.view["source"] = nullable(d.Source)
	w.view["sourceVersion"] = nullable(d.SourceVersion)
	w.view["columnDeps"] = nil
	if d.ColumnDeps != nil {
		w.view["columnDeps"] = deps // an empty list stays an empty list
	}
	w.view["origin"] = nullable(d.Origin) // the import format, not the definition's origin
	iw.view = &w
	return iw, nil
}

// ImportDatasets writes tables and views as ExportDatasets reads them, in one write
// transaction, after validating all of them: when one is invalid nothing is written. An
// imported view (or other defined dataset: dbt model, dynamic table, materialized view, with
// its kind, definedBy and metadata) replaces the lineage the graph held for it (columns,
// edges, inputs, state); an imported table merges its columns. The edges and inputs of
// statements (query history, OpenLineage) are written with their own origin, statement and
// lastSeen, merged like the statements' own writes. Running it twice leaves the same graph.
func (s *Store) ImportDatasets(ctx context.Context, batch []ExportDataset) error {
	if len(batch) == 0 {
		return nil
	}
	var tables, views, stale, columns, sources, edges, inputs, inputSources, stmtEdges, stmtInputs []any
	seenSource := map[string]bool{}
	seenID := map[ObjectID]bool{}
	for i, d := range batch {
		if seenID[d.ID] {
			return invalidf("import: %s listed twice", d.ID)
		}
		seenID[d.ID] = true
		iw, err := importRows(d)
		if err != nil {
			return fmt.Errorf("import dataset %d: %w", i, err)
		}
		stmtEdges = append(stmtEdges, iw.edges...)
		stmtInputs = append(stmtInputs, iw.stmtInput...)
		for _, src := range iw.sources {
			if id := src.(map[string]any)["id"].(string); !seenSource[id] {
				seenSource[id] = true
				sources = append(sources, src)
			}
		}
		if iw.table != nil {
			tables = append(tables, iw.table)
			continue
		}
		w := iw.view
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
			{"sources", cypher.UpsertSourceColumns, map[string]any{"sources": sources}, -1, len(sources) == 0},
			{"edges", cypher.UpsertViewEdges, map[string]any{"edges": edges}, int64(len(edges)), len(edges) == 0},
			{"input columns", cypher.UpsertSourceColumns, map[string]any{"sources": inputSources}, -1, len(inputs) == 0},
			{"inputs", cypher.IngestUpsertIndirectInputs, map[string]any{"inputs": inputs}, int64(len(inputs)), len(inputs) == 0},
			{"statement edges", cypher.UpsertViewEdges, map[string]any{"edges": stmtEdges}, int64(len(stmtEdges)), len(stmtEdges) == 0},
			{"statement inputs", cypher.StatementsUpsertInputs, map[string]any{"inputs": stmtInputs}, int64(len(stmtInputs)), len(stmtInputs) == 0},
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

// zero reports whether m says nothing.
func (m Meta) zero() bool {
	return m.UniqueID == "" && m.Description == "" && len(m.Tags) == 0 && m.Owner == "" && m.Materialization == "" &&
		m.Path == "" && m.TargetLag == "" && m.Warehouse == "" && m.RefreshMode == "" && m.Initialize == ""
}
