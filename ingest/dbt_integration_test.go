package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/internal/graphtest"
	"github.com/tributary-lineage/tributary/internal/warehousetest"
)

// dbtProject copies the manifest.json and catalog.json dbt-core wrote for the jaffle project
// (ingest/dbt/testdata/manifest-v<version>) into a temporary folder with its databases
// analytics and raw renamed to unique ones (in lower case, as dbt writes them), so tests
// sharing one Neo4j do not share nodes. It returns the manifest's path and the two database
// names as the graph has them.
func dbtProject(t *testing.T, version string) (manifest, analytics, raw string) {
	t.Helper()
	analytics, raw = unique(t, "TD_A_"), unique(t, "TD_R_")
	dir := t.TempDir()
	for _, f := range []string{"manifest.json", "catalog.json"} {
		b, err := os.ReadFile(filepath.Join("dbt", "testdata", "manifest-v"+version, f))
		if err != nil {
			t.Fatal(err)
		}
		renamed := warehousetest.Rename(string(b), strings.ToLower(analytics), strings.ToLower(raw))
		if err := os.WriteFile(filepath.Join(dir, f), []byte(renamed), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "manifest.json"), analytics, raw
}

// editManifest replaces old by new in the manifest at path (once, and it must be there).
func editManifest(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(b), old) != 1 {
		t.Fatalf("%q occurs %d times in the manifest", old, strings.Count(string(b), old))
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// removeNode deletes the node with this unique_id from the manifest at path, keeping the rest
// byte for byte (re-encoding would reorder the documented columns).
func removeNode(t *testing.T, path, uniqueID string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	key := `"` + uniqueID + `": `
	start := strings.Index(s, key+"{") // the node; parent_map and child_map hold lists under its id
	if start < 0 || strings.Count(s, key+"{") != 1 {
		t.Fatalf("node %s occurs %d times in the manifest", uniqueID, strings.Count(s, key+"{"))
	}
	dec := json.NewDecoder(strings.NewReader(s[start+len(key):]))
	var node json.RawMessage
	if err := dec.Decode(&node); err != nil {
		t.Fatal(err)
	}
	end := start + len(key) + int(dec.InputOffset())
	if rest := strings.TrimLeft(s[end:], " \n"); strings.HasPrefix(rest, ",") {
		end = len(s) - len(rest) + 1 // the comma after it
	} else {
		start = strings.LastIndex(s[:start], ",") // the comma before it
	}
	var check map[string]any
	if err := json.Unmarshal([]byte(s[:start]+s[end:]), &check); err != nil {
		t.Fatalf("manifest without %s: %v", uniqueID, err)
	}
	if err := os.WriteFile(path, []byte(s[:start]+s[end:]), 0o644); err != nil {
		t.Fatal(err)
	}
}

// dbtWorker is the harness's worker with change events: the runner writes through the store's
// change-reporting writes and stores an event per changed dataset in the outbox of hookQueue.
// Nothing serves hookQueue, so the events stay pending there and can be counted.
func dbtWorker(t *testing.T, h *harness, store *graph.Store, hookQueue string) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: h.addr})
	t.Cleanup(func() { rdb.Close() })
	hooks, err := ingest.NewWebhooks(ingest.WebhookConfig{URLs: []string{"http://127.0.0.1:9/hook"}, Secret: testSecret,
		Queue: hookQueue, Timeout: 2 * time.Second, MaxRetry: 1}, asynq.NewClientFromRedisClient(rdb), store, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { asynq.NewInspectorFromRedisClient(rdb).DeleteQueue(hookQueue, true) })
	runner := ingest.NewRunner(h.g, h.jobs, nil).WithChanges(store, hooks)
	runner.BatchSize = h.batch
	handlers := ingest.NewHandlers(runner, h.jobs, asynq.NewClientFromRedisClient(rdb), asynq.NewInspectorFromRedisClient(rdb), h.open, h.queue, nil)
	mux := asynq.NewServeMux()
	handlers.Register(mux)
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{Concurrency: 2, Queues: map[string]int{h.queue: 1},
		LogLevel: asynq.FatalLevel, TaskCheckInterval: 50 * time.Millisecond})
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
}

// The jaffle project's manifest, as dbt-core 1.6, 1.7 and 1.8 wrote it, ingested through the
// job system with the binary's opener: every model lands as a dataset of its kind with its dbt
// metadata, the ephemeral model leaves no node and is reported as skipped, the incremental
// model is analysed as written (its is_incremental() block reads its own table), lineage
// crosses the dbt tables down to the raw sources, and a second refresh of the unchanged
// manifest writes nothing and makes no change event.
func TestDBTRefreshThroughJobs(t *testing.T) {
	for _, version := range []string{"10", "11", "12"} {
		t.Run("v"+version, func(t *testing.T) { testDBTRefresh(t, version) })
	}
}

func testDBTRefresh(t *testing.T, version string) {
	ctx := context.Background()
	store := newStore(t)
	manifest, analytics, raw := dbtProject(t, version)
	dropAfter(t, store, analytics, raw)
	hookQueue := unique(t, "tributary-dbt-hooks-")
	graphtest.CleanupChangeEvents(t, graphtest.Driver(t), hookQueue)
	g := newCounting(store)
	h := newHarness(t, g, ingest.Opener(func(string) string { return "" }, nil, nil))
	dbtWorker(t, h, store, hookQueue)

	job := h.wait(h.refresh(ingest.RefreshPayload{Source: "dbt:" + manifest}), time.Minute)
	if job.State != ingest.JobDone || job.Total != 7 || job.Done != 7 || job.Failed != 0 || job.Tables != 4 {
		t.Fatalf("first job %+v; want 7 models done, 4 tables", job)
	}
	if job.Source != "dbt:"+manifest {
		t.Errorf("job source %q", job.Source)
	}
	if want := []string{"model.jaffle.int_order_payments: ephemeral: inlined by dbt into the models that read it"}; !slices.Equal(job.Skipped, want) {
		t.Errorf("job skipped %q, want %q", job.Skipped, want)
	}
	g.take()
	events, err := store.ChangeEventCounts(ctx, hookQueue)
	if err != nil {
		t.Fatal(err)
	}
	if events.Pending != 7 {
		t.Errorf("first refresh made %+v change events, want 7", events)
	}

	// Datasets with their kinds, origins and metadata; no trace of the ephemeral model.
	dump, err := graphtest.Dump(ctx, graphtest.Driver(t), []string{analytics, raw})
	if err != nil {
		t.Fatal(err)
	}
	// The incremental model's is_incremental() filter reads its own table.
	self := "input " + analytics + ".MARTS.FCT_DAILY_REVENUE -> " + analytics + ".MARTS.FCT_DAILY_REVENUE.ORDER_DATE {\"subtype\":\"FILTER\"}"
	if !slices.Contains(dump, self) {
		t.Errorf("no filter input of the incremental model on its own table: want %s", self)
	}
	for _, line := range dump { // datasets, columns and edges' ends (a step may name the CTE)
		if head, _, _ := strings.Cut(line, " {"); strings.Contains(strings.ToUpper(head), "INT_ORDER_PAYMENTS") {
			t.Errorf("the ephemeral model left a node: %s", line)
		}
	}
	obj := func(schema, name string) graph.ObjectID {
		return graph.ObjectID{Database: analytics, Schema: schema, Name: name}
	}
	type dataset struct {
		Kind      string
		DefinedBy graph.Origin
		Status    string
		Mat       string
	}
	want := map[graph.ObjectID]dataset{
		obj("STAGING", "STG_ORDERS"):                    {graph.KindView, graph.OriginDBT, graph.StatusOK, "view"},
		obj("MARTS", "FCT_ORDERS"):                      {graph.KindTable, graph.OriginDBT, graph.StatusOK, "table"},
		obj("MARTS", "FCT_DAILY_REVENUE"):               {graph.KindTable, graph.OriginDBT, graph.StatusOK, "incremental"},
		obj("MARTS", "RPT_REGION_REVENUE"):              {graph.KindDynamicTable, graph.OriginDBT, graph.StatusOK, "dynamic_table"},
		obj("REFERENCE", "COUNTRY_CODES"):               {Kind: graph.KindTable},
		{Database: raw, Schema: "SHOP", Name: "ORDERS"}: {Kind: graph.KindTable},
		obj("CORE", "INT_ORDER_PAYMENTS"):               {},
	}
	for id, w := range want {
		d, err := store.DatasetDetail(ctx, id)
		if w == (dataset{}) {
			if err == nil {
				t.Errorf("%s exists: %+v", id, d)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		got := dataset{d.Kind, d.DefinedBy, d.Status, d.Meta.Materialization}
		if got != w {
			t.Errorf("%s: %+v, want %+v", id, got, w)
		}
	}
	fct, err := store.DatasetDetail(ctx, obj("MARTS", "FCT_ORDERS"))
	if err != nil {
		t.Fatal(err)
	}
	if fct.Meta.UniqueID != "model.jaffle.fct_orders" || fct.Meta.Owner != "sales-"+strings.ToLower(analytics) /* renamed with the database */ || fct.Meta.Path != "models/marts/fct_orders.sql" ||
		!slices.Equal(fct.Meta.Tags, []string{"marts"}) || fct.Meta.Description != "One row per order with what was paid for it." {
		t.Errorf("fct_orders meta %+v", fct.Meta)
	}
	rpt, err := store.DatasetDetail(ctx, obj("MARTS", "RPT_REGION_REVENUE"))
	if err != nil {
		t.Fatal(err)
	}
	if rpt.Meta.TargetLag != "1 hour" || rpt.Meta.Warehouse != "reporting_wh" {
		t.Errorf("dynamic table meta %+v", rpt.Meta)
	}

	// The incremental model as written: its filter reads its own table.
	inc, err := store.DatasetDetail(ctx, obj("MARTS", "FCT_DAILY_REVENUE"))
	if err != nil {
		t.Fatal(err)
	}
	selfRead := "select max(order_date) from " + strings.ToLower(analytics) + ".marts.fct_daily_revenue"
	if !strings.Contains(inc.Definition, selfRead) || inc.Message != "" {
		t.Errorf("incremental model: message %q, definition:\n%s", inc.Message, inc.Definition)
	}
	var revenue []string
	for _, c := range inc.Columns {
		if c.Name == "REVENUE" {
			for _, s := range c.Sources {
				revenue = append(revenue, s.Column.String()+" "+string(s.Origin))
			}
		}
	}
	if w := []string{analytics + ".MARTS.FCT_ORDERS.AMOUNT_PAID dbt"}; !slices.Equal(revenue, w) {
		t.Errorf("FCT_DAILY_REVENUE.REVENUE sources %v, want %v", revenue, w)
	}

	// From the dynamic table's column through the dbt tables and views down to the raw source.
	up, err := store.Upstream(ctx, obj("MARTS", "RPT_REGION_REVENUE").Column("REVENUE"), 10)
	if err != nil {
		t.Fatal(err)
	}
	rawAmount := graph.ColumnID{Database: raw, Schema: "SHOP", Table: "PAYMENTS", Column: "AMOUNT_CENTS"}
	if !slices.ContainsFunc(up.Nodes, func(n graph.Node) bool { return n.ID == rawAmount }) {
		t.Errorf("upstream of RPT_REGION_REVENUE.REVENUE lacks %s: %v", rawAmount, up.Nodes)
	}

	// The same manifest again: nothing to do, nothing written, no change event.
	before, err := graphtest.Dump(ctx, graphtest.Driver(t), []string{analytics, raw})
	if err != nil {
		t.Fatal(err)
	}
	job = h.wait(h.refresh(ingest.RefreshPayload{Source: "dbt:" + manifest}), time.Minute)
	if job.State != ingest.JobDone || job.Total != 0 || job.Unchanged != 7 || job.Tables != 0 || job.Deleted != 0 {
		t.Errorf("second job %+v; want nothing to do, 7 unchanged", job)
	}
	if _, other := g.take(); other != 0 { // datasets are written through the store: see the events
		t.Errorf("second refresh made %d writes of tables and states, want none", other)
	}
	after, err := graphtest.Dump(ctx, graphtest.Driver(t), []string{analytics, raw})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(before, after); d != "" {
		t.Errorf("graph changed by a refresh of an unchanged manifest (-before +after):\n%s", d)
	}
	if again, err := store.ChangeEventCounts(ctx, hookQueue); err != nil || again.Pending != 7 {
		t.Errorf("change events after the unchanged refresh: %+v, %v; want still 7", again, err)
	}
}

// A changed model is analysed again with the models that read it; the others are left alone.
// stg_orders gains a column: fct_orders, whose CTE reads it with a star, is analysed again;
// its own columns stay, so its readers (dim_customers, fct_daily_revenue) are not.
func TestDBTChangedModelReanalysesReaders(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	manifest, analytics, raw := dbtProject(t, "12")
	dropAfter(t, store, analytics, raw)
	g := newCounting(store)
	h := newHarness(t, g, ingest.Opener(func(string) string { return "" }, nil, nil))
	h.startWorker(2, time.Second)
	if job := h.wait(h.refresh(ingest.RefreshPayload{Source: "dbt:" + manifest}), time.Minute); job.State != ingest.JobDone || job.Done != 7 {
		t.Fatalf("first job %+v", job)
	}
	g.take()

	// stg_orders gains a column (the manifest holds the compiled code JSON-escaped).
	from := `lower(status) as status\nfrom ` + strings.ToLower(raw) + `.shop.orders`
	editManifest(t, manifest, from, `lower(status) as status,\n    ordered_at as ordered_ts\nfrom `+strings.ToLower(raw)+`.shop.orders`)

	job := h.wait(h.refresh(ingest.RefreshPayload{Source: "dbt:" + manifest}), time.Minute)
	replaced, _ := g.take()
	var got []string
	for id := range replaced {
		got = append(got, id.Schema+"."+id.Name)
	}
	slices.Sort(got)
	if w := []string{"MARTS.FCT_ORDERS", "STAGING.STG_ORDERS"}; !slices.Equal(got, w) || job.Total != 2 || job.Unchanged != 5 {
		t.Errorf("refresh after stg_orders changed wrote %v (job %+v); want %v", got, job, w)
	}
	stgOrders, err := store.DatasetDetail(ctx, graph.ObjectID{Database: analytics, Schema: "STAGING", Name: "STG_ORDERS"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(stgOrders.Columns); n == 0 || stgOrders.Columns[n-1].Name != "ORDERED_TS" {
		t.Errorf("STG_ORDERS columns %+v", stgOrders.Columns)
	}

	// A model removed from the manifest is removed from the graph; nothing else is written.
	removeNode(t, manifest, "model.jaffle.fct_daily_revenue")
	job = h.wait(h.refresh(ingest.RefreshPayload{Source: "dbt:" + manifest}), time.Minute)
	replaced, _ = g.take()
	if job.State != ingest.JobDone || job.Deleted != 1 || job.Total != 0 || len(replaced) != 0 {
		t.Errorf("refresh without fct_daily_revenue: job %+v, wrote %v; want 1 deleted, nothing written", job, replaced)
	}
	if _, err := store.DatasetDetail(ctx, graph.ObjectID{Database: analytics, Schema: "MARTS", Name: "FCT_DAILY_REVENUE"}); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("removed model: %v, want not found", err)
	}
}
