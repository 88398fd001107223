package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tributary-lineage/tributary/export"
	"github.com/tributary-lineage/tributary/graph"

	"github.com/tributary-lineage/tributary/ingest"
)

// Secret is a string that never prints: fmt, slog and JSON all see a mask.
// Use Reveal where the value itself is needed (building a client).
type Secret string

const secretMask = "****"

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return secretMask
}

// GoString covers %#v.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText covers encoding/json and anything else that uses TextMarshaler.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Reveal returns the secret itself.
func (s Secret) Reveal() string { return string(s) }

// Config is every setting of the binary, read once from the environment.
type Config struct {
	Neo4j Neo4jConfig `json:"neo4j"`
	Redis RedisConfig `json:"redis"`
	// CacheRedis is the Redis of the lineage cache. Its zero value (TRIBUTARY_CACHE_REDIS_ADDR
	// unset) means the cache shares Redis, the job queue's instance; see CacheRedisConfig.
	CacheRedis RedisConfig `json:"cache_redis"`
	HTTP       HTTPConfig  `json:"http"`

	LogLevel        slog.Level    `json:"log_level"`
	ShutdownTimeout time.Duration `json:"shutdown_timeout"`
	// MaxDepth bounds lineage traversal depth requested through the API.
	MaxDepth int `json:"max_depth"`
	// AnalyzeMaxStatements is the most SQL statements one analyze request may hold (413 past it).
	AnalyzeMaxStatements int `json:"analyze_max_statements"`
	// Auth is the security layer's configuration (security.go).
	Auth AuthConfig `json:"auth"`
	// CacheTTL is how long a cached lineage answer lives in Redis (writes invalidate it sooner).
	CacheTTL time.Duration `json:"cache_ttl"`
	// QueryLineageRetention is how long lineage from query history stays without its statement
	// being seen again; each refresh of a query-history source removes what is older.
	QueryLineageRetention time.Duration `json:"query_lineage_retention"`
	// DefaultDatabase and DefaultSchema complete partly qualified names in SQL sent to
	// POST /api/v1/lineage/analyze when the request gives none (as Snowflake's session would).
	DefaultDatabase string `json:"default_database"`
	DefaultSchema   string `json:"default_schema"`
	// S3 is where export jobs write their files and s3:// imports read from. Optional: with no
	// bucket, export jobs and s3:// imports are refused and inline exports still stream.
	S3 export.S3Config `json:"s3"`
}

// Neo4jConfig says where the graph lives.
type Neo4jConfig struct {
	URI      string `json:"uri"`
	User     string `json:"user"`
	Password Secret `json:"password"`
	Database string `json:"database"`
}

// RedisConfig says where a Redis is: the job queue's (and, unless the cache has its own, the
// cache's), or the cache's.
type RedisConfig struct {
	Addr     string `json:"addr"`
	Password Secret `json:"password"`
	DB       int    `json:"db"`
}

// HTTPConfig holds the API server's settings.
type HTTPConfig struct {
	Addr           string        `json:"addr"`
	ReadTimeout    time.Duration `json:"read_timeout"`
	WriteTimeout   time.Duration `json:"write_timeout"`
	IdleTimeout    time.Duration `json:"idle_timeout"`
	RequestTimeout time.Duration `json:"request_timeout"`
	HealthTimeout  time.Duration `json:"health_timeout"`
	BodyLimit      int64         `json:"body_limit"`
	// ExpensiveConcurrency is how many analyze, export and import requests run at once (503
	// with Retry-After past it).
	ExpensiveConcurrency int `json:"expensive_concurrency"`
}

// Environment variable names and their defaults.
const (
	envNeo4jURI        = "TRIBUTARY_NEO4J_URI"
	envNeo4jUser       = "TRIBUTARY_NEO4J_USER"
	envNeo4jPassword   = "TRIBUTARY_NEO4J_PASSWORD"
	envNeo4jDatabase   = "TRIBUTARY_NEO4J_DATABASE"
	envRedisAddr       = "TRIBUTARY_REDIS_ADDR"
	envRedisPassword   = "TRIBUTARY_REDIS_PASSWORD"
	envRedisDB         = "TRIBUTARY_REDIS_DB"
	envCacheRedisAddr  = "TRIBUTARY_CACHE_REDIS_ADDR"
	envCacheRedisPass  = "TRIBUTARY_CACHE_REDIS_PASSWORD"
	envCacheRedisDB    = "TRIBUTARY_CACHE_REDIS_DB"
	envHTTPAddr        = "TRIBUTARY_HTTP_ADDR"
	envReadTimeout     = "TRIBUTARY_READ_TIMEOUT"
	envWriteTimeout    = "TRIBUTARY_WRITE_TIMEOUT"
	envIdleTimeout     = "TRIBUTARY_IDLE_TIMEOUT"
	envRequestTimeout  = "TRIBUTARY_REQUEST_TIMEOUT"
	envHealthTimeout   = "TRIBUTARY_HEALTH_TIMEOUT"
	envBodyLimit       = "TRIBUTARY_BODY_LIMIT"
	envLogLevel        = "TRIBUTARY_LOG_LEVEL"
	envShutdownTimeout = "TRIBUTARY_SHUTDOWN_TIMEOUT"
	envMaxDepth        = "TRIBUTARY_MAX_DEPTH"
	envCacheTTL        = "TRIBUTARY_CACHE_TTL"
	envQueryRetention  = "TRIBUTARY_QUERY_LINEAGE_RETENTION"

	envAnalyzeMaxStatements = "TRIBUTARY_ANALYZE_MAX_STATEMENTS"
	envExpensiveConcurrency = "TRIBUTARY_EXPENSIVE_CONCURRENCY"
	maxAnalyzeMaxStatements = 100000
	maxExpensiveConcurrency = 1024
	envDefaultDatabase      = "TRIBUTARY_DEFAULT_DATABASE"
	envDefaultSchema        = "TRIBUTARY_DEFAULT_SCHEMA"
)

// envDefaults documents every variable with its default ("" means none).
// The order is the order `tributary help` prints them in.
var envDefaults = append([]struct{ name, def, doc string }{
	{envNeo4jURI, "bolt://127.0.0.1:7687", "Neo4j URI (bolt, neo4j, bolt+s, neo4j+s, bolt+ssc, neo4j+ssc)"},
	{envNeo4jUser, "neo4j", "Neo4j user"},
	{envNeo4jPassword, "tributary-local", "Neo4j password (local dev default)"},
	{envNeo4jDatabase, "neo4j", "Neo4j database"},
	{envRedisAddr, "127.0.0.1:6379", "Redis host:port of the job queue, API keys and rate limits (maxmemory-policy noeviction)"},
	{envRedisPassword, "", "Redis password"},
	{envRedisDB, "0", "Redis logical database"},
	{envCacheRedisAddr, "", "Redis host:port of the lineage cache, best with maxmemory-policy allkeys-lru; unset: the cache shares TRIBUTARY_REDIS_ADDR"},
	{envCacheRedisPass, "", "password of the cache Redis (needs TRIBUTARY_CACHE_REDIS_ADDR)"},
	{envCacheRedisDB, "0", "logical database of the cache Redis (needs TRIBUTARY_CACHE_REDIS_ADDR)"},
	{envHTTPAddr, "127.0.0.1:8080", "API listen address host:port"},
	{envReadTimeout, "15s", "HTTP read timeout (whole request)"},
	{envWriteTimeout, "30s", "HTTP write timeout"},
	{envIdleTimeout, "60s", "HTTP keep-alive idle timeout"},
	{envRequestTimeout, "25s", "deadline of each request's work (<= write timeout)"},
	{envHealthTimeout, "2s", "per-dependency health check timeout"},
	{envBodyLimit, "4MiB", "largest request body (bytes, or with KB/KiB/MB/MiB)"},
	{envLogLevel, "info", "debug, info, warn or error"},
	{envShutdownTimeout, "20s", "graceful shutdown budget"},
	{envMaxDepth, "20", "largest lineage traversal depth the API accepts"},
	{envAnalyzeMaxStatements, "1000", "most SQL statements one analyze request may hold (more: 413)"},
	{envExpensiveConcurrency, "4", "analyze, export and import requests run at once (more: 503 with Retry-After)"},
	{envCacheTTL, "10m", "lifetime of a cached lineage answer in Redis (graph writes invalidate at once)"},
	{envQueryRetention, "30d", "how long query-history lineage stays without its statement running again (days, e.g. 30d, or a duration, e.g. 720h); each refresh of the source removes older lineage"},
	{envDefaultDatabase, "", "database completing partly qualified names in analyzed SQL when the request gives no default_database (one identifier)"},
	{envDefaultSchema, "", "schema completing one-part names in analyzed SQL when the request gives no default_schema (one identifier)"},
	{export.EnvS3Bucket, "", "S3 bucket of export files (none: export jobs and s3:// imports are off)"},
	{export.EnvS3Prefix, "", "key prefix of export files, e.g. tributary/exports/"},
	{export.EnvS3Endpoint, "", "S3-compatible endpoint URL (path-style addressing); none means AWS"},
	{export.EnvS3Region, "", "S3 region (none: from the AWS config chain)"},
	{export.EnvS3PresignExpiry, "", "lifetime of presigned export download URLs (none: 1h; at most 168h)"},
	{export.EnvS3PartSize, "", "multipart upload part size in bytes (none: 16 MiB; at least 5 MiB)"},
}, authEnvDefaults...)

const maxMaxDepth = 100

var neo4jDatabaseName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9.\-]{2,62}$`)

// loadConfig reads the environment through getenv, applies defaults and
// validates everything, returning all problems at once.
func loadConfig(getenv func(string) string) (Config, error) {
	get := func(name string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return defaultOf(name)
	}
	var problems []error
	bad := func(name, format string, args ...any) {
		problems = append(problems, fmt.Errorf("%s: "+format, append([]any{name}, args...)...))
	}

	var cfg Config
	cfg.Neo4j.URI = get(envNeo4jURI)
	cfg.Neo4j.User = get(envNeo4jUser)
	// Passwords are taken verbatim: surrounding spaces may be part of them.
	cfg.Neo4j.Password = Secret(getenv(envNeo4jPassword))
	if cfg.Neo4j.Password == "" {
		cfg.Neo4j.Password = Secret(get(envNeo4jPassword))
	}
	cfg.Neo4j.Database = get(envNeo4jDatabase)
	cfg.Redis.Addr = get(envRedisAddr)
	cfg.Redis.Password = Secret(getenv(envRedisPassword))
	cfg.CacheRedis.Addr = get(envCacheRedisAddr)
	cfg.CacheRedis.Password = Secret(getenv(envCacheRedisPass))
	cfg.HTTP.Addr = get(envHTTPAddr)

	for _, p := range neo4jURIProblems(cfg.Neo4j.URI) {
		bad(envNeo4jURI, "%s", p)
	}
	if !neo4jDatabaseName.MatchString(cfg.Neo4j.Database) {
		bad(envNeo4jDatabase, "%q is not a Neo4j database name (3-63 characters: letters, digits, dots, dashes; starting with a letter)", cfg.Neo4j.Database)
	}
	if err := validateHostPort(cfg.Redis.Addr); err != nil {
		bad(envRedisAddr, "%v", err)
	}
	if cfg.CacheRedis.Addr != "" {
		if err := validateHostPort(cfg.CacheRedis.Addr); err != nil {
			bad(envCacheRedisAddr, "%v", err)
		}
	}
	if err := validateHostPort(cfg.HTTP.Addr); err != nil {
		bad(envHTTPAddr, "%v", err)
	}

	if n, err := strconv.Atoi(get(envRedisDB)); err != nil || n < 0 {
		bad(envRedisDB, "%q is not a non-negative integer", get(envRedisDB))
	} else {
		cfg.Redis.DB = n
	}
	if n, err := strconv.Atoi(get(envCacheRedisDB)); err != nil || n < 0 {
		bad(envCacheRedisDB, "%q is not a non-negative integer", get(envCacheRedisDB))
	} else {
		cfg.CacheRedis.DB = n
	}
	// Without an address the cache uses the job Redis as it is; a password or database of its
	// own would be silently ignored, so say so instead.
	if cfg.CacheRedis.Addr == "" {
		if cfg.CacheRedis.Password != "" {
			bad(envCacheRedisPass, "set without %s (the cache then shares %s and its password)", envCacheRedisAddr, envRedisAddr)
		}
		if cfg.CacheRedis.DB != 0 {
			bad(envCacheRedisDB, "set without %s (the cache then shares %s and its database)", envCacheRedisAddr, envRedisAddr)
		}
	}
	if n, err := strconv.Atoi(get(envMaxDepth)); err != nil || n < 1 || n > maxMaxDepth {
		bad(envMaxDepth, "%q is not an integer from 1 to %d", get(envMaxDepth), maxMaxDepth)
	} else {
		cfg.MaxDepth = n
	}
	if n, err := strconv.Atoi(get(envAnalyzeMaxStatements)); err != nil || n < 1 || n > maxAnalyzeMaxStatements {
		bad(envAnalyzeMaxStatements, "%q is not an integer from 1 to %d", get(envAnalyzeMaxStatements), maxAnalyzeMaxStatements)
	} else {
		cfg.AnalyzeMaxStatements = n
	}
	if n, err := strconv.Atoi(get(envExpensiveConcurrency)); err != nil || n < 1 || n > maxExpensiveConcurrency {
		bad(envExpensiveConcurrency, "%q is not an integer from 1 to %d", get(envExpensiveConcurrency), maxExpensiveConcurrency)
	} else {
		cfg.HTTP.ExpensiveConcurrency = n
	}
	for _, d := range []struct {
		name string
		dst  *string
	}{{envDefaultDatabase, &cfg.DefaultDatabase}, {envDefaultSchema, &cfg.DefaultSchema}} {
		if v := get(d.name); v != "" {
			if parts, err := graph.ParseIdentifiers(v); err != nil || len(parts) != 1 {
				bad(d.name, "%q is not one identifier (a name, or a \"quoted\" name)", v)
			} else {
				*d.dst = v
			}
		}
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(get(envLogLevel))); err != nil {
		bad(envLogLevel, "%q is not one of debug, info, warn, error", get(envLogLevel))
	}
	if n, err := parseBytes(get(envBodyLimit)); err != nil {
		bad(envBodyLimit, "%v", err)
	} else {
		cfg.HTTP.BodyLimit = n
	}

	durations := []struct {
		name string
		dst  *time.Duration
	}{
		{envReadTimeout, &cfg.HTTP.ReadTimeout},
		{envWriteTimeout, &cfg.HTTP.WriteTimeout},
		{envIdleTimeout, &cfg.HTTP.IdleTimeout},
		{envRequestTimeout, &cfg.HTTP.RequestTimeout},
		{envHealthTimeout, &cfg.HTTP.HealthTimeout},
		{envShutdownTimeout, &cfg.ShutdownTimeout},
		{envCacheTTL, &cfg.CacheTTL},
	}
	durOK := true
	for _, d := range durations {
		v, err := time.ParseDuration(get(d.name))
		if err != nil || v <= 0 {
			bad(d.name, "%q is not a positive duration (e.g. 500ms, 30s, 2m)", get(d.name))
			durOK = false
			continue
		}
		*d.dst = v
	}
	if durOK {
		if cfg.HTTP.RequestTimeout > cfg.HTTP.WriteTimeout {
			bad(envRequestTimeout, "%s exceeds %s=%s; a request would lose its connection before its deadline",
				cfg.HTTP.RequestTimeout, envWriteTimeout, cfg.HTTP.WriteTimeout)
		}
		if cfg.HTTP.HealthTimeout >= cfg.HTTP.RequestTimeout {
			bad(envHealthTimeout, "%s must be shorter than %s=%s", cfg.HTTP.HealthTimeout, envRequestTimeout, cfg.HTTP.RequestTimeout)
		}
	}
	if d, err := ingest.ParseRetention(get(envQueryRetention)); err != nil {
		bad(envQueryRetention, "%q is not a positive number of days or duration (e.g. 30d, 720h)", get(envQueryRetention))
	} else {
		cfg.QueryLineageRetention = d
	}
	// S3 is optional; its settings are checked as a whole only when a bucket is set.
	s3cfg, err := export.S3ConfigFromEnv(func(name string) string {
		if name == export.EnvS3Bucket && strings.TrimSpace(getenv(name)) == "" {
			return "unset" // lets the other settings be validated without a bucket
		}
		return strings.TrimSpace(get(name))
	})
	if err != nil {
		bad("TRIBUTARY_S3_*", "%v", err)
	} else {
		if strings.TrimSpace(getenv(export.EnvS3Bucket)) == "" {
			s3cfg.Bucket = ""
		}
		cfg.S3 = s3cfg
	}
	var authProblems []error
	cfg.Auth, authProblems = loadAuthConfig(getenv, cfg.HTTP.Addr)
	problems = append(problems, authProblems...)
	if len(problems) > 0 {
		return Config{}, &ConfigError{Problems: problems}
	}
	return cfg, nil
}

// ConfigError lists every invalid setting.
type ConfigError struct{ Problems []error }

func (e *ConfigError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid configuration (%d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString("):")
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}

func (e *ConfigError) Unwrap() []error { return e.Problems }

var neo4jSchemes = []string{"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}

// neo4jURIProblems lists what is wrong with a Neo4j URI, nothing when it is fine.
func neo4jURIProblems(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		// url errors quote the input; it may hold credentials, so do not repeat it.
		return []string{"not a valid URI"}
	}
	var problems []string
	if !slices.Contains(neo4jSchemes, u.Scheme) {
		problems = append(problems, "scheme must be "+strings.Join(neo4jSchemes, ", "))
	}
	if u.User != nil {
		problems = append(problems, "must not contain credentials (use TRIBUTARY_NEO4J_USER and TRIBUTARY_NEO4J_PASSWORD)")
	}
	if u.Hostname() == "" {
		problems = append(problems, "host is missing")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			problems = append(problems, fmt.Sprintf("port %q is not 1-65535", p))
		}
	}
	if u.Path != "" && u.Path != "/" {
		problems = append(problems, "must not have a path (the database is TRIBUTARY_NEO4J_DATABASE)")
	}
	return problems
}

func validateHostPort(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: port must be 0-65535", addr)
	}
	return nil
}

// parseBytes reads "1048576", "512KB", "4MiB" (KB/MB are 1000-based, KiB/MiB 1024-based).
func parseBytes(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	num, mult := s, int64(1)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			num, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, fmt.Errorf("%q is not a positive size (e.g. 1048576, 512KiB, 4MiB)", s)
	}
	return n * mult, nil
}

// CacheRedisConfig returns the settings of the Redis the lineage cache uses: CacheRedis when
// TRIBUTARY_CACHE_REDIS_ADDR is set, else Redis itself. shared reports whether that Redis is the
// job queue's server (the same address), whose memory and maxmemory-policy the cache then shares.
func (c Config) CacheRedisConfig() (rc RedisConfig, shared bool) {
	if c.CacheRedis.Addr == "" {
		return c.Redis, true
	}
	return c.CacheRedis, c.CacheRedis.Addr == c.Redis.Addr
}

// String prints the configuration as key=value pairs with secrets masked. The cache_redis
// values are the effective ones (the job Redis's when the cache shares it).
func (c Config) String() string {
	cache, shared := c.CacheRedisConfig()
	return fmt.Sprintf("neo4j.uri=%s neo4j.user=%s neo4j.password=%s neo4j.database=%s "+
		"redis.addr=%s redis.password=%s redis.db=%d "+
		"cache_redis.addr=%s cache_redis.password=%s cache_redis.db=%d cache_redis.shared=%t "+
		"http.addr=%s http.read_timeout=%s http.write_timeout=%s http.idle_timeout=%s "+
		"http.request_timeout=%s http.health_timeout=%s http.body_limit=%d http.expensive_concurrency=%d "+
		"log_level=%s shutdown_timeout=%s max_depth=%d analyze_max_statements=%d default_database=%s default_schema=%s "+
		"query_lineage_retention=%s "+
		"s3.bucket=%s s3.prefix=%s s3.endpoint=%s s3.region=%s s3.presign_expiry=%s s3.part_size=%d",
		c.Neo4j.URI, c.Neo4j.User, c.Neo4j.Password, c.Neo4j.Database,
		c.Redis.Addr, c.Redis.Password, c.Redis.DB,
		cache.Addr, cache.Password, cache.DB, shared,
		c.HTTP.Addr, c.HTTP.ReadTimeout, c.HTTP.WriteTimeout, c.HTTP.IdleTimeout,
		c.HTTP.RequestTimeout, c.HTTP.HealthTimeout, c.HTTP.BodyLimit, c.HTTP.ExpensiveConcurrency,
		c.LogLevel, c.ShutdownTimeout, c.MaxDepth, c.AnalyzeMaxStatements, c.DefaultDatabase, c.DefaultSchema,
		ingest.FormatRetention(c.QueryLineageRetention),
		c.S3.Bucket, c.S3.Prefix, c.S3.Endpoint, c.S3.Region, c.S3.PresignExpiry, c.S3.PartSize) + " " + c.Auth.String()
}

// LogValue implements slog.LogValuer; secrets are masked.
func (c Config) LogValue() slog.Value {
	cache, shared := c.CacheRedisConfig()
	return slog.GroupValue(
		slog.Group("neo4j",
			slog.String("uri", c.Neo4j.URI),
			slog.String("user", c.Neo4j.User),
			slog.Any("password", c.Neo4j.Password),
			slog.String("database", c.Neo4j.Database),
		),
		slog.Group("redis",
			slog.String("addr", c.Redis.Addr),
			slog.Any("password", c.Redis.Password),
			slog.Int("db", c.Redis.DB),
		),
		slog.Group("cache_redis",
			slog.String("addr", cache.Addr),
			slog.Any("password", cache.Password),
			slog.Int("db", cache.DB),
			slog.Bool("shared", shared),
		),
		slog.Group("http",
			slog.String("addr", c.HTTP.Addr),
			slog.String("read_timeout", c.HTTP.ReadTimeout.String()),
			slog.String("write_timeout", c.HTTP.WriteTimeout.String()),
			slog.String("idle_timeout", c.HTTP.IdleTimeout.String()),
			slog.String("request_timeout", c.HTTP.RequestTimeout.String()),
			slog.String("health_timeout", c.HTTP.HealthTimeout.String()),
			slog.Int64("body_limit", c.HTTP.BodyLimit),
			slog.Int("expensive_concurrency", c.HTTP.ExpensiveConcurrency),
		),
		slog.String("log_level", c.LogLevel.String()),
		slog.String("shutdown_timeout", c.ShutdownTimeout.String()),
		slog.Int("max_depth", c.MaxDepth),
		slog.Int("analyze_max_statements", c.AnalyzeMaxStatements),
		slog.String("default_database", c.DefaultDatabase),
		slog.String("default_schema", c.DefaultSchema),
		slog.String("query_lineage_retention", ingest.FormatRetention(c.QueryLineageRetention)),
		slog.Group("s3",
			slog.String("bucket", c.S3.Bucket),
			slog.String("prefix", c.S3.Prefix),
			slog.String("endpoint", c.S3.Endpoint),
			slog.String("region", c.S3.Region),
			slog.String("presign_expiry", c.S3.PresignExpiry.String()),
			slog.Int64("part_size", c.S3.PartSize),
		),
		slog.Any("auth", c.Auth),
	)
}
