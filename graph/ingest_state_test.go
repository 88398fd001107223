package graph

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// ingestViews is a base table and two views, the second reading the first, with statement-level
// inputs; variant 1 drops a column and changes an edge so a rewrite has stale parts to remove.
func ingestViews(db string, variant int) (Table, []View, []ViewState) {
	tbl := Table{ID: obj(db, "RAW", "T"), Columns: []Column{{"A", 1, "NUMBER"}, {"B", 2, "TEXT"}, {"C", 3, "DATE"}}}
	v1, v2 := obj(db, "S", "V1"), obj(db, "S", "V2")
	views := []View{
		{ID: v1, Status: StatusOK, Definition: "create view v1 ...", Columns: []Column{{"A", 1, ""}, {"B", 2, ""}},
			Edges: []Edge{
				{From: v1.Column("A"), To: tbl.ID.Column("A"), Type: EdgeDirect, Subtype: SubtypeIdentity},
				{From: v1.Column("B"), To: tbl.ID.Column("B"), Type: EdgeDirect, Subtype: SubtypeTransformation, Expression: "UPPER(B)"},
			}},
		{ID: v2, Status: StatusOK, Definition: "create view v2 ...", Columns: []Column{{"A", 1, ""}, {"X", 2, ""}},
			Edges: []Edge{
				{From: v2.Column("A"), To: v1.Column("A"), Type: EdgeDirect, Subtype: SubtypeIdentity},
				{From: v2.Column("X"), To: v1.Column("B"), Type: EdgeDirect, Subtype: SubtypeAggregation, Masking: true},
			}},
	}
	states := []ViewState{
		{ID: v1, Source: "dir:/x", Version: "v1", ColumnDeps: []ObjectID{tbl.ID},
			Inputs: []Input{{Column: tbl.ID.Column("C"), Subtype: SubtypeFilter}}},
		{ID: v2, Source: "dir:/x", Version: "v1", ColumnDeps: []ObjectID{v1},
			Inputs: []Input{{Column: v1.Column("A"), Subtype: SubtypeGroupBy}}},
	}
	if variant == 1 {
		views[0].Columns = views[0].Columns[:1]
		views[0].Edges = views[0].Edges[:1]
		views[1].Edges[0].Subtype = SubtypeTransformation
		views[1].Edges[1].To = v1.Column("A")
		states[0].Inputs = nil
		states[0].Version = "v2"
	}
	return tbl, views, states
}

// A batch write leaves what one ReplaceViewLineage per view plus SetViewStates leave, also when
// it replaces an earlier version, and running it twice changes nothing.
func TestReplaceViewsLineageMatchesSingleWrites(t *testing.T) {
	s, _ := newTestStore(t)
	ctx := context.Background()
	dbSingle, dbBatch := testDB(t), testDB(t)
	dump := func(db string) []string {
		lines, err := graphtest.Dump(ctx, s.driver, []string{db})
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range lines {
			lines[i] = strings.ReplaceAll(l, db, "<db>")
		}
		return lines
	}
	for variant := range 2 {
		tbl, views, states := ingestViews(dbSingle, variant)
		if err := s.UpsertTables(ctx, []Table{tbl}); err != nil {
			t.Fatal(err)
		}
		for _, v := range views {
			mustReplace(t, s, v)
		}
		if err := setViewStates(ctx, s, states); err != nil {
			t.Fatal(err)
		}

		tbl, views, states = ingestViews(dbBatch, variant)
		if err := s.UpsertTables(ctx, []Table{tbl}); err != nil {
			t.Fatal(err)
		}
		slices.Reverse(views) // order inside a batch does not matter
		for range 2 {
			if err := s.ReplaceViewsLineage(ctx, views, states); err != nil {
				t.Fatal(err)
			}
		}
		single, batch := dump(dbSingle), dump(dbBatch)
		if d := cmp.Diff(single, batch); d != "" {
			t.Errorf("variant %d: batch write differs from single writes (-single +batch):\n%s", variant, d)
		}
		if variant == 1 && slices.ContainsFunc(batch, func(l string) bool { return strings.Contains(l, "<db>.S.V1.B") }) {
			t.Errorf("variant 1: dropped column V1.B is still in the graph")
		}
	}

	got, err := s.ViewStates(ctx, "dir:/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	var v1 *StoredView
	for i := range got {
		if got[i].ID == obj(dbBatch, "S", "V1") {
			v1 = &got[i]
		}
	}
	if v1 == nil {
		t.Fatalf("ViewStates lacks %s.S.V1", dbBatch)
	}
	want := StoredView{ID: obj(dbBatch, "S", "V1"), Source: "dir:/x", Version: "v2", Status: StatusOK,
		Columns: []string{"A"}, ColumnDeps: []ObjectID{obj(dbBatch, "RAW", "T")}}
	if d := cmp.Diff(want, *v1); d != "" {
		t.Errorf("stored state of V1 (-want +got):\n%s", d)
	}
}

func TestReplaceViewsLineageRejectsBadBatches(t *testing.T) {
	s, _ := newTestStore(t)
	db := testDB(t)
	_, views, states := ingestViews(db, 0)
	for name, call := range map[string]func() error{
		"duplicate view": func() error { return s.ReplaceViewsLineage(context.Background(), []View{views[0], views[0]}, nil) },
		"state count":    func() error { return s.ReplaceViewsLineage(context.Background(), views, states[:1]) },
		"foreign state":  func() error { return s.ReplaceViewsLineage(context.Background(), views[:1], states[1:]) },
		"invalid subtype": func() error {
			v := views[0]
			v.Edges = []Edge{{From: v.ID.Column("A"), To: v.ID.Column("B"), Type: EdgeDirect, Subtype: "NOPE"}}
			return s.ReplaceViewsLineage(context.Background(), []View{v}, nil)
		},
	} {
		if err := call(); err == nil || !strings.Contains(err.Error(), ErrInvalid.Error()) {
			t.Errorf("%s: err = %v, want an invalid-argument error", name, err)
		}
	}
}

// setViewStates records states of views that exist (written by ReplaceViewLineage) in one write
// transaction, replacing their earlier statement-level inputs: the single-view way of writing what
// ReplaceViewsLineage writes with a batch, kept for comparing the two.
func setViewStates(ctx context.Context, s *Store, states []ViewState) error {
	if len(states) == 0 {
		return nil
	}
	sp, err := prepareStates(states)
	if err != nil {
		return fmt.Errorf("set view states: %w", err)
	}
	session := s.driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: s.database, AccessMode: neo4j.AccessModeWrite})
	defer session.Close(ctx)
	_, err = session.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		return nil, sp.run(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("set view states of %d views (%s...): %w", len(states), states[0].ID, err)
	}
	return nil
}
