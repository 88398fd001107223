package ingest_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// The demo warehouse from files: every view lands (the broken one as failed, with its
// position), lineage crosses views down to raw columns, and a second refresh writes nothing.
func TestDirRefreshDemoWarehouse(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	dir, analytics, raw := demoWarehouse(t)
	dropAfter(t, store, analytics, raw)
	g := newCounting(store)
	jobs := ingest.NewJobStore(newRedis(t), unique(t, "tributary:test:job:"), 0)
	runner := ingest.NewRunner(g, jobs, nil)
	runner.Concurrency = 2
	src, err := ingest.NewDirSource(dir, ingest.DirOptions{})
	if err != nil {
		t.Fatal(err)
	}

	plan, err := runner.RunInline(ctx, src, false, "job1")
	if err != nil {
		t.Fatalf("first refresh: %v", err)
	}
	if len(plan.Analyze) != 74 || len(plan.Drop) != 0 || plan.Unchanged != 0 {
		t.Errorf("first plan: %d to analyse, %d dropped, %d unchanged; want 74, 0, 0", len(plan.Analyze), len(plan.Drop), plan.Unchanged)
	}
	if len(plan.Tables) != 19 {
		t.Errorf("first plan writes %d base tables, want 19", len(plan.Tables))
	}
	replaced, _ := g.take()
	if len(replaced) != 74 {
		t.Errorf("first refresh wrote %d views, want 74", len(replaced))
	}
	job, err := jobs.Get(ctx, "job1")
	if err != nil {
		t.Fatal(err)
	}
	if job.State != ingest.JobDone || job.Done != 73 || job.Failed != 1 || job.Total != 74 {
		t.Errorf("job = %+v, want done with 73 done, 1 failed of 74", job)
	}

	counts, err := store.SourceCounts(ctx, src.Name())
	if err != nil {
		t.Fatal(err)
	}
	if counts.Views != 74 || counts.Failed != 1 || counts.Hidden != 0 || counts.Columns < 500 || counts.Edges < counts.Columns {
		t.Errorf("counts = %+v", counts)
	}
	t.Logf("demo warehouse: %+v", counts)

	broken, err := store.ViewDetail(ctx, graph.ObjectID{Database: analytics, Schema: "REPORTING", Name: "BROKEN_VIEW"})
	if err != nil {
		t.Fatal(err)
	}
	if broken.Status != graph.StatusFailed || !strings.Contains(broken.Message, "reporting/broken_view.sql:7:31:") {
		t.Errorf("broken view: status %q, message %q; want failed at reporting/broken_view.sql:7:31", broken.Status, broken.Message)
	}

	// LIFETIME_VALUE goes back through 7 views to RAW.SHOP.ORDERS.AMOUNT.
	ltv := graph.ColumnID{Database: analytics, Schema: "MARTS", Table: "CUSTOMER_LTV", Column: "LIFETIME_VALUE"}
	up, err := store.Upstream(ctx, ltv, 12)
	if err != nil {
		t.Fatal(err)
	}
	want := graph.ColumnID{Database: raw, Schema: "SHOP", Table: "ORDERS", Column: "AMOUNT"}
	if !slices.ContainsFunc(up.Nodes, func(n graph.Node) bool { return n.ID == want }) {
		t.Errorf("upstream of %s lacks %s (%d nodes)", ltv, want, len(up.Nodes))
	}
	// A star over a view expands to the view's columns and links to them.
	items, err := store.ViewDetail(ctx, graph.ObjectID{Database: analytics, Schema: "MARTS", Name: "FCT_ORDER_ITEMS"})
	if err != nil {
		t.Fatal(err)
	}
	if items.Status != graph.StatusOK || len(items.Columns) < 5 {
		t.Errorf("FCT_ORDER_ITEMS: status %q, %d columns (message %q)", items.Status, len(items.Columns), items.Message)
	}
	viewSources := 0
	for _, c := range items.Columns {
		for _, s := range c.Sources {
			if s.Column.Database == analytics {
				viewSources++
			}
		}
	}
	if viewSources == 0 {
		t.Errorf("FCT_ORDER_ITEMS has no source in another view")
	}

	before, err := graphtest.Dump(ctx, graphtest.Driver(t), []string{analytics, raw})
	if err != nil {
		t.Fatal(err)
	}
	plan, err = runner.RunInline(ctx, src, false, "job2")
	if err != nil {
		t.Fatalf("second refresh: %v", err)
	}
	if len(plan.Analyze) != 0 || len(plan.Tables) != 0 || len(plan.Drop) != 0 || plan.Unchanged != 74 {
		t.Errorf("second plan: %d to analyse, %d tables, %d dropped, %d unchanged; want 0, 0, 0, 74",
			len(plan.Analyze), len(plan.Tables), len(plan.Drop), plan.Unchanged)
	}
	if replaced, other := g.take(); len(replaced) != 0 || other != 0 {
		t.Errorf("second refresh wrote %d views and made %d other writes, want none", len(replaced), other)
	}
	after, err := graphtest.Dump(ctx, graphtest.Driver(t), []string{analytics, raw})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(before, after); d != "" {
		t.Errorf("graph changed by a refresh with nothing to do (-before +after):\n%s", d)
	}
	if job, _ := jobs.Get(ctx, "job2"); job.State != ingest.JobDone || job.Total != 0 || job.Unchanged != 74 {
		t.Errorf("second job = %+v", job)
	}
}
