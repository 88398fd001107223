package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/internal/redistest"
)

// privateRedis is a redis-server of the test's own on a free port, so that a test may change
// its configuration (CONFIG SET), which it must never do on the shared 127.0.0.1:6379.
type privateRedis struct {
	addr string
	rdb  *redis.Client
}

// startPrivateRedis starts a redis-server of the test's own (redistest.Start) and connects to it.
func startPrivateRedis(t *testing.T) *privateRedis {
	t.Helper()
	s := redistest.Start(t)
	return &privateRedis{addr: s.Addr, rdb: s.Client(t)}
}

// setPolicy sets the private server's maxmemory-policy.
func (r *privateRedis) setPolicy(t *testing.T, policy string) {
	t.Helper()
	if err := r.rdb.ConfigSet(context.Background(), "maxmemory-policy", policy).Err(); err != nil {
		t.Fatalf("CONFIG SET maxmemory-policy %s: %v", policy, err)
	}
}

// logRecord is one JSON log line.
type logRecord struct {
	Level  string `json:"level"`
	Msg    string `json:"msg"`
	Policy string `json:"maxmemory_policy"`
	Shared *bool  `json:"shared_with_jobs"`
	Addr   string `json:"addr"`
}

func decodeLog(t *testing.T, out string) []logRecord {
	t.Helper()
	var recs []logRecord
	for line := range strings.Lines(out) {
		var r logRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		recs = append(recs, r)
	}
	return recs
}

// TestCheckCachePolicy asks a real Redis under each policy, as the cache's own instance and as
// one shared with the job queue, and checks which combinations warn and what the warning says.
func TestCheckCachePolicy(t *testing.T) {
	r := startPrivateRedis(t)
	tests := []struct {
		policy string
		shared bool
		warn   []string // substrings of the warning; nil: no warning (one info record)
	}{
		{"noeviction", true, []string{"shares the job Redis", "noeviction", "refuses new cache entries", "cache invalidation", "new jobs", envCacheRedisAddr, "allkeys-lru"}},
		{"noeviction", false, []string{"cache Redis's maxmemory-policy is noeviction", "refuses new cache entries", "allkeys-lru"}},
		{"allkeys-lru", false, nil},
		{"allkeys-lfu", false, nil},
		{"volatile-lru", false, nil},
		// Cache entries carry a TTL and asynq's queues do not: volatile-lru evicts only the cache.
		{"volatile-lru", true, nil},
		{"allkeys-lru", true, []string{"evicts any key", "queued jobs and API keys can be lost", envCacheRedisAddr}},
	}
	for _, tt := range tests {
		t.Run(tt.policy+"/shared="+strconv.FormatBool(tt.shared), func(t *testing.T) {
			r.setPolicy(t, tt.policy)
			var out bytes.Buffer
			logger := slog.New(slog.NewJSONHandler(&out, nil))
			got := checkCachePolicy(context.Background(), r.rdb, r.addr, tt.shared, logger)
			if got != tt.policy {
				t.Errorf("policy = %q, want %q", got, tt.policy)
			}
			recs := decodeLog(t, out.String())
			if len(recs) != 1 {
				t.Fatalf("%d log records, want 1:\n%s", len(recs), out.String())
			}
			rec := recs[0]
			if rec.Policy != tt.policy || rec.Addr != r.addr || rec.Shared == nil || *rec.Shared != tt.shared {
				t.Errorf("record attributes %+v", rec)
			}
			if tt.warn == nil {
				if rec.Level != "INFO" {
					t.Errorf("level %s, want INFO: %s", rec.Level, rec.Msg)
				}
				return
			}
			if rec.Level != "WARN" {
				t.Errorf("level %s, want WARN: %s", rec.Level, rec.Msg)
			}
			for _, w := range tt.warn {
				if !strings.Contains(rec.Msg, w) {
					t.Errorf("warning %q lacks %q", rec.Msg, w)
				}
			}
		})
	}
}

// TestCheckCachePolicyIgnoresErrors: a Redis that refuses CONFIG (as ElastiCache does) or does
// not answer yields no policy and no warning (the check's own context bounds how long it asks).
func TestCheckCachePolicyIgnoresErrors(t *testing.T) {
	r := startPrivateRedis(t)
	// A Redis where CONFIG is not allowed: rename-command needs a restart, an ACL user does not.
	ctx := context.Background()
	if err := r.rdb.Do(ctx, "ACL", "SETUSER", "noconfig", "on", ">pw", "~*", "+@all", "-config").Err(); err != nil {
		t.Fatal(err)
	}
	limited := redis.NewClient(&redis.Options{Addr: r.addr, Username: "noconfig", Password: "pw"})
	t.Cleanup(func() { limited.Close() })
	if err := limited.ConfigGet(ctx, "maxmemory-policy").Err(); err == nil || !strings.Contains(err.Error(), "NOPERM") {
		t.Fatalf("CONFIG GET as noconfig: %v, want a NOPERM error", err)
	}
	dead := newRedisClient(RedisConfig{Addr: freeAddr(t)})
	t.Cleanup(func() { dead.Close() })
	for name, rdb := range map[string]*redis.Client{"CONFIG refused": limited, "down": dead} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			policy := checkCachePolicy(ctx, rdb, rdb.Options().Addr, true, slog.New(slog.NewJSONHandler(&out, nil)))
			recs := decodeLog(t, out.String())
			if policy != "" || len(recs) != 1 || recs[0].Level != "INFO" || recs[0].Policy != "" {
				t.Errorf("policy %q, log:\n%s", policy, out.String())
			}
		})
	}
}

func TestNewRedisClients(t *testing.T) {
	tests := []struct {
		name                string
		env                 map[string]string
		separate, shared    bool
		jobsAddr, cacheAddr string
		cacheDB             int
	}{
		{"no cache settings: one client", nil, false, true, "127.0.0.1:6379", "127.0.0.1:6379", 0},
		{"own instance", map[string]string{envCacheRedisAddr: "127.0.0.1:6380"}, true, false, "127.0.0.1:6379", "127.0.0.1:6380", 0},
		{"same server, other database", map[string]string{envCacheRedisAddr: "127.0.0.1:6379", envCacheRedisDB: "2"}, true, true, "127.0.0.1:6379", "127.0.0.1:6379", 2},
		{"the job Redis spelt out", map[string]string{envCacheRedisAddr: "127.0.0.1:6379"}, false, true, "127.0.0.1:6379", "127.0.0.1:6379", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig(envMap(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			rc := newRedisClients(cfg)
			if rc.separate() != tt.separate || rc.cacheShared != tt.shared {
				t.Errorf("separate %t shared %t, want %t %t", rc.separate(), rc.cacheShared, tt.separate, tt.shared)
			}
			if a := rc.jobs.Options().Addr; a != tt.jobsAddr {
				t.Errorf("jobs addr %s", a)
			}
			if o := rc.cache.Options(); o.Addr != tt.cacheAddr || o.DB != tt.cacheDB || rc.cacheAddr != tt.cacheAddr {
				t.Errorf("cache addr %s db %d (cacheAddr %s)", o.Addr, o.DB, rc.cacheAddr)
			}
			if err := rc.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
			if err := rc.cache.Ping(context.Background()).Err(); err == nil || !strings.Contains(err.Error(), "closed") {
				t.Errorf("cache client still open after Close: %v", err)
			}
		})
	}
}
