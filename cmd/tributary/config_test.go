package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// envMap is a getenv over a fixed map; unset names are "".
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := loadConfig(envMap(nil))
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	want := Config{
		Neo4j: Neo4jConfig{URI: "bolt://127.0.0.1:7687", User: "neo4j", Password: "tributary-local", Database: "neo4j"},
		Redis: RedisConfig{Addr: "127.0.0.1:6379"},
		HTTP: HTTPConfig{
			Addr: "127.0.0.1:8080", ReadTimeout: 15 * time.Second, WriteTimeout: 30 * time.Second,
			IdleTimeout: time.Minute, RequestTimeout: 25 * time.Second, HealthTimeout: 2 * time.Second,
			BodyLimit: 4 << 20, ExpensiveConcurrency: 4,
		},
		LogLevel:             slog.LevelInfo,
		ShutdownTimeout:      20 * time.Second,
		MaxDepth:             20,
		AnalyzeMaxStatements: 1000,
		CacheTTL:             10 * time.Minute,
		Auth:                 defaultAuthConfig(),

		QueryLineageRetention: 30 * 24 * time.Hour,
	}
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

func TestLoadConfigOverrides(t *testing.T) {
	cfg, err := loadConfig(envMap(map[string]string{
		envNeo4jURI:        "neo4j+s://graph.example.com:7688",
		envNeo4jUser:       "lineage",
		envNeo4jPassword:   "  spaced pass  ",
		envNeo4jDatabase:   "lineage-prod",
		envRedisAddr:       "[::1]:6380",
		envRedisPassword:   "redispw",
		envRedisDB:         "3",
		envCacheRedisAddr:  "cache.example.com:6380",
		envCacheRedisPass:  " cachepw ",
		envCacheRedisDB:    "1",
		envHTTPAddr:        ":9090",
		envReadTimeout:     "5s",
		envWriteTimeout:    "1m",
		envRequestTimeout:  "45s",
		envHealthTimeout:   "500ms",
		envBodyLimit:       "512KiB",
		envLogLevel:        "DEBUG",
		envShutdownTimeout: "3s",
		envMaxDepth:        "50",
		envQueryRetention:  "36h",
	}))
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"uri", cfg.Neo4j.URI, "neo4j+s://graph.example.com:7688"},
		{"user", cfg.Neo4j.User, "lineage"},
		{"password kept verbatim", cfg.Neo4j.Password.Reveal(), "  spaced pass  "},
		{"database", cfg.Neo4j.Database, "lineage-prod"},
		{"redis addr", cfg.Redis.Addr, "[::1]:6380"},
		{"redis password", cfg.Redis.Password.Reveal(), "redispw"},
		{"redis db", cfg.Redis.DB, 3},
		{"cache redis addr", cfg.CacheRedis.Addr, "cache.example.com:6380"},
		{"cache redis password kept verbatim", cfg.CacheRedis.Password.Reveal(), " cachepw "},
		{"cache redis db", cfg.CacheRedis.DB, 1},
		{"http addr", cfg.HTTP.Addr, ":9090"},
		{"read timeout", cfg.HTTP.ReadTimeout, 5 * time.Second},
		{"write timeout", cfg.HTTP.WriteTimeout, time.Minute},
		{"request timeout", cfg.HTTP.RequestTimeout, 45 * time.Second},
		{"health timeout", cfg.HTTP.HealthTimeout, 500 * time.Millisecond},
		{"body limit", cfg.HTTP.BodyLimit, int64(512 << 10)},
		{"log level", cfg.LogLevel, slog.LevelDebug},
		{"shutdown timeout", cfg.ShutdownTimeout, 3 * time.Second},
		{"max depth", cfg.MaxDepth, 50},
		{"query lineage retention", cfg.QueryLineageRetention, 36 * time.Hour},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestLoadConfigListsEveryProblem(t *testing.T) {
	_, err := loadConfig(envMap(map[string]string{
		envNeo4jURI:             "http://127.0.0.1:7474",
		envNeo4jDatabase:        "9lives",
		envRedisAddr:            "localhost",
		envRedisDB:              "x",
		envCacheRedisAddr:       "cache:redis",
		envCacheRedisDB:         "-1",
		envHTTPAddr:             "127.0.0.1:http-alt",
		envReadTimeout:          "-1s",
		envLogLevel:             "verbose",
		envMaxDepth:             "1000",
		envAnalyzeMaxStatements: "0",
		envExpensiveConcurrency: "many",
		envBodyLimit:            "0",
		envHealthTimeout:        "30s",
		envRequestTimeout:       "20s",
		envDefaultDatabase:      "A.B",
		envDefaultSchema:        `"unterminated`,
		envQueryRetention:       "30 days",
	}))
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want *ConfigError", err)
	}
	want := []string{
		"TRIBUTARY_NEO4J_URI: scheme must be bolt, bolt+s, bolt+ssc, neo4j, neo4j+s, neo4j+ssc",
		`TRIBUTARY_NEO4J_DATABASE: "9lives" is not a Neo4j database name (3-63 characters: letters, digits, dots, dashes; starting with a letter)`,
		`TRIBUTARY_REDIS_ADDR: "localhost" is not host:port`,
		`TRIBUTARY_CACHE_REDIS_ADDR: "cache:redis": port must be 0-65535`,
		`TRIBUTARY_HTTP_ADDR: "127.0.0.1:http-alt": port must be 0-65535`,
		`TRIBUTARY_REDIS_DB: "x" is not a non-negative integer`,
		`TRIBUTARY_CACHE_REDIS_DB: "-1" is not a non-negative integer`,
		`TRIBUTARY_MAX_DEPTH: "1000" is not an integer from 1 to 100`,
		`TRIBUTARY_ANALYZE_MAX_STATEMENTS: "0" is not an integer from 1 to 100000`,
		`TRIBUTARY_EXPENSIVE_CONCURRENCY: "many" is not an integer from 1 to 1024`,
		`TRIBUTARY_DEFAULT_DATABASE: "A.B" is not one identifier (a name, or a "quoted" name)`,
		`TRIBUTARY_DEFAULT_SCHEMA: "\"unterminated" is not one identifier (a name, or a "quoted" name)`,
		`TRIBUTARY_LOG_LEVEL: "verbose" is not one of debug, info, warn, error`,
		`TRIBUTARY_BODY_LIMIT: "0" is not a positive size (e.g. 1048576, 512KiB, 4MiB)`,
		`TRIBUTARY_READ_TIMEOUT: "-1s" is not a positive duration (e.g. 500ms, 30s, 2m)`,
		`TRIBUTARY_QUERY_LINEAGE_RETENTION: "30 days" is not a positive number of days or duration (e.g. 30d, 720h)`,
	}
	var got []string
	for _, p := range ce.Problems {
		got = append(got, p.Error())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(err.Error(), "invalid configuration (16 problems):\n  TRIBUTARY_NEO4J_URI: ") {
		t.Errorf("message = %q", err.Error())
	}
}

func TestLoadConfigCrossChecks(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"request timeout beyond write timeout",
			map[string]string{envRequestTimeout: "31s"},
			"TRIBUTARY_REQUEST_TIMEOUT: 31s exceeds TRIBUTARY_WRITE_TIMEOUT=30s; a request would lose its connection before its deadline"},
		{"health timeout not below request timeout",
			map[string]string{envHealthTimeout: "25s"},
			"TRIBUTARY_HEALTH_TIMEOUT: 25s must be shorter than TRIBUTARY_REQUEST_TIMEOUT=25s"},
		{"neo4j uri without host",
			map[string]string{envNeo4jURI: "bolt://"},
			"TRIBUTARY_NEO4J_URI: host is missing"},
		{"neo4j uri with a path",
			map[string]string{envNeo4jURI: "neo4j://db.example.com/lineage"},
			"TRIBUTARY_NEO4J_URI: must not have a path (the database is TRIBUTARY_NEO4J_DATABASE)"},
		{"neo4j uri with a bad port",
			map[string]string{envNeo4jURI: "bolt://localhost:0"},
			`TRIBUTARY_NEO4J_URI: port "0" is not 1-65535`},
		{"cache redis password without an address",
			map[string]string{envCacheRedisPass: "pw"},
			"TRIBUTARY_CACHE_REDIS_PASSWORD: set without TRIBUTARY_CACHE_REDIS_ADDR (the cache then shares TRIBUTARY_REDIS_ADDR and its password)"},
		{"cache redis database without an address",
			map[string]string{envCacheRedisDB: "4"},
			"TRIBUTARY_CACHE_REDIS_DB: set without TRIBUTARY_CACHE_REDIS_ADDR (the cache then shares TRIBUTARY_REDIS_ADDR and its database)"},
		{"cache redis address not host:port",
			map[string]string{envCacheRedisAddr: "redis://cache:6379"},
			`TRIBUTARY_CACHE_REDIS_ADDR: "redis://cache:6379" is not host:port`},
		{"body limit overflow",
			map[string]string{envBodyLimit: "9999999GiB"},
			`TRIBUTARY_BODY_LIMIT: "9999999GiB" is not a positive size (e.g. 1048576, 512KiB, 4MiB)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig(envMap(tt.env))
			var ce *ConfigError
			if !errors.As(err, &ce) || len(ce.Problems) != 1 || ce.Problems[0].Error() != tt.want {
				t.Errorf("err = %v\nwant the single problem %q", err, tt.want)
			}
		})
	}
}

func TestParseBytes(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"1", 1}, {"1048576", 1 << 20}, {"10B", 10}, {"2KB", 2000}, {"2KiB", 2048},
		{"4MiB", 4 << 20}, {"3MB", 3e6}, {"1GiB", 1 << 30}, {"8 MiB", 8 << 20},
	}
	for _, tt := range tests {
		got, err := parseBytes(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "-1", "0", "1.5MiB", "MiB", "1TB", "4 mb"} {
		if got, err := parseBytes(bad); err == nil {
			t.Errorf("parseBytes(%q) = %d, want an error", bad, got)
		}
	}
}

// TestSecretsNeverPrinted prints and logs the configuration every way the
// code base might, and checks neither password appears.
func TestSecretsNeverPrinted(t *testing.T) {
	const neoPass, redisPass, cachePass = "n30-S3cr3t!xyz", "r3dis-S3cr3t#abc", "c4che-S3cr3t%def"
	cfg, err := loadConfig(envMap(map[string]string{envNeo4jPassword: neoPass, envRedisPassword: redisPass,
		envCacheRedisAddr: "127.0.0.1:6380", envCacheRedisPass: cachePass}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Neo4j.Password.Reveal() != neoPass || cfg.Redis.Password.Reveal() != redisPass || cfg.CacheRedis.Password.Reveal() != cachePass {
		t.Fatal("passwords not loaded; the test would prove nothing")
	}
	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		for _, v := range []any{cfg, cfg.Neo4j, cfg.Redis, cfg.CacheRedis, cfg.Neo4j.Password, &cfg} {
			fmt.Fprintf(&out, verb+"\n", v)
		}
	}
	fmt.Fprintln(&out, cfg.String(), cfg.Neo4j.Password.String())
	for _, v := range []any{cfg, cfg.Neo4j, cfg.Redis, cfg.CacheRedis} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(b)
	}
	for _, h := range []slog.Handler{slog.NewJSONHandler(&out, nil), slog.NewTextHandler(&out, nil)} {
		l := slog.New(h)
		l.Info("config", "config", cfg)
		l.Info("parts", "neo4j", cfg.Neo4j, "redis", cfg.Redis, "cache_redis", cfg.CacheRedis, "pw", cfg.Neo4j.Password)
		l.Info("pointer", "config", &cfg)
	}
	// A URI with embedded credentials is rejected without echoing it.
	_, err = loadConfig(envMap(map[string]string{envNeo4jURI: "bolt://neo4j:" + neoPass + "@db:7687"}))
	if err == nil {
		t.Fatal("URI with credentials accepted")
	}
	fmt.Fprintln(&out, err)
	_, err = loadConfig(envMap(map[string]string{envNeo4jURI: "bolt://neo4j:" + neoPass + "@db:7687/%zz"}))
	fmt.Fprintln(&out, err)

	s := out.String()
	for _, secret := range []string{neoPass, redisPass, cachePass} {
		if strings.Contains(s, secret) {
			t.Errorf("secret %q printed:\n%s", secret, s)
		}
	}
	if !strings.Contains(s, `"password":"****"`) || !strings.Contains(s, "neo4j.password=****") || !strings.Contains(s, "cache_redis.password=****") ||
		!strings.Contains(s, `"cache_redis":{"addr":"127.0.0.1:6380","password":"****","db":0,"shared":false}`) {
		t.Errorf("mask missing from output:\n%s", s)
	}
}

// TestCacheRedisConfig: without TRIBUTARY_CACHE_REDIS_ADDR the cache uses the job Redis's
// settings; with it, its own, and it shares the job Redis only at the same address.
func TestCacheRedisConfig(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		want   RedisConfig
		shared bool
	}{
		{"unset: the job Redis", map[string]string{envRedisAddr: "10.0.0.5:6379", envRedisPassword: "jobpw", envRedisDB: "2"},
			RedisConfig{Addr: "10.0.0.5:6379", Password: "jobpw", DB: 2}, true},
		{"its own instance", map[string]string{envRedisAddr: "10.0.0.5:6379", envRedisPassword: "jobpw",
			envCacheRedisAddr: "10.0.0.6:6379", envCacheRedisPass: "cachepw", envCacheRedisDB: "1"},
			RedisConfig{Addr: "10.0.0.6:6379", Password: "cachepw", DB: 1}, false},
		{"its own instance, no password", map[string]string{envRedisPassword: "jobpw", envCacheRedisAddr: "127.0.0.1:6380"},
			RedisConfig{Addr: "127.0.0.1:6380"}, false},
		{"another database of the job Redis", map[string]string{envCacheRedisAddr: "127.0.0.1:6379", envCacheRedisDB: "5"},
			RedisConfig{Addr: "127.0.0.1:6379", DB: 5}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig(envMap(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			got, shared := cfg.CacheRedisConfig()
			if diff := cmp.Diff(tt.want, got); diff != "" || shared != tt.shared {
				t.Errorf("shared %t, want %t; settings (-want +got):\n%s", shared, tt.shared, diff)
			}
		})
	}
}

// TestConfigCommandPrintsCacheRedis: `tributary config` prints the cache Redis, the job Redis's
// settings when the cache shares it, its own (password masked) when it has one.
func TestConfigCommandPrintsCacheRedis(t *testing.T) {
	code, out, errOut := runCmd(t, envMap(nil), "config")
	if code != 0 || !strings.Contains(out, " cache_redis.addr=127.0.0.1:6379 cache_redis.password= cache_redis.db=0 cache_redis.shared=true ") {
		t.Errorf("shared: exit %d, output %q %q", code, out, errOut)
	}
	code, out, errOut = runCmd(t, envMap(map[string]string{envCacheRedisAddr: "127.0.0.1:6380", envCacheRedisPass: "cache-visible?", envCacheRedisDB: "3"}), "config")
	if code != 0 || strings.Contains(out, "visible?") ||
		!strings.Contains(out, " redis.addr=127.0.0.1:6379 redis.password= redis.db=0 cache_redis.addr=127.0.0.1:6380 cache_redis.password=**** cache_redis.db=3 cache_redis.shared=false ") {
		t.Errorf("own instance: exit %d, output %q %q", code, out, errOut)
	}
	code, _, errOut = runCmd(t, envMap(map[string]string{envCacheRedisAddr: "cache"}), "config")
	if code != exitUsage || !strings.Contains(errOut, `TRIBUTARY_CACHE_REDIS_ADDR: "cache" is not host:port`) {
		t.Errorf("bad address: exit %d, stderr %q", code, errOut)
	}
	// `tributary help` lists the three variables with their defaults.
	_, help, _ := runCmd(t, envMap(nil), "help")
	for _, name := range []string{envCacheRedisAddr, envCacheRedisPass, envCacheRedisDB} {
		if !strings.Contains(help, "  "+name+" ") {
			t.Errorf("help does not list %s:\n%s", name, help)
		}
	}
}
