package graph

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/cypher"
)

// This file holds what ingestion records next to a view's lineage: which source listed the
// view, which version of its definition was analysed, which objects' column lists the analysis
// read, and the statement-level inputs (JOIN, FILTER, GROUP_BY, SORT) that concern the whole view
// rather than one output column. ReplaceViewsLineage writes it with the lineage in one
// transaction, so a crash leaves either both or neither and the next refresh re-analyses a view
// without a recorded version.

// ViewState is ingestion's record about one view.
type ViewState struct {
	ID      ObjectID
	Source  string // the source that listed the view, e.g. "dir:/data/wh" or "snowflake:ACME"
	Version string // fingerprint of the listed definition the lineage was computed from
	// ColumnDeps are the tables and views whose column lists the analysis read (star
	// expansion, binding of unqualified names). When one of them changes its columns, the view
	// is analysed again.
	ColumnDeps []ObjectID
	// Inputs are the statement-level INDIRECT inputs, stored as one
	// (:View)-[:INDIRECT_INPUT {subtype}]->(:Column) relationship each.
	Inputs []Input
}

// Input is a column that affects a whole view (its rows or their grouping and order).
type Input struct {
	Column  ColumnID
	Subtype Subtype // SubtypeJoin, SubtypeFilter, SubtypeGroupBy or SubtypeSort
}

// StoredView is a view as ViewStates reads it back.
type StoredView struct {
	ID          ObjectID
	Source      string
	Version     string
	Status      string
	LastAltered time.Time
	Columns     []string // output column names, by ordinal
	ColumnDeps  []ObjectID
}

// StoredTable is a table as TableStates reads it back.
type StoredTable struct {
	ID          ObjectID
	Placeholder bool
	Columns     []Column // by ordinal
}

// RelIndirectInput is the relationship type of a view's statement-level inputs.
const RelIndirectInput = "INDIRECT_INPUT"

// statesWrite is a validated list of view states turned into statement parameters.
type statesWrite struct {
	ids, rows, inputs, sources []any
}

func prepareStates(states []ViewState) (statesWrite, error) {
	var w statesWrite
	seenSource := map[ColumnID]bool{}
	for _, st := range states {
		if err := st.ID.Validate(); err != nil {
			return w, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		id := st.ID.String()
		w.ids = append(w.ids, id)
		deps := make([]string, 0, len(st.ColumnDeps))
		for _, d := range st.ColumnDeps {
			deps = append(deps, d.String())
		}
		slices.Sort(deps)
		deps = slices.Compact(deps)
		w.rows = append(w.rows, map[string]any{"id": id, "source": st.Source, "version": st.Version, "deps": deps})
		for _, in := range st.Inputs {
			if err := in.Column.Validate(); err != nil {
				return w, fmt.Errorf("%w: input of %s: %w", ErrInvalid, id, err)
			}
			if !in.Subtype.Valid() {
				return w, invalidf("input %s of %s: subtype %q", in.Column, id, in.Subtype)
			}
			w.inputs = append(w.inputs, map[string]any{"view": id, "column": in.Column.String(), "subtype": string(in.Subtype)})
			if !seenSource[in.Column] {
				seenSource[in.Column] = true
				w.sources = append(w.sources, sourceRow(in.Column))
			}
		}
	}
	return w, nil
}

func (w statesWrite) run(ctx context.Context, tx neo4j.ManagedTransaction) error {
	if _, err := runCount(ctx, tx, cypher.IngestDeleteIndirectInputs, map[string]any{"ids": w.ids}); err != nil {
		return fmt.Errorf("delete inputs: %w", err)
	}
	if len(w.sources) > 0 {
		if _, err := runCount(ctx, tx, cypher.UpsertSourceColumns, map[string]any{"sources": w.sources}); err != nil {
			return fmt.Errorf("input columns: %w", err)
		}
		if _, err := runCount(ctx, tx, cypher.IngestUpsertIndirectInputs, map[string]any{"inputs": w.inputs}); err != nil {
			return fmt.Errorf("inputs: %w", err)
		}
	}
	n, err := runCount(ctx, tx, cypher.IngestSetViewStates, map[string]any{"views": w.rows})
	if err != nil {
		return fmt.Errorf("states: %w", err)
	}
	if n != int64(len(w.rows)) {
		return fmt.Errorf("states: wrote %d of %d (views missing)", n, len(w.rows))
	}
	return nil
}

// sourceRow is the parameter row of upsert_source_columns.cypher for column c.
func sourceRow(c ColumnID) map[string]any {
	o := c.Object()
	return map[string]any{
		"id": c.String(), "name": c.Column,
		"datasetId": o.String(), "dataset": o.Name,
		"schemaId": o.SchemaID(), "schema": o.Schema,
		"databaseId": QuoteIdentifier(o.Database), "database": o.Database,
		"search": columnSearchProps(c), "datasetSearch": objectSearchProps(o),
	}
}

// ViewStates returns the stored views recorded for source plus those among ids, in id order.
func (s *Store) ViewStates(ctx context.Context, source string, ids []ObjectID) ([]StoredView, error) {
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = id.String()
	}
	res, err := s.read(ctx, cypher.IngestViewStates, map[string]any{"source": source, "ids": list})
	if err != nil {
		return nil, fmt.Errorf("view states of %s: %w", source, err)
	}
	out := make([]StoredView, 0, len(res.Records))
	for _, rec := range res.Records {
		m := make(map[string]any, len(rec.Keys))
		for i, k := range rec.Keys {
			m[k] = rec.Values[i]
		}
		id, err := parseObjectValue(m["id"])
		if err != nil {
			return nil, fmt.Errorf("view states: %w", err)
		}
		v := StoredView{ID: id, Source: str(m, "source"), Version: str(m, "version"), Status: str(m, "status"),
			LastAltered: timeOf(m, "lastAltered")}
		if !v.LastAltered.IsZero() {
			v.LastAltered = v.LastAltered.UTC()
		}
		cols, _ := m["columns"].([]any)
		for _, c := range cols {
			if name, ok := c.(string); ok {
				v.Columns = append(v.Columns, name)
			}
		}
		deps, _ := m["deps"].([]any)
		for _, d := range deps {
			o, err := parseObjectValue(d)
			if err != nil {
				return nil, fmt.Errorf("view states: %s: dependency: %w", id, err)
			}
			v.ColumnDeps = append(v.ColumnDeps, o)
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b StoredView) int { return compareObjects(a.ID, b.ID) })
	return out, nil
}

// TableStates returns the tables among ids that exist, with their columns.
func (s *Store) TableStates(ctx context.Context, ids []ObjectID) ([]StoredTable, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = id.String()
	}
	res, err := s.read(ctx, cypher.IngestTableStates, map[string]any{"ids": list})
	if err != nil {
		return nil, fmt.Errorf("table states: %w", err)
	}
	out := make([]StoredTable, 0, len(res.Records))
	for _, rec := range res.Records {
		m := make(map[string]any, len(rec.Keys))
		for i, k := range rec.Keys {
			m[k] = rec.Values[i]
		}
		id, err := parseObjectValue(m["id"])
		if err != nil {
			return nil, fmt.Errorf("table states: %w", err)
		}
		t := StoredTable{ID: id, Placeholder: flag(m, "placeholder")}
		cols, _ := m["columns"].([]any)
		for _, c := range cols {
			cm, _ := c.(map[string]any)
			t.Columns = append(t.Columns, Column{Name: str(cm, "name"), Ordinal: int(num(cm, "ordinal")), DataType: str(cm, "dataType")})
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b StoredTable) int { return compareObjects(a.ID, b.ID) })
	return out, nil
}

func compareObjects(a, b ObjectID) int {
	if a.Database != b.Database {
		return cmpString(a.Database, b.Database)
	}
	if a.Schema != b.Schema {
		return cmpString(a.Schema, b.Schema)
	}
	return cmpString(a.Name, b.Name)
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// SourceCounts are the sizes of what one source ingested.
type SourceCounts struct {
	Views, Failed, Hidden, Columns, Edges int64
	// Statements recorded for the source (query history), the failed ones, and the edges
	// they wrote.
	Statements, FailedStatements, StatementEdges int64
}

// SourceCounts counts the views recorded for source, their columns and their edges, and the
// statements recorded for it with their edges.
func (s *Store) SourceCounts(ctx context.Context, source string) (SourceCounts, error) {
	res, err := s.read(ctx, cypher.IngestSourceCounts, map[string]any{"source": source})
	if err != nil {
		return SourceCounts{}, fmt.Errorf("counts of %s: %w", source, err)
	}
	if len(res.Records) != 1 {
		return SourceCounts{}, fmt.Errorf("counts of %s: %d records, want 1", source, len(res.Records))
	}
	var c SourceCounts
	rec := res.Records[0]
	for key, dst := range map[string]*int64{"views": &c.Views, "failed": &c.Failed, "hidden": &c.Hidden,
		"columns": &c.Columns, "edges": &c.Edges, "statements": &c.Statements, "failedStatements": &c.FailedStatements,
		"statementEdges": &c.StatementEdges} {
		if *dst, _, err = neo4j.GetRecordValue[int64](rec, key); err != nil {
			return SourceCounts{}, fmt.Errorf("counts of %s: %s: %w", source, key, err)
		}
	}
	return c, nil
}
