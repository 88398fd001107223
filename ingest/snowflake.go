package ingest

import (
	"context"
	"fmt"
	"slices"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest/snowflake"
)

// SnowflakeSource adapts a snowflake.Source: views with their text and LAST_ALTERED, dynamic
// tables and materialized views with their CREATE statements (and a dynamic table's target
// lag, warehouse and refresh mode), and the columns of every table and view in scope from
// INFORMATION_SCHEMA.COLUMNS.
type SnowflakeSource struct {
	src  *snowflake.Source
	name string
}

// NewSnowflakeSource names src "snowflake:"+account.
func NewSnowflakeSource(src *snowflake.Source, account string) *SnowflakeSource {
	return &SnowflakeSource{src: src, name: "snowflake:" + account}
}

// Name implements Source.
func (s *SnowflakeSource) Name() string { return s.name }

// List implements Source. A view's text is resolved against its own database and schema, as
// Snowflake does. Columns of objects that are not views, dynamic tables or materialized views
// are the tables.
func (s *SnowflakeSource) List(ctx context.Context) (*Listing, error) {
	snap, err := s.src.Snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", s.name, err)
	}
	cols := map[graph.ObjectID][]graph.Column{}
	var order []graph.ObjectID
	for _, c := range snap.Columns {
		id := graph.ObjectID{Database: c.Database, Schema: c.Schema, Name: c.Table}
		if _, ok := cols[id]; !ok {
			order = append(order, id)
		}
		cols[id] = append(cols[id], graph.Column{Name: c.Name, Ordinal: c.Ordinal, DataType: c.DataType})
	}
	l := &Listing{}
	isView := map[graph.ObjectID]bool{}
	for _, v := range snap.Views {
		id := graph.ObjectID{Database: v.Database, Schema: v.Schema, Name: v.Name}
		if err := id.Validate(); err != nil {
			return nil, fmt.Errorf("list %s: view %q.%q.%q: %w", s.name, v.Database, v.Schema, v.Name, err)
		}
		isView[id] = true
		lv := ListedView{ID: id, Text: v.Text, Hidden: v.Hidden || v.Text == "", LastAltered: v.LastAltered.UTC(),
			Columns: cols[id], DefaultDatabase: v.Database, DefaultSchema: v.Schema, Line: 1}
		if lv.LastAltered.IsZero() {
			lv.LastAltered = v.Created.UTC()
		}
		switch v.Kind {
		case snowflake.KindDynamicTable:
			lv.Kind, lv.DefinedBy = graph.KindDynamicTable, graph.OriginDynamicTable
			lv.Meta = graph.Meta{TargetLag: v.TargetLag, Warehouse: v.Warehouse, RefreshMode: v.RefreshMode}
		case snowflake.KindMaterializedView:
			lv.Kind, lv.DefinedBy = graph.KindMaterializedView, graph.OriginView
		}
		l.Views = append(l.Views, lv)
	}
	for _, id := range order {
		if isView[id] || id.Validate() != nil {
			continue
		}
		c := cols[id]
		slices.SortFunc(c, func(a, b graph.Column) int { return a.Ordinal - b.Ordinal })
		l.Tables = append(l.Tables, graph.Table{ID: id, Columns: c})
	}
	slices.SortFunc(l.Views, func(a, b ListedView) int { return compareIDs(a.ID, b.ID) })
	slices.SortFunc(l.Tables, func(a, b graph.Table) int { return compareIDs(a.ID, b.ID) })
	return l, nil
}
