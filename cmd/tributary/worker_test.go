package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/internal/logtest"
)

// TestWorkerCacheOnItsOwnRedis: with TRIBUTARY_CACHE_REDIS_ADDR naming a private redis-server
// under noeviction, the worker warns at start (suggesting allkeys-lru), takes its tasks from the
// job Redis, and bumps the cache generation on the cache Redis after its writes.
func TestWorkerCacheOnItsOwnRedis(t *testing.T) {
	own := startPrivateRedis(t)
	own.setPolicy(t, "noeviction")
	dir, _ := smallWarehouse(t)
	queue := uniqueName(t, "tributary-cmd-test-")
	jobs := redis.NewClient(&redis.Options{Addr: envOrDefault(envRedisAddr), Password: envOr(envRedisPassword, "")})
	t.Cleanup(func() {
		asynq.NewInspectorFromRedisClient(jobs).DeleteQueue(queue, true)
		jobs.Close()
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := testEnv(map[string]string{envShutdownTimeout: "5s", envRefreshCron: "", envCacheRedisAddr: own.addr})
	w := startWorker(t, env, queue)

	code, stdout, stderr := runCmd(t, env, "ingest", "--source", "dir:"+dir, "--queue", queue, "--wait", "--timeout", "2m")
	if code != exitOK || !countsLine.MatchString(stdout) {
		t.Fatalf("ingest --wait: exit %d\n%s\n%s\nworker: %s", code, stdout, stderr, w.logs())
	}
	if _, err := own.rdb.Get(ctx, "tributary:graph:generation").Int64(); err != nil {
		t.Errorf("the worker's writes bumped no generation on the cache Redis: %v", err)
	}
	w.stop(t)
	var warned int
	for _, r := range decodeLog(t, w.out.String()) {
		if r.Level == "WARN" && strings.Contains(r.Msg, "noeviction") {
			warned++
			if !strings.Contains(r.Msg, "allkeys-lru") || r.Addr != own.addr || r.Shared == nil || *r.Shared {
				t.Errorf("warning %+v", r)
			}
		}
	}
	if warned != 1 {
		t.Errorf("%d noeviction warnings, want 1:\n%s", warned, w.out.String())
	}
}

// workerProc is a `tributary worker` running inside the test process.
type workerProc struct {
	out, err logtest.Buffer
	cancel   context.CancelFunc
	exited   chan int
}

// startWorker runs `tributary worker --queue queue` until stop (or the end of the test).
func startWorker(t *testing.T, env func(string) string, queue string) *workerProc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &workerProc{cancel: cancel, exited: make(chan int, 1)}
	go func() { w.exited <- run(ctx, []string{"worker", "--queue", queue}, env, &w.out, &w.err) }()
	t.Cleanup(cancel)
	return w
}

// logs is what the worker wrote: its JSON log (stdout), then anything on stderr.
func (w *workerProc) logs() string { return w.out.String() + w.err.String() }

// stop cancels the worker and fails the test unless it exits cleanly within 30 s.
func (w *workerProc) stop(t *testing.T) {
	t.Helper()
	w.cancel()
	select {
	case c := <-w.exited:
		if c != exitOK {
			t.Errorf("worker exit %d: %s", c, w.logs())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("worker did not stop")
	}
}

// TestWorkerReadinessCoversNeo4j: the worker's /health/ready answers 200 when its job Redis and
// Neo4j answer, and 503 naming neo4j when Neo4j does not (a closed port), while /health/live
// stays 200: without Neo4j every refresh and analyze task would fail.
func TestWorkerReadinessCoversNeo4j(t *testing.T) {
	for _, tc := range []struct {
		name     string
		neo4jURI string // "" keeps the test environment's
		want     int
	}{
		{"neo4j up", "", http.StatusOK},
		{"neo4j down", "bolt://" + freeAddr(t), http.StatusServiceUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			metrics := freeAddr(t)
			overrides := map[string]string{envShutdownTimeout: "5s", envRefreshCron: "", envMetricsAddr: metrics}
			if tc.neo4jURI != "" {
				overrides[envNeo4jURI] = tc.neo4jURI
			}
			w := startWorker(t, testEnv(overrides), uniqueName(t, "tributary-cmd-test-"))
			get := func(path string) (int, string) {
				t.Helper()
				deadline := time.Now().Add(30 * time.Second)
				for {
					resp, err := http.Get("http://" + metrics + path)
					if err == nil {
						body, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						return resp.StatusCode, string(body)
					}
					if time.Now().After(deadline) {
						t.Fatalf("GET %s: %v; worker: %s", path, err, w.logs())
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
			if code, body := get("/health/live"); code != http.StatusOK {
				t.Errorf("/health/live: %d %s", code, body)
			}
			code, body := get("/health/ready")
			if code != tc.want {
				t.Errorf("/health/ready: %d %s, want %d", code, body, tc.want)
			}
			if tc.want != http.StatusOK && !strings.Contains(body, "neo4j") {
				t.Errorf("/health/ready body %s does not name neo4j", body)
			}
			w.stop(t)
		})
	}
}
