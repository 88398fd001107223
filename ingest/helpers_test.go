package ingest_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/internal/graphtest"
	"github.com/tributary-lineage/tributary/internal/redistest"
	"github.com/tributary-lineage/tributary/internal/warehousetest"
)

// newStore connects to the Neo4j of `make up` through graphtest and applies the migrations;
// it fails the test when the server is missing.
func newStore(tb testing.TB) *graph.Store {
	tb.Helper()
	return graphtest.Store(tb, graph.NewStore)
}

// newRedis connects to the Redis of `make up`; it fails the test when the server is missing.
func newRedis(tb testing.TB) *redis.Client {
	return redistest.Shared(tb)
}

// unique returns a random name with prefix, for databases, queues and key prefixes.
func unique(tb testing.TB, prefix string) string {
	b := make([]byte, 5)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return prefix + strings.ToUpper(hex.EncodeToString(b))
}

// counting wraps a store and counts its writes.
type counting struct {
	*graph.Store
	mu       sync.Mutex
	replaced map[graph.ObjectID]int
	deleted  []graph.ObjectID
	tables   int
	states   int
}

func newCounting(s *graph.Store) *counting {
	return &counting{Store: s, replaced: map[graph.ObjectID]int{}}
}

func (c *counting) ReplaceViewsLineage(ctx context.Context, views []graph.View, states []graph.ViewState) error {
	c.mu.Lock()
	for _, v := range views {
		c.replaced[v.ID]++
	}
	c.states += len(states)
	c.mu.Unlock()
	return c.Store.ReplaceViewsLineage(ctx, views, states)
}

func (c *counting) DeleteView(ctx context.Context, id graph.ObjectID) error {
	c.mu.Lock()
	c.deleted = append(c.deleted, id)
	c.mu.Unlock()
	return c.Store.DeleteView(ctx, id)
}

func (c *counting) UpsertTables(ctx context.Context, t []graph.Table) error {
	c.mu.Lock()
	c.tables += len(t)
	c.mu.Unlock()
	return c.Store.UpsertTables(ctx, t)
}

// take returns the views written (and how often) and the number of other writes since the
// last take.
func (c *counting) take() (replaced map[graph.ObjectID]int, other int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	replaced, other = c.replaced, len(c.deleted)+c.tables+c.states
	c.replaced, c.deleted, c.tables, c.states = map[graph.ObjectID]int{}, nil, 0, 0
	return replaced, other
}

// demoWarehouse copies examples/warehouse into a temporary folder with its databases renamed
// (ANALYTICS and RAW get unique names), so tests do not share graph nodes.
func demoWarehouse(t *testing.T) (dir, analytics, raw string) {
	t.Helper()
	analytics, raw = unique(t, "TI_A_"), unique(t, "TI_R_")
	return warehousetest.Copy(t, analytics, raw), analytics, raw
}

// dropAfter removes the test's databases from the shared server when the test ends; a failed
// deletion fails the test.
func dropAfter(t *testing.T, s *graph.Store, databases ...string) {
	t.Helper()
	graphtest.Cleanup(t, s, databases...)
}
