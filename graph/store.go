// Package graph holds Tributary's domain types (ColumnID, Edge, Subgraph) and the Neo4j store
// that writes and reads column lineage. Every statement comes from package cypher.
package graph

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/cypher"
)

// Store reads and writes lineage in one Neo4j database. Its writes know nothing of the API's
// response cache: wherever a cache may hold answers, write through a Writer, which
// invalidates it after each commit.
type Store struct {
	driver   neo4j.DriverWithContext
	database string
	// UpsertTables commits at most this many tables, or columns, per transaction.
	maxTables, maxColumns int
}

// NewStore returns a store using database (e.g. "neo4j") through driver.
func NewStore(driver neo4j.DriverWithContext, database string) *Store {
	return &Store{driver: driver, database: database, maxTables: 500, maxColumns: 5000}
}

// ReplaceViewLineage writes view, its columns and all its DERIVES_FROM edges in one write
// transaction, removing the columns and edges an earlier definition had and this one does not:
// ReplaceViewsLineage of a batch of one. Running it twice with the same view leaves the same
// graph, so a retry is safe.
func (s *Store) ReplaceViewLineage(ctx context.Context, view View) error {
	return s.ReplaceViewsLineage(ctx, []View{view}, nil)
}

// DeleteView removes a view, its columns and every edge touching them (including edges of
// views that read it). It returns ErrNotFound when there is no such view.
func (s *Store) DeleteView(ctx context.Context, id ObjectID) error {
	if err := id.Validate(); err != nil {
		return fmt.Errorf("delete view: %w: %w", ErrInvalid, err)
	}
	res, err := neo4j.ExecuteQuery(ctx, s.driver, cypher.DeleteView, map[string]any{"id": id.String()},
		neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(s.database), neo4j.ExecuteQueryWithWritersRouting())
	if err != nil {
		return fmt.Errorf("delete view %s: %w", id, err)
	}
	if len(res.Records) != 1 {
		return fmt.Errorf("delete view %s: %d records, want 1", id, len(res.Records))
	}
	deleted, _, err := neo4j.GetRecordValue[int64](res.Records[0], "deleted")
	if err != nil {
		return fmt.Errorf("delete view %s: %w", id, err)
	}
	if deleted == 0 {
		return fmt.Errorf("delete view %s: %w", id, ErrNotFound)
	}
	return nil
}

// UpsertTables writes base tables and their columns from the catalog, in batches of
// transactions. A table with a non-empty column list has unlisted columns removed, except
// columns some view still derives from. A view whose id appears here becomes a table.
func (s *Store) UpsertTables(ctx context.Context, tables []Table) error {
	rows := make([]any, 0, len(tables))
	seen := make(map[ObjectID]bool, len(tables))
	for _, t := range tables {
		row, err := tableRow(t)
		if err != nil {
			return fmt.Errorf("upsert tables: %w", err)
		}
		if seen[t.ID] {
			return fmt.Errorf("upsert tables: %w: table %s listed twice", ErrInvalid, t.ID)
		}
		seen[t.ID] = true
		rows = append(rows, row)
	}
	session := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.database, AccessMode: neo4j.AccessModeWrite})
	defer session.Close(ctx)
	for _, b := range tableBatches(tables, s.maxTables, s.maxColumns) {
		batch := rows[b[0]:b[1]]
		ids := make([]any, 0, len(batch))
		for _, t := range tables[b[0]:b[1]] {
			ids = append(ids, t.ID.String())
		}
		_, err := session.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
			if _, err := runCount(ctx, tx, cypher.DemoteViewsToTables, map[string]any{"ids": ids}); err != nil {
				return nil, fmt.Errorf("demote views: %w", err)
			}
			if _, err := runCount(ctx, tx, cypher.UpsertTables, map[string]any{"tables": batch}); err != nil {
				return nil, fmt.Errorf("tables: %w", err)
			}
			if _, err := runCount(ctx, tx, cypher.DeleteStaleTableColumns, map[string]any{"tables": batch}); err != nil {
				return nil, fmt.Errorf("stale columns: %w", err)
			}
			return nil, nil
		})
		if err != nil {
			return fmt.Errorf("upsert tables %s..%s: %w", tables[b[0]].ID, tables[b[1]-1].ID, err)
		}
	}
	return nil
}

// tableBatches splits tables into [start, end) ranges of at most maxTables tables and, unless
// one table alone has more, at most maxColumns columns.
func tableBatches(tables []Table, maxTables, maxColumns int) [][2]int {
	var out [][2]int
	for start := 0; start < len(tables); {
		end, cols := start, 0
		for end < len(tables) && end-start < maxTables && (end == start || cols+len(tables[end].Columns) <= maxColumns) {
			cols += len(tables[end].Columns)
			end++
		}
		out = append(out, [2]int{start, end})
		start = end
	}
	return out
}

// writeStep is one statement of a write transaction and the count it must report (-1: any).
type writeStep struct {
	name   string
	query  string
	params map[string]any
	want   int64
}

// runSteps runs steps in order in tx, failing on the first error or unexpected count.
func runSteps(ctx context.Context, tx neo4j.ManagedTransaction, steps []writeStep) error {
	for _, st := range steps {
		n, err := runCount(ctx, tx, st.query, st.params)
		if err != nil {
			return fmt.Errorf("%s: %w", st.name, err)
		}
		if st.want >= 0 && n != st.want {
			return fmt.Errorf("%s: wrote %d of %d", st.name, n, st.want)
		}
	}
	return nil
}

// edgeKey identifies an edge within one view: a view has at most one edge per key.
type edgeKey struct {
	from, to ColumnID
	typ      EdgeType
	sub      Subtype
}

func keyOf(e Edge) edgeKey { return edgeKey{e.From, e.To, e.Type, e.Subtype} }

// diffEdges compares a view's old edges with its new ones by key: added are the new edges
// (each key once, View set to view) that old lacks; removed are the old ones new lacks (each
// key once). Both come sorted.
func diffEdges(view ObjectID, old, new []Edge) (added, removed []Edge) {
	had := make(map[edgeKey]bool, len(old))
	for _, e := range old {
		had[keyOf(e)] = true
	}
	has := make(map[edgeKey]bool, len(new))
	for _, e := range new {
		k := keyOf(e)
		if has[k] {
			continue
		}
		has[k] = true
		if !had[k] {
			e.View = view
			added = append(added, e)
		}
	}
	for _, e := range old {
		k := keyOf(e)
		if !has[k] {
			has[k] = true // each removed key once
			removed = append(removed, e)
		}
	}
	sortEdges(added)
	sortEdges(removed)
	return added, removed
}

// runCount runs a statement returning one record with one integer column.
func runCount(ctx context.Context, tx neo4j.ManagedTransaction, query string, params map[string]any) (int64, error) {
	res, err := tx.Run(ctx, query, params)
	if err != nil {
		return 0, err
	}
	rec, err := res.Single(ctx)
	if err != nil {
		return 0, err
	}
	if len(rec.Values) == 0 {
		return 0, nil
	}
	n, _ := rec.Values[0].(int64)
	return n, nil
}

// edgeRow is edge e of dataset view (an id string) with provenance p as the parameters of
// upsert_view_edges.cypher.
func edgeRow(e Edge, view string, p Provenance) map[string]any {
	var lastSeen any
	if !p.LastSeen.IsZero() {
		lastSeen = p.LastSeen.UTC()
	}
	return map[string]any{
		"from": e.From.String(), "to": e.To.String(), "view": view,
		"type": string(e.Type), "subtype": string(e.Subtype),
		"expression": nullable(e.Expression), "masking": e.Masking, "verification": verification(e.Unverified),
		"steps": stepExpressions(e.Steps), "stepRelations": stepRelations(e.Steps),
		"origin": string(p.Origin), "statement": p.Statement, "run": nullable(p.Run), "lastSeen": lastSeen,
	}
}

// viewWrite is a validated view turned into statement parameters.
type viewWrite struct {
	id        string
	origin    string
	view      map[string]any
	columns   []any
	columnIDs []any
	sources   []any
	edgeKeys  []any
	edges     []any
}

// prepareView validates v and turns it into the parameters of the view write statements.
func prepareView(v View) (viewWrite, error) {
	if err := v.ID.Validate(); err != nil {
		return viewWrite{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	switch v.Status {
	case StatusOK, StatusFailed, StatusHidden:
	default:
		return viewWrite{}, invalidf("status %q, want %q, %q or %q", v.Status, StatusOK, StatusFailed, StatusHidden)
	}
	kind, origin := v.Kind, v.Origin
	if kind == "" {
		kind = KindView
	}
	if origin == "" {
		origin = OriginView
	}
	if kind == KindExternal || !ValidKind(kind) {
		return viewWrite{}, invalidf("kind %q of a defined dataset", v.Kind)
	}
	if !origin.Definition() {
		return viewWrite{}, invalidf("origin %q: not a definition", v.Origin)
	}
	statement := v.ID.String()
	if origin == OriginDBT && v.Meta.UniqueID != "" {
		statement = v.Meta.UniqueID
	}
	w := viewWrite{id: v.ID.String(), origin: string(origin)}
	names := make(map[string]bool, len(v.Columns))
	for _, c := range v.Columns {
		if c.Name == "" {
			return viewWrite{}, invalidf("column with empty name")
		}
		if names[c.Name] {
			return viewWrite{}, invalidf("column %s listed twice", QuoteIdentifier(c.Name))
		}
		names[c.Name] = true
		cid := v.ID.Column(c.Name)
		w.columns = append(w.columns, columnRow(cid, c))
		w.columnIDs = append(w.columnIDs, cid.String())
	}

	edges := make([]Edge, 0, len(v.Edges))
	seenEdge := make(map[edgeKey]bool, len(v.Edges))
	for _, e := range v.Edges {
		if e.From.Object() != v.ID {
			return viewWrite{}, invalidf("edge from %s: not a column of view %s", e.From, v.ID)
		}
		if !names[e.From.Column] {
			return viewWrite{}, invalidf("edge from %s: column not in the view's column list", e.From)
		}
		if err := e.To.Validate(); err != nil {
			return viewWrite{}, fmt.Errorf("%w: edge from %s: %w", ErrInvalid, e.From, err)
		}
		if e.To.Object() == v.ID && !names[e.To.Column] {
			return viewWrite{}, invalidf("edge to %s: column not in the view's column list", e.To)
		}
		if !e.Type.Valid() {
			return viewWrite{}, invalidf("edge %s -> %s: type %q", e.From, e.To, e.Type)
		}
		if !e.Subtype.Valid() {
			return viewWrite{}, invalidf("edge %s -> %s: subtype %q", e.From, e.To, e.Subtype)
		}
		if e.View != (ObjectID{}) && e.View != v.ID {
			return viewWrite{}, invalidf("edge %s -> %s: belongs to view %s", e.From, e.To, e.View)
		}
		e.View = v.ID
		k := keyOf(e)
		if seenEdge[k] {
			continue // same edge twice (e.g. a column used twice in one expression): keep the first
		}
		seenEdge[k] = true
		edges = append(edges, e)
	}
	// The view's edges were deduplicated on (from, to, type, subtype), so this key orders them fully.
	sortEdges(edges)

	seenSource := make(map[ColumnID]bool)
	for _, e := range edges {
		w.edgeKeys = append(w.edgeKeys, []any{e.From.String(), e.To.String(), string(e.Type), string(e.Subtype), string(origin), statement})
		w.edges = append(w.edges, edgeRow(e, w.id, Provenance{Origin: origin, Statement: statement}))
		if seenSource[e.To] {
			continue
		}
		seenSource[e.To] = true
		w.sources = append(w.sources, sourceRow(e.To))
	}

	hash, err := viewHash(v, edges)
	if err != nil {
		return viewWrite{}, err
	}
	var lastAltered any
	if !v.LastAltered.IsZero() {
		lastAltered = v.LastAltered.UTC()
	}
	w.view = map[string]any{
		"id": w.id, "name": v.ID.Name,
		"schemaId": v.ID.SchemaID(), "schema": v.ID.Schema,
		"databaseId": QuoteIdentifier(v.ID.Database), "database": v.ID.Database,
		"definition": v.Definition, "status": v.Status, "message": nullable(v.Message),
		"lastAltered": lastAltered, "hash": hash, "search": objectSearchProps(v.ID),
		"kind": kind, "origin": string(origin), "meta": v.Meta.props(),
	}
	return w, nil
}

// Unverified is the verification property of an unverified edge (absent on verified ones): a
// word, so Neo4j Browser's style sheet can show it in the edge's caption.
const Unverified = "unverified"

// verification is the verification property of an edge: Unverified or none.
func verification(unverified bool) any {
	if unverified {
		return Unverified
	}
	return nil
}

// stepExpressions and stepRelations are an edge's steps as the two parallel list properties
// steps and stepRelations (Neo4j properties hold lists of scalars, not of maps); nil (no
// property) when there are none.
func stepExpressions(steps []Step) any {
	if len(steps) == 0 {
		return nil // an untyped nil: the driver writes a nil []string as an empty list
	}
	out := make([]string, len(steps))
	for i, st := range steps {
		out[i] = st.Expression
	}
	return out
}

func stepRelations(steps []Step) any {
	if len(steps) == 0 {
		return nil
	}
	out := make([]string, len(steps))
	for i, st := range steps {
		out[i] = st.Relation
	}
	return out
}

// viewHash fingerprints everything ReplaceViewLineage writes, so updatedAt moves only when the
// written content changes.
func viewHash(v View, edges []Edge) (string, error) {
	cols := slices.Clone(v.Columns)
	slices.SortFunc(cols, func(a, b Column) int { return cmp.Compare(a.Name, b.Name) })
	type edgeJSON struct {
		From, To, Type, Subtype, Expression string
		Masking, Unverified                 bool
		Steps                               []Step
	}
	ej := make([]edgeJSON, len(edges))
	for i, e := range edges {
		ej[i] = edgeJSON{e.From.String(), e.To.String(), string(e.Type), string(e.Subtype), e.Expression, e.Masking, e.Unverified, e.Steps}
	}
	// Kind, Origin and Meta are left out when they are a plain view's, so a view's hash is the
	// one it had before datasets had kinds.
	var meta *Meta
	if !reflect.ValueOf(v.Meta).IsZero() {
		meta = &v.Meta
	}
	kind, origin := v.Kind, v.Origin
	if kind == KindView {
		kind = ""
	}
	if origin == OriginView {
		origin = ""
	}
	b, err := json.Marshal(struct {
		Definition, Status, Message string
		LastAltered                 time.Time
		Columns                     []Column
		Edges                       []edgeJSON
		Kind                        string `json:",omitempty"`
		Origin                      Origin `json:",omitempty"`
		Meta                        *Meta  `json:",omitempty"`
	}{v.Definition, v.Status, v.Message, v.LastAltered.UTC(), cols, ej, kind, origin, meta})
	if err != nil {
		return "", fmt.Errorf("hash view: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

func tableRow(t Table) (map[string]any, error) {
	if err := t.ID.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	id := t.ID.String()
	names := make(map[string]bool, len(t.Columns))
	cols := make([]any, 0, len(t.Columns))
	ids := make([]any, 0, len(t.Columns))
	for _, c := range t.Columns {
		if c.Name == "" {
			return nil, invalidf("table %s: column with empty name", id)
		}
		if names[c.Name] {
			return nil, invalidf("table %s: column %s listed twice", id, QuoteIdentifier(c.Name))
		}
		names[c.Name] = true
		cid := t.ID.Column(c.Name)
		cols = append(cols, columnRow(cid, c))
		ids = append(ids, cid.String())
	}
	var columnIDs any = ids
	if len(ids) == 0 {
		columnIDs = nil // no list: keep existing columns (see delete_stale_table_columns.cypher)
	}
	return map[string]any{
		"id": id, "name": t.ID.Name,
		"schemaId": t.ID.SchemaID(), "schema": t.ID.Schema,
		"databaseId": QuoteIdentifier(t.ID.Database), "database": t.ID.Database,
		"columns": cols, "columnIds": columnIDs, "search": objectSearchProps(t.ID),
	}, nil
}

func columnRow(id ColumnID, c Column) map[string]any {
	return map[string]any{"id": id.String(), "name": c.Name, "ordinal": int64(c.Ordinal),
		"dataType": nullable(c.DataType), "search": columnSearchProps(id)}
}

// nullable maps "" to a missing property.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
