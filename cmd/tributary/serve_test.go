package main

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// readyDeps returns /health/ready's status code and dependency statuses.
func readyDeps(t *testing.T, s *serving) (int, map[string]string) {
	t.Helper()
	code, body := getBody(t, s.base+"/health/ready")
	var ready struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(body, &ready); err != nil {
		t.Fatalf("ready body %s: %v", body, err)
	}
	return code, ready.Dependencies
}

// warnings returns the WARN records of serve's log.
func (s *serving) warnings(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, r := range decodeLog(t, s.logs()) {
		if r.Level == "WARN" {
			out = append(out, r.Msg)
		}
	}
	return out
}

// TestServeCacheOnItsOwnRedis runs serve and `ingest --inline` with TRIBUTARY_CACHE_REDIS_ADDR
// naming a private redis-server: graph writes bump the generation there, lineage answers are
// cached there and not in the job Redis, and health reports both Redis servers.
func TestServeCacheOnItsOwnRedis(t *testing.T) {
	own := startPrivateRedis(t)
	own.setPolicy(t, "allkeys-lru")
	ctx := context.Background()
	genKey := "tributary:graph:generation"

	dir, _ := smallWarehouse(t)
	env := map[string]string{envCacheRedisAddr: own.addr}
	code, stdout, stderr := runCmd(t, testEnv(env), "ingest", "--source", "dir:"+dir, "--inline")
	if code != exitOK {
		t.Fatalf("ingest --inline: exit %d\n%s\n%s", code, stdout, stderr)
	}
	gen1, err := own.rdb.Get(ctx, genKey).Int64()
	if err != nil {
		t.Fatalf("ingest --inline bumped no generation on the cache Redis: %v", err)
	}

	s := startServe(t, map[string]string{envCacheRedisAddr: own.addr, "TRIBUTARY_AUTH": "off", "TRIBUTARY_RATE_LIMIT_ANON": "off"})
	code, deps := readyDeps(t, s)
	if code != 200 || deps["redis"] != "up" || deps["redis-cache"] != "up" || deps["cache"] != "up" || deps["neo4j"] != "up" {
		t.Errorf("ready: %d %v", code, deps)
	}

	// A write through the API bumps the cache Redis's generation; a read is cached there.
	db := uniqueDB(t)
	body := `{"persist":true,"sql":"CREATE VIEW ` + db + `.STG.ORDERS AS SELECT id, amount FROM ` + db + `.RAW.ORDERS"}`
	if code, out := postJSON(t, s.base+"/api/v1/lineage/analyze", body); code != 200 || !strings.Contains(string(out), `"persisted":true`) {
		t.Fatalf("persist: %d %s", code, out)
	}
	gen2, err := own.rdb.Get(ctx, genKey).Int64()
	if err != nil || gen2 <= gen1 {
		t.Fatalf("generation after an API write: %d, %v; want > %d", gen2, err, gen1)
	}
	code, raw := getBody(t, s.base+"/api/v1/lineage/columns?"+url.Values{"column": {db + ".STG.ORDERS.AMOUNT"}, "direction": {"upstream"}}.Encode())
	if code != 200 || !strings.Contains(string(raw), db+".RAW.ORDERS.AMOUNT") {
		t.Fatalf("lineage: %d %s", code, raw)
	}
	entries := "tributary:c:" + strings.TrimSpace(own.rdb.Get(ctx, genKey).Val()) + ":*"
	if keys, err := own.rdb.Keys(ctx, entries).Result(); err != nil || len(keys) == 0 {
		t.Errorf("no cache entry %s on the cache Redis: %v %v", entries, keys, err)
	}
	jobs := redis.NewClient(&redis.Options{Addr: envOrDefault(envRedisAddr), Password: envOr(envRedisPassword, "")})
	t.Cleanup(func() { jobs.Close() })
	if keys, err := jobs.Keys(ctx, entries).Result(); err != nil || len(keys) != 0 {
		t.Errorf("cache entries of the cache Redis's generation on the job Redis: %v %v", keys, err)
	}

	if code := s.stop(t); code != 0 {
		t.Errorf("serve exit %d", code)
	}
	// allkeys-lru on a cache Redis of its own is the recommended setup: nothing to warn of.
	for _, m := range s.warnings(t) {
		if strings.Contains(m, "maxmemory-policy") {
			t.Errorf("warning with allkeys-lru: %s", m)
		}
	}
}

// TestServeWithDeadCacheRedis: a cache Redis of its own that is down degrades redis-cache and
// the cache, never readiness; the job Redis stays up.
func TestServeWithDeadCacheRedis(t *testing.T) {
	const secret = "cache-S3cret-never-logged"
	// Auth off: the details of /health/detailed need a role.
	s := startServe(t, map[string]string{envCacheRedisAddr: freeAddr(t), envCacheRedisPass: secret, "TRIBUTARY_AUTH": "off"})
	code, deps := readyDeps(t, s)
	if code != 200 || deps["neo4j"] != "up" || deps["redis"] != "up" || deps["redis-cache"] != "degraded" || deps["cache"] != "degraded" {
		t.Errorf("ready: %d %v", code, deps)
	}
	code, body := getBody(t, s.base+"/health/detailed")
	var detailed struct {
		Status       string `json:"status"`
		Dependencies []struct {
			Name, Status, Message string
		} `json:"dependencies"`
	}
	if err := json.Unmarshal(body, &detailed); err != nil {
		t.Fatal(err)
	}
	if code != 200 || detailed.Status != "degraded" {
		t.Errorf("detailed: %d %s", code, body)
	}
	for _, d := range detailed.Dependencies {
		if d.Name == "redis-cache" && (!strings.Contains(d.Message, "connection refused") || !strings.Contains(d.Message, "lineage reads bypass the cache")) {
			t.Errorf("redis-cache message %q", d.Message)
		}
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exit %d", code)
	}
	if out := s.stdout.String() + s.stderr.String(); strings.Contains(out, secret) {
		t.Errorf("the cache Redis password appears in serve's output:\n%s", out)
	}
}

// TestServeWarnsOfNoeviction: serve with the cache on the job Redis, here a private
// server with noeviction, logs the warning naming TRIBUTARY_CACHE_REDIS_ADDR; with the cache
// on an instance of its own under noeviction, it suggests allkeys-lru.
func TestServeWarnsOfNoeviction(t *testing.T) {
	own := startPrivateRedis(t)
	own.setPolicy(t, "noeviction")
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"shared", map[string]string{envRedisAddr: own.addr}, "set " + envCacheRedisAddr + " to a Redis of its own"},
		{"own instance", map[string]string{envCacheRedisAddr: own.addr}, "set maxmemory-policy allkeys-lru on it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startServe(t, tc.env)
			if code := s.stop(t); code != 0 {
				t.Errorf("serve exit %d", code)
			}
			var n int
			for _, m := range s.warnings(t) {
				if strings.Contains(m, "noeviction") {
					n++
					if !strings.Contains(m, tc.want) {
						t.Errorf("warning %q lacks %q", m, tc.want)
					}
				}
			}
			if n != 1 {
				t.Errorf("%d noeviction warnings, want 1:\n%s", n, s.logs())
			}
		})
	}
}
