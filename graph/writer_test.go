package graph

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// Every kind of write through the Writer bumps the cache generation once it has committed
// (a delete of a view already gone too: an earlier attempt may have deleted it); a write
// refused before committing does not.
func TestWriterInvalidatesAfterEveryWrite(t *testing.T) {
	store, _ := newTestStore(t)
	rdb := sharedRedis(t)
	ctx := context.Background()
	db := testDB(t)
	c := NewCache(rdb, time.Minute, CacheOptions{Prefix: testPrefix(t, rdb)})
	w := NewWriter(store, c)
	gen := func() int64 {
		t.Helper()
		g, err := c.Generation(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	last := gen()
	bumped := func(what string, err error) {
		t.Helper()
		if err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatalf("%s: %v", what, err)
		}
		if g := gen(); g <= last {
			t.Errorf("%s: generation %d after %d, not bumped", what, g, last)
		} else {
			last = g
		}
	}
	one := 1
	bumped("UpsertTables", w.UpsertTables(ctx, []Table{{ID: obj(db, "S", "T"), Columns: []Column{{Name: "C", Ordinal: 1}}}}))
	bumped("ReplaceViewLineage", w.ReplaceViewLineage(ctx, chainView(0, db)))
	bumped("ReplaceViewsLineage", w.ReplaceViewsLineage(ctx, []View{chainView(1, db)}, nil))
	_, err := w.ReplaceViewsLineageChanges(ctx, []View{chainView(2, db)}, nil, nil)
	bumped("ReplaceViewsLineageChanges", err)
	bumped("ImportDatasets", w.ImportDatasets(ctx, []ExportDataset{{ID: obj(db, "S", "IMPORTED"), Kind: KindTable,
		Columns: []ExportColumn{{Name: "C", Ordinal: &one}}}}))
	_, err = w.DeleteViewChange(ctx, chainView(2, db).ID, nil)
	bumped("DeleteViewChange", err)
	bumped("DeleteView", w.DeleteView(ctx, chainView(1, db).ID))
	err = w.DeleteView(ctx, chainView(1, db).ID)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
	bumped("DeleteView of a view already gone", err)

	bad := chainView(3, db)
	bad.Status = "maybe"
	if err := w.ReplaceViewLineage(ctx, bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid view: %v, want ErrInvalid", err)
	}
	if g := gen(); g != last {
		t.Errorf("a refused write bumped the generation (%d -> %d)", last, g)
	}
	// What the writer wrote is what the store reads.
	if _, err := store.ViewDetail(ctx, chainView(0, db).ID); err != nil {
		t.Errorf("view written through the writer: %v", err)
	}
}

// A guarded writer refuses writes at once while the breaker is open (Neo4j unreachable),
// and a write that finds Neo4j unreachable opens it.
func TestGuardedWriterFailsFastWhileNeo4jIsDown(t *testing.T) {
	driver := unreachableDriver(t)
	store := NewStore(driver, graphtest.Neo4jDatabase())
	b := NewBreaker(store, driver.VerifyConnectivity, BreakerOptions{RetryInterval: time.Hour})
	w := NewWriter(store, nil).Guarded(b)
	ctx := context.Background()
	v := chainView(0, "WRITER_DOWN")
	if err := w.ReplaceViewLineage(ctx, v); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("write with Neo4j unreachable: %v, want ErrUnavailable", err)
	}
	if open, _, _ := b.Open(); !open {
		t.Fatal("a write that found Neo4j unreachable left the circuit closed")
	}
	// The circuit is open: the next write is refused before it reaches the driver.
	if err := w.DeleteView(ctx, v.ID); !errors.Is(err, ErrUnavailable) {
		t.Errorf("write with the circuit open: %v, want ErrUnavailable", err)
	}
}
