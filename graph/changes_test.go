package graph

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The change-reporting writes report what each transaction changed: everything on the first
// write, nothing on a repeat, the removed column with the downstream column that read it, and
// on a delete everything with the readers that lost their sources.
func TestWriteChanges(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	db := testDB(t)
	tbl, views, states := ingestViews(db, 0)
	if err := s.UpsertTables(ctx, []Table{tbl}); err != nil {
		t.Fatal(err)
	}
	v1, v2 := views[0].ID, views[1].ID
	brief := func(c ViewChange) map[string]any {
		var added, removed []string
		for _, e := range c.EdgesAdded {
			added = append(added, e.From.String()+">"+e.To.String()+":"+string(e.Subtype))
		}
		for _, e := range c.EdgesRemoved {
			removed = append(removed, e.From.String()+">"+e.To.String()+":"+string(e.Subtype))
		}
		return map[string]any{"existed": c.Existed, "deleted": c.Deleted, "before": c.Before.SourceVersion,
			"after": c.After.SourceVersion, "colsAdded": c.ColumnsAdded, "colsRemoved": c.ColumnsRemoved,
			"edgesAdded": added, "edgesRemoved": removed, "broken": c.Broken, "changed": c.LineageChanged()}
	}
	check := func(step string, got []ViewChange, want ...map[string]any) {
		t.Helper()
		var g []map[string]any
		for _, c := range got {
			g = append(g, brief(c))
		}
		if d := cmp.Diff(want, g); d != "" {
			t.Errorf("%s (-want +got):\n%s", step, d)
		}
	}
	n := func(s ...string) []string { return s }
	p := func(c ColumnID) string { return c.String() }

	got, err := s.ReplaceViewsLineageChanges(ctx, views, states, nil)
	if err != nil {
		t.Fatal(err)
	}
	check("first write", got,
		map[string]any{"existed": false, "deleted": false, "before": "", "after": "v1", "colsAdded": n("A", "B"), "colsRemoved": []string(nil),
			"edgesAdded":   n(p(v1.Column("A"))+">"+p(tbl.ID.Column("A"))+":IDENTITY", p(v1.Column("B"))+">"+p(tbl.ID.Column("B"))+":TRANSFORMATION"),
			"edgesRemoved": []string(nil), "broken": []BrokenColumn(nil), "changed": true},
		map[string]any{"existed": false, "deleted": false, "before": "", "after": "v1", "colsAdded": n("A", "X"), "colsRemoved": []string(nil),
			"edgesAdded":   n(p(v2.Column("A"))+">"+p(v1.Column("A"))+":IDENTITY", p(v2.Column("X"))+">"+p(v1.Column("B"))+":AGGREGATION"),
			"edgesRemoved": []string(nil), "broken": []BrokenColumn(nil), "changed": true})

	got, err = s.ReplaceViewsLineageChanges(ctx, views, states, nil)
	if err != nil {
		t.Fatal(err)
	}
	same := func(after string) map[string]any {
		return map[string]any{"existed": true, "deleted": false, "before": after, "after": after, "colsAdded": []string(nil),
			"colsRemoved": []string(nil), "edgesAdded": []string(nil), "edgesRemoved": []string(nil), "broken": []BrokenColumn(nil), "changed": false}
	}
	check("repeat", got, same("v1"), same("v1"))

	// V1 loses B, which V2.X reads.
	_, views1, states1 := ingestViews(db, 1)
	got, err = s.ReplaceViewsLineageChanges(ctx, views1[:1], states1[:1], nil)
	if err != nil {
		t.Fatal(err)
	}
	lostB := []BrokenColumn{{ID: v2.Column("X"), View: v2, LostSources: []ColumnID{v1.Column("B")},
		Kinds: []Kind{{EdgeDirect, SubtypeAggregation}}}}
	check("drop column", got,
		map[string]any{"existed": true, "deleted": false, "before": "v1", "after": "v2", "colsAdded": []string(nil), "colsRemoved": n("B"),
			"edgesAdded": []string(nil), "edgesRemoved": n(p(v1.Column("B")) + ">" + p(tbl.ID.Column("B")) + ":TRANSFORMATION"),
			"broken": lostB, "changed": true})
	got, err = s.ReplaceViewsLineageChanges(ctx, views1[:1], states1[:1], nil)
	if err != nil {
		t.Fatal(err)
	}
	check("drop column again", got, same("v2"))
	d, err := s.ViewDetail(ctx, v2)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range d.Columns {
		if c.Name == "X" && len(c.Sources) != 0 {
			t.Errorf("V2.X still has sources %v", c.Sources)
		}
	}

	c, err := s.DeleteViewChange(ctx, v1, nil)
	if err != nil {
		t.Fatal(err)
	}
	lostA := []BrokenColumn{{ID: v2.Column("A"), View: v2, LostSources: []ColumnID{v1.Column("A")},
		Kinds: []Kind{{EdgeDirect, SubtypeIdentity}}}}
	check("delete", []ViewChange{c},
		map[string]any{"existed": true, "deleted": true, "before": "v2", "after": "", "colsAdded": []string(nil), "colsRemoved": n("A"),
			"edgesAdded": []string(nil), "edgesRemoved": n(p(v1.Column("A")) + ">" + p(tbl.ID.Column("A")) + ":IDENTITY"),
			"broken": lostA, "changed": true})
	if _, err := s.DeleteViewChange(ctx, v1, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
	if _, err := s.DeleteViewChange(ctx, tbl.ID, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete of a table: %v, want ErrNotFound", err)
	}
}
