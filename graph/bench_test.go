package graph

import (
	"context"
	"fmt"
	"testing"
)

// wideView is a view of n columns over a table of n columns: column i is a transformation of
// table column i and filtered on table column 0.
func wideView(db string, n int) (Table, View) {
	tbl := obj(db, "RAW", "WIDE")
	v := obj(db, "MART", "WIDE_V")
	t := Table{ID: tbl}
	view := View{ID: v, Status: StatusOK, Definition: fmt.Sprintf("select ... %d columns", n)}
	for i := range n {
		name := fmt.Sprintf("C%02d", i)
		t.Columns = append(t.Columns, Column{name, i + 1, "NUMBER"})
		view.Columns = append(view.Columns, Column{name, i + 1, "NUMBER"})
		view.Edges = append(view.Edges,
			Edge{From: v.Column(name), To: tbl.Column(name), Type: EdgeDirect, Subtype: SubtypeTransformation, Expression: name + " * 2"},
			Edge{From: v.Column(name), To: tbl.Column("C00"), Type: EdgeIndirect, Subtype: SubtypeFilter})
	}
	return t, view
}

func BenchmarkReplaceViewLineage40Columns(b *testing.B) {
	s, _ := newTestStore(b)
	ctx := context.Background()
	tbl, v := wideView(testDB(b), 40)
	if err := s.UpsertTables(ctx, []Table{tbl}); err != nil {
		b.Fatal(err)
	}
	// Alternate between two definitions so every write really changes 40 edges.
	alt := v
	alt.Edges = v.Edges[:len(v.Edges):len(v.Edges)]
	alt.Edges = append([]Edge(nil), v.Edges...)
	for i := range alt.Edges {
		if alt.Edges[i].Subtype == SubtypeTransformation {
			alt.Edges[i].Subtype = SubtypeIdentity
		}
	}
	b.Run("unchanged", func(b *testing.B) {
		for b.Loop() {
			mustReplace(b, s, v)
		}
	})
	b.Run("changed", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if i%2 == 0 {
				mustReplace(b, s, alt)
			} else {
				mustReplace(b, s, v)
			}
			i++
		}
	})
}

// layeredViews is a stack of depth views of width columns over one table: column i of layer k
// reads column i of layer k-1 (IDENTITY) and is filtered on column 0 of layer k-1 (FILTER).
func layeredViews(db string, depth, width int) (Table, []View) {
	prev := obj(db, "RAW", "BASE")
	t := Table{ID: prev}
	for i := range width {
		t.Columns = append(t.Columns, Column{fmt.Sprintf("C%d", i), i + 1, "NUMBER"})
	}
	var views []View
	for k := 1; k <= depth; k++ {
		id := obj(db, "L", fmt.Sprintf("V%02d", k))
		v := View{ID: id, Status: StatusOK, Definition: fmt.Sprintf("layer %d", k), Columns: t.Columns}
		for i := range width {
			name := fmt.Sprintf("C%d", i)
			v.Edges = append(v.Edges,
				Edge{From: id.Column(name), To: prev.Column(name), Type: EdgeDirect, Subtype: SubtypeIdentity},
				Edge{From: id.Column(name), To: prev.Column("C0"), Type: EdgeIndirect, Subtype: SubtypeFilter})
		}
		views = append(views, v)
		prev = id
	}
	return t, views
}

func BenchmarkUpstreamDepth10(b *testing.B) {
	s, _ := newTestStore(b)
	ctx := context.Background()
	tbl, views := layeredViews(testDB(b), 10, 5)
	if err := s.UpsertTables(ctx, []Table{tbl}); err != nil {
		b.Fatal(err)
	}
	for _, v := range views {
		mustReplace(b, s, v)
	}
	top := views[len(views)-1].ID
	for _, c := range []string{"C0", "C3"} {
		b.Run(c, func(b *testing.B) {
			var sg Subgraph
			for b.Loop() {
				var err error
				if sg, err = s.Upstream(ctx, top.Column(c), 10); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(sg.Paths)), "paths")
			b.ReportMetric(float64(len(sg.Edges)), "edges")
		})
	}
}

func BenchmarkUpsertTables1000x10(b *testing.B) {
	s, _ := newTestStore(b)
	ctx := context.Background()
	db := testDB(b)
	var tables []Table
	for i := range 1000 {
		t := Table{ID: obj(db, "RAW", fmt.Sprintf("T%04d", i))}
		for j := range 10 {
			t.Columns = append(t.Columns, Column{fmt.Sprintf("C%d", j), j + 1, "NUMBER"})
		}
		tables = append(tables, t)
	}
	for b.Loop() {
		if err := s.UpsertTables(ctx, tables); err != nil {
			b.Fatal(err)
		}
	}
}
