package api

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/graph"
)

// These tests talk to the Neo4j and Redis that `make up` starts. They fail,
// never skip, when those servers are not there.

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// deadAddr is a loopback port nothing listens on (port 1, tcpmux, is not served here).
const deadAddr = "127.0.0.1:1"

func neo4jStore(t testing.TB, uri string) (*graph.Store, neo4j.DriverWithContext) {
	t.Helper()
	driver, err := neo4j.NewDriverWithContext(uri,
		neo4j.BasicAuth(envOr("TRIBUTARY_NEO4J_USER", "neo4j"), envOr("TRIBUTARY_NEO4J_PASSWORD", "tributary-local"), ""),
		func(c *neo4j.Config) {
			c.SocketConnectTimeout = 2 * time.Second
			c.ConnectionAcquisitionTimeout = 3 * time.Second
		})
	if err != nil {
		t.Fatalf("neo4j driver for %s: %v", uri, err)
	}
	t.Cleanup(func() {
		if err := driver.Close(context.Background()); err != nil {
			t.Errorf("close driver: %v", err)
		}
	})
	return graph.NewStore(driver, envOr("TRIBUTARY_NEO4J_DATABASE", "neo4j")), driver
}

func redisClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr:        addr,
		Password:    os.Getenv("TRIBUTARY_REDIS_PASSWORD"),
		DialTimeout: 2 * time.Second,
	})
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("close redis client: %v", err)
		}
	})
	return c
}

// realDeps returns checkers for the real servers and fails the test when
// either does not answer or the graph has not been migrated.
func realDeps(t testing.TB) (neo4jChecker *Neo4jChecker, store *graph.Store, rdb *redis.Client) {
	t.Helper()
	neo4jURI := envOr("TRIBUTARY_NEO4J_URI", "bolt://127.0.0.1:7687")
	redisAddr := envOr("TRIBUTARY_REDIS_ADDR", "127.0.0.1:6379")
	store, driver := neo4jStore(t, neo4jURI)
	rdb = redisClient(t, redisAddr)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := store.ServerInfo(ctx); err != nil {
		t.Fatalf("Neo4j at %s does not answer (run `make up`): %v", neo4jURI, err)
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("Redis at %s does not answer (run `make up`): %v", redisAddr, err)
	}
	// Migrate is idempotent and safe from parallel processes; it makes the
	// migration level known for the detailed check.
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return NewNeo4jChecker(store, driver), store, rdb
}

func deadNeo4jChecker(t testing.TB) *Neo4jChecker {
	t.Helper()
	store, driver := neo4jStore(t, "bolt://"+deadAddr)
	return NewNeo4jChecker(store, driver)
}

func TestReadyWithRealNeo4jAndRedis(t *testing.T) {
	n4j, _, rdb := realDeps(t)
	ts := startServer(t, Config{}, Deps{Checkers: []Checker{n4j, NewRedisChecker(rdb)}}, nil)
	r := get(t, ts.url+"/health/ready")
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
	}
	var body struct {
		Status       string            `json:"status"`
		Dependencies map[string]Status `json:"dependencies"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]Status{"neo4j": StatusUp, "redis": StatusUp}
	if body.Status != "ready" || len(body.Dependencies) != 2 || body.Dependencies["neo4j"] != want["neo4j"] || body.Dependencies["redis"] != want["redis"] {
		t.Errorf("body = %s", r.body)
	}
}

func TestReadyNamesDeadNeo4j(t *testing.T) {
	_, _, rdb := realDeps(t)
	ts := startServer(t, Config{HealthTimeout: 3 * time.Second}, Deps{Checkers: []Checker{deadNeo4jChecker(t), NewRedisChecker(rdb)}}, nil)
	r := get(t, ts.url+"/health/ready")
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503; body %s", r.status, r.body)
	}
	p := problemBody(t, r)
	detail, _ := p["detail"].(string)
	if !strings.HasPrefix(detail, "neo4j: ") || !strings.Contains(detail, "connection refused") {
		t.Errorf("detail = %q, want it to name neo4j and say connection refused", detail)
	}
	if strings.Contains(detail, "redis") {
		t.Errorf("detail names redis, which is up: %q", detail)
	}
	failed, _ := p["failed"].([]any)
	if len(failed) != 1 || failed[0].(map[string]any)["name"] != "neo4j" {
		t.Errorf("failed = %v", p["failed"])
	}
}

func TestReadyNamesDeadRedis(t *testing.T) {
	n4j, _, _ := realDeps(t)
	dead := redisClient(t, deadAddr)
	ts := startServer(t, Config{HealthTimeout: 3 * time.Second}, Deps{Checkers: []Checker{n4j, NewRedisChecker(dead)}}, nil)
	r := get(t, ts.url+"/health/ready")
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503; body %s", r.status, r.body)
	}
	p := problemBody(t, r)
	detail, _ := p["detail"].(string)
	if !strings.HasPrefix(detail, "redis: ") || !strings.Contains(detail, "connection refused") || strings.Contains(detail, "neo4j") {
		t.Errorf("detail = %q, want only redis named, with connection refused", detail)
	}
}

var versionPattern = regexp.MustCompile(`^\d+\.\d+(\.\d+)?`)

func TestDetailedListsBothDependencies(t *testing.T) {
	n4j, store, rdb := realDeps(t)
	build := BuildInfo{Version: "v9.9.9-test", Commit: "abc123", GoVersion: "go1.26"}
	ts := startServer(t, Config{Build: build}, Deps{Checkers: []Checker{n4j, NewRedisChecker(rdb)}}, nil)

	ctx := context.Background()
	level, err := store.MigrationLevel(ctx)
	if err != nil || level < 1 {
		t.Fatalf("migration level = %d, %v; want >= 1 after Migrate", level, err)
	}

	r := get(t, ts.url+"/health/detailed")
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
	}
	var dh DetailedHealth
	if err := json.Unmarshal(r.body, &dh); err != nil {
		t.Fatal(err)
	}
	if dh.Status != StatusUp || dh.Build != build || dh.CheckedAt.IsZero() || dh.StartedAt.After(dh.CheckedAt) {
		t.Errorf("top level = %+v", dh)
	}
	if len(dh.Dependencies) != 2 {
		t.Fatalf("dependencies = %+v, want neo4j and redis", dh.Dependencies)
	}
	n, rd := dh.Dependencies[0], dh.Dependencies[1]
	if n.Name != "neo4j" || n.Status != StatusUp || !versionPattern.MatchString(n.Version) || n.LatencyMS <= 0 || n.Error != "" {
		t.Errorf("neo4j = %+v", n)
	}
	if n.Info["edition"] != "community" && n.Info["edition"] != "enterprise" {
		t.Errorf("neo4j edition = %v", n.Info["edition"])
	}
	if n.Info["migration_level"] != float64(level) {
		t.Errorf("neo4j migration_level = %v, want %d", n.Info["migration_level"], level)
	}
	// The version reported is the server's own.
	info, err := store.ServerInfo(ctx)
	if err != nil || n.Version != info.Version {
		t.Errorf("neo4j version = %q, server says %q (%v)", n.Version, info.Version, err)
	}
	if rd.Name != "redis" || rd.Status != StatusUp || !versionPattern.MatchString(rd.Version) || rd.LatencyMS <= 0 || rd.Error != "" {
		t.Errorf("redis = %+v", rd)
	}
	fields := parseRedisInfo(rdb.Info(ctx, "server").Val())
	if rd.Version != fields["redis_version"] {
		t.Errorf("redis version = %q, server says %q", rd.Version, fields["redis_version"])
	}
}

func TestDetailedWithDeadNeo4jIs503AndStillListsBoth(t *testing.T) {
	_, _, rdb := realDeps(t)
	ts := startServer(t, Config{HealthTimeout: 3 * time.Second}, Deps{Checkers: []Checker{deadNeo4jChecker(t), NewRedisChecker(rdb)}}, nil)
	r := get(t, ts.url+"/health/detailed")
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503; body %s", r.status, r.body)
	}
	var dh DetailedHealth
	if err := json.Unmarshal(r.body, &dh); err != nil {
		t.Fatal(err)
	}
	if dh.Status != StatusDown || len(dh.Dependencies) != 2 {
		t.Fatalf("body = %s", r.body)
	}
	if n := dh.Dependencies[0]; n.Name != "neo4j" || n.Status != StatusDown || !strings.Contains(n.Error, "connection refused") {
		t.Errorf("neo4j = %+v", n)
	}
	if rd := dh.Dependencies[1]; rd.Name != "redis" || rd.Status != StatusUp || rd.Version == "" {
		t.Errorf("redis = %+v", rd)
	}
}
