package graph

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tributary-lineage/tributary/internal/graphtest"
)

func exportTestDB(t *testing.T, s *Store) string {
	return graphtest.Database(t, s, "TT_")
}

// chainViews writes V1 <- V2 <- ... <- Vn (each view's X reads the previous view's X) over T.X.
func chainViews(t *testing.T, s *Store, db string, n int) {
	t.Helper()
	ctx := context.Background()
	if err := s.UpsertTables(ctx, []Table{{ID: obj(db, "S", "T"), Columns: []Column{{Name: "X", Ordinal: 1, DataType: "NUMBER"}}}}); err != nil {
		t.Fatal(err)
	}
	prev := obj(db, "S", "T")
	for i := 1; i <= n; i++ {
		id := obj(db, "S", "V"+string(rune('0'+i)))
		mustReplace(t, s, View{ID: id, Status: StatusOK, Columns: []Column{{Name: "X", Ordinal: 1}},
			Edges: []Edge{edge(id.Column("X"), prev.Column("X"), EdgeDirect, SubtypeIdentity)}})
		prev = id
	}
}

func TestExportDatasetsPagesInIDOrder(t *testing.T) {
	s, _ := newTestStore(t)
	db := exportTestDB(t, s)
	chainViews(t, s, db, 5)
	var pages [][]string
	err := s.ExportDatasets(context.Background(), ExportFilter{Databases: []string{db}}, 2, func(page []ExportDataset) error {
		var ids []string
		for _, d := range page {
			ids = append(ids, d.ID.Name+":"+d.Kind)
		}
		pages = append(pages, ids)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"T:table", "V1:view"}, {"V2:view", "V3:view"}, {"V4:view", "V5:view"}}
	if diff := cmp.Diff(want, pages); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
	var got []ExportDataset
	err = s.ExportDatasets(context.Background(), ExportFilter{Datasets: []ObjectID{obj(db, "S", "V3")}}, 0, func(page []ExportDataset) error {
		got = append(got, page...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	one := 1
	wantV3 := ExportDataset{ID: obj(db, "S", "V3"), Kind: KindView, Status: StatusOK, Columns: []ExportColumn{{Name: "X", Ordinal: &one}},
		Edges: []Edge{{From: col(db, "S", "V3", "X"), To: col(db, "S", "V2", "X"), Type: EdgeDirect, Subtype: SubtypeIdentity, View: obj(db, "S", "V3"), Provenance: definedBy(obj(db, "S", "V3"))}}}
	if len(got) != 1 {
		t.Fatalf("%d datasets", len(got))
	}
	got[0].UpdatedAt = wantV3.UpdatedAt
	if diff := cmp.Diff(wantV3, got[0]); diff != "" {
		t.Errorf("V3 (-want +got):\n%s", diff)
	}
}

func TestClosureDistances(t *testing.T) {
	s, _ := newTestStore(t)
	db := exportTestDB(t, s)
	chainViews(t, s, db, 4)
	down, err := s.Closure(context.Background(), []ColumnID{col(db, "S", "T", "X")}, false, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []ClosureColumn{{col(db, "S", "T", "X"), 0}, {col(db, "S", "V1", "X"), 1}, {col(db, "S", "V2", "X"), 2}}
	if diff := cmp.Diff(want, down); diff != "" {
		t.Errorf("downstream (-want +got):\n%s", diff)
	}
	up, err := s.Closure(context.Background(), []ColumnID{col(db, "S", "V4", "X")}, true, MaxDepth)
	if err != nil {
		t.Fatal(err)
	}
	if len(up) != 5 || up[4] != (ClosureColumn{col(db, "S", "T", "X"), 4}) {
		t.Errorf("upstream %v", up)
	}
	if _, err := s.Closure(context.Background(), []ColumnID{col(db, "S", "NOPE", "X")}, true, 3); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown root: %v", err)
	}
}

// One invalid dataset in a batch: the batch writes nothing.
func TestImportDatasetsValidatesTheWholeBatchFirst(t *testing.T) {
	s, _ := newTestStore(t)
	db := exportTestDB(t, s)
	good := ExportDataset{ID: obj(db, "S", "GOOD"), Kind: KindView, Status: StatusOK, Columns: []ExportColumn{{Name: "A"}},
		Edges: []Edge{edge(col(db, "S", "GOOD", "A"), col(db, "S", "T", "A"), EdgeDirect, SubtypeIdentity)}}
	bad := ExportDataset{ID: obj(db, "S", "BAD"), Kind: KindView, Status: StatusOK, Columns: []ExportColumn{{Name: "A"}},
		Edges: []Edge{edge(col(db, "S", "BAD", "B"), col(db, "S", "T", "A"), EdgeDirect, SubtypeIdentity)}}
	err := s.ImportDatasets(context.Background(), []ExportDataset{good, bad})
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	if d, err := graphtest.Dump(context.Background(), s.driver, []string{db}); err != nil || len(d) != 0 {
		t.Fatalf("graph after a rejected batch: %q, %v", d, err)
	}
	if err := s.ImportDatasets(context.Background(), []ExportDataset{good}); err != nil {
		t.Fatal(err)
	}
	d, err := graphtest.Dump(context.Background(), s.driver, []string{db})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(d, func(l string) bool {
		return l == "edge "+db+".S.GOOD.A -> "+db+`.S.T.A {"expression":null,"masking":false,"stepRelations":null,"steps":null,"subtype":"IDENTITY","type":"DIRECT","verification":null,"view":"`+db+`.S.GOOD"}`
	}) {
		t.Errorf("dump after import:\n%q", d)
	}
}
