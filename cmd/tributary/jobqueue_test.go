package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/api"
	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// An ingestion runner wired as the worker wires it (through graph.Writer) invalidates the API's
// response cache: a lineage answer cached before an analyze batch is not served after it.
func TestIngestWritesInvalidateTheCache(t *testing.T) {
	ctx := context.Background()
	store := graphtest.Store(t, graph.NewStore)
	rdb := redis.NewClient(&redis.Options{Addr: envOr("TRIBUTARY_REDIS_ADDR", "127.0.0.1:6379"), Password: envOr("TRIBUTARY_REDIS_PASSWORD", "")})
	t.Cleanup(func() { rdb.Close() })
	db := uniqueDB(t)
	cache := graph.NewCache(rdb, time.Minute, graph.CacheOptions{Prefix: "tributary-test:" + db + ":"})
	t.Cleanup(func() {
		if keys, err := rdb.Keys(ctx, "tributary-test:"+db+":*").Result(); err == nil && len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
	})
	runner := ingest.NewRunner(graph.NewWriter(store, cache), nil, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	view := func(sql string) []ingest.ViewWork {
		return []ingest.ViewWork{{View: ingest.ListedView{ID: graph.ObjectID{Database: db, Schema: "S", Name: "V"}, Text: sql}}}
	}
	if err := runner.AnalyzeBatch(ctx, "test", "", view("CREATE VIEW "+db+".S.V AS SELECT a AS x FROM "+db+".S.T")); err != nil {
		t.Fatal(err)
	}
	x := graph.ColumnID{Database: db, Schema: "S", Table: "V", Column: "X"}
	// The upstream of X through the cache, as the API caches its answers.
	upstream := func() (graph.Subgraph, error) {
		var sg graph.Subgraph
		b, err := cache.Bytes(ctx, "test:upstream", []any{x.String()}, func(ctx context.Context) ([]byte, error) {
			sg, err := store.Upstream(ctx, x, 3)
			if err != nil {
				return nil, err
			}
			return json.Marshal(sg)
		})
		if err == nil {
			err = json.Unmarshal(b, &sg)
		}
		return sg, err
	}
	before, err := upstream()
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Edges) != 1 || before.Edges[0].To.Column != "A" {
		t.Fatalf("before: %+v", before.Edges)
	}
	if err := runner.AnalyzeBatch(ctx, "test", "", view("CREATE VIEW "+db+".S.V AS SELECT b AS x FROM "+db+".S.T")); err != nil {
		t.Fatal(err)
	}
	after, err := upstream()
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Edges) != 1 || after.Edges[0].To.Column != "B" {
		t.Errorf("after the batch the cache served %+v, want X <- B", after.Edges)
	}
}

// EnqueueViews makes an ingestion job that real asynq workers (ingest's handlers, writing
// through graph.Writer) finish: the job ends done and the views are in the graph, the second
// one expanded from the first's columns.
func TestEnqueueViewsRunsThroughTheWorkers(t *testing.T) {
	ctx := context.Background()
	store := graphtest.Store(t, graph.NewStore)
	rdb := redis.NewClient(&redis.Options{Addr: envOr("TRIBUTARY_REDIS_ADDR", "127.0.0.1:6379"), Password: envOr("TRIBUTARY_REDIS_PASSWORD", "")})
	t.Cleanup(func() { rdb.Close() })
	db := uniqueDB(t)
	queue := "test-" + strings.ToLower(db)
	cache := graph.NewCache(rdb, time.Minute, graph.CacheOptions{Prefix: "tributary-test:" + db + ":"})
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	q := startViewJobs(t, rdb, graph.NewWriter(store, cache), queue, logger)

	a := graph.ObjectID{Database: db, Schema: "S", Name: "A"}
	b := graph.ObjectID{Database: db, Schema: "S", Name: "B"}
	base := graph.ObjectID{Database: db, Schema: "RAW", Name: "T"}
	res, err := api.NewEngineAnalyzer(store, 10, "", "").Analyze(ctx, api.AnalyzeRequest{
		SQL:     "CREATE VIEW " + a.String() + " AS SELECT x, y FROM " + base.String() + "; CREATE VIEW " + b.String() + " AS SELECT * FROM " + a.String(),
		Catalog: map[string][]string{base.String(): {"X", "Y"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var views []graph.View
	var states []graph.ViewState
	for _, st := range res.Statements {
		views, states = append(views, *st.View), append(states, *st.State)
	}
	id, err := q.EnqueueViews(ctx, views, states)
	if err != nil {
		t.Fatal(err)
	}
	var job api.JobStatus
	deadline := time.Now().Add(60 * time.Second)
	for {
		if job, err = q.Job(ctx, id); err != nil {
			t.Fatal(err)
		}
		if job.Final || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if job.State != ingest.JobDone || job.Total != 2 || job.Done != 2 || job.Failed != 0 {
		t.Fatalf("job = %+v", job)
	}
	sg, err := store.Upstream(ctx, b.Column("Y"), 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(sg.Paths) != 1 || len(sg.Paths[0]) != 3 || sg.Paths[0][2] != base.Column("Y") {
		t.Errorf("B.Y upstream paths = %v, want B.Y -> A.Y -> RAW.T.Y", sg.Paths)
	}
}
