package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/redis/go-redis/v9"
)

// Client timeouts: short connects so that a dead dependency fails a health
// check or a command quickly instead of hanging.
const (
	neo4jConnectTimeout = 5 * time.Second
	neo4jAcquireTimeout = 10 * time.Second
	redisDialTimeout    = 3 * time.Second
	redisIOTimeout      = 3 * time.Second
)

// The API server's driver fails fast: a request must learn that Neo4j is gone at once (then
// the circuit breaker, graph.Breaker, answers for the requests after it), not after the
// driver's default 30s of transaction retries, which outlive the request timeout. It makes one
// attempt per transaction: the driver's retries sleep 1s before the second attempt, which alone
// would cost a request more than a second with Neo4j down. So that a connection Neo4j dropped
// while idle in the pool (a restart) does not fail that attempt, connections idle for longer
// than serveNeo4jLivenessCheck are checked before use. The worker keeps the default retries.
const (
	serveNeo4jConnectTimeout = 1 * time.Second
	serveNeo4jAcquireTimeout = 1500 * time.Millisecond
	serveNeo4jMaxRetryTime   = 0
	serveNeo4jLivenessCheck  = 30 * time.Second
)

// serveNeo4jTimeouts tunes the API server's driver (see serveNeo4jMaxRetryTime).
func serveNeo4jTimeouts(c *neo4j.Config) {
	c.SocketConnectTimeout = serveNeo4jConnectTimeout
	c.ConnectionAcquisitionTimeout = serveNeo4jAcquireTimeout
	c.MaxTransactionRetryTime = serveNeo4jMaxRetryTime
	c.ConnectionLivenessCheckTimeout = serveNeo4jLivenessCheck
}

// newNeo4jDriver builds the driver; it does not connect until first use. tune, when given,
// adjusts the configuration after the defaults.
func newNeo4jDriver(cfg Neo4jConfig, tune ...func(*neo4j.Config)) (neo4j.DriverWithContext, error) {
	d, err := neo4j.NewDriverWithContext(cfg.URI,
		neo4j.BasicAuth(cfg.User, cfg.Password.Reveal(), ""),
		func(c *neo4j.Config) {
			c.SocketConnectTimeout = neo4jConnectTimeout
			c.ConnectionAcquisitionTimeout = neo4jAcquireTimeout
			c.UserAgent = "tributary/" + version
			c.TelemetryDisabled = true
			for _, t := range tune {
				t(c)
			}
		})
	if err != nil {
		return nil, fmt.Errorf("neo4j driver for %s: %w", cfg.URI, err)
	}
	return d, nil
}

// newRedisClient builds the client; it connects lazily.
func newRedisClient(cfg RedisConfig) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr:        cfg.Addr,
		Password:    cfg.Password.Reveal(),
		DB:          cfg.DB,
		DialTimeout: redisDialTimeout,
		// Few retries: a dead Redis should fail a health check or a cache
		// lookup in well under a second rather than after ~2s of backoff.
		MaxRetries:         2,
		DialerRetries:      2,
		DialerRetryTimeout: 50 * time.Millisecond,
		ReadTimeout:        redisIOTimeout,
		WriteTimeout:       redisIOTimeout,
	})
}

// redisClients are the job Redis (asynq queues, job records, API keys, rate limits) and the
// Redis of the lineage cache. They are one client unless TRIBUTARY_CACHE_REDIS_ADDR gives the
// cache settings of its own.
type redisClients struct {
	jobs  *redis.Client
	cache *redis.Client
	// cacheAddr is the cache Redis's address; cacheShared reports that it is the job Redis's
	// server (see Config.CacheRedisConfig).
	cacheAddr   string
	cacheShared bool
}

// newRedisClients builds the clients; they connect lazily.
func newRedisClients(cfg Config) redisClients {
	jobs := newRedisClient(cfg.Redis)
	cacheCfg, shared := cfg.CacheRedisConfig()
	rc := redisClients{jobs: jobs, cache: jobs, cacheAddr: cacheCfg.Addr, cacheShared: shared}
	if cacheCfg != cfg.Redis {
		rc.cache = newRedisClient(cacheCfg)
	}
	return rc
}

// separate reports whether the cache has a client of its own.
func (rc redisClients) separate() bool { return rc.cache != rc.jobs }

// addHooks installs hook(addr) on each client.
func (rc redisClients) addHooks(hook func(addr string) redis.Hook) {
	rc.jobs.AddHook(hook(rc.jobs.Options().Addr))
	if rc.separate() {
		rc.cache.AddHook(hook(rc.cacheAddr))
	}
}

// Close closes both clients.
func (rc redisClients) Close() error {
	err := rc.jobs.Close()
	if rc.separate() {
		err = errors.Join(err, rc.cache.Close())
	}
	return err
}

// cachePolicyTimeout bounds the startup question to the cache Redis.
const cachePolicyTimeout = 2 * time.Second

// checkCachePolicy asks the cache Redis for its maxmemory-policy and logs a warning when the
// policy makes a full Redis refuse what the cache needs to write. It returns the policy, ""
// when Redis did not tell: errors are ignored, because managed Redis (ElastiCache) refuses
// CONFIG and a Redis that is down is reported by the health checks.
//
// A Redis shared with the job queue has to keep noeviction (asynq must not lose tasks), and
// then, once full, it refuses new cache entries, the generation bump after every graph write
// and new jobs alike: the cache wants a Redis of its own. An eviction policy over all keys on
// the shared Redis is worse: it drops queued tasks and API keys. A cache Redis of its own with
// noeviction refuses new entries once full (reads still work, from Neo4j).
func checkCachePolicy(ctx context.Context, rdb redis.UniversalClient, addr string, shared bool, logger *slog.Logger) string {
	ctx, cancel := context.WithTimeout(ctx, cachePolicyTimeout)
	defer cancel()
	policy := ""
	if kv, err := rdb.ConfigGet(ctx, "maxmemory-policy").Result(); err == nil {
		policy = kv["maxmemory-policy"]
	}
	attrs := []any{"addr", addr, "shared_with_jobs", shared, "maxmemory_policy", policy}
	switch {
	case shared && policy == "noeviction":
		logger.Warn("the lineage cache shares the job Redis, whose maxmemory-policy is noeviction: once it is full, "+
			"Redis refuses new cache entries, the cache invalidation after each graph write and new jobs; "+
			"set "+envCacheRedisAddr+" to a Redis of its own with maxmemory-policy allkeys-lru", attrs...)
	case shared && strings.HasPrefix(policy, "allkeys-"):
		logger.Warn("the lineage cache shares the job Redis, whose maxmemory-policy "+policy+" evicts any key: "+
			"once it is full, queued jobs and API keys can be lost; give the job Redis maxmemory-policy noeviction and "+
			"set "+envCacheRedisAddr+" to a Redis of its own with maxmemory-policy allkeys-lru", attrs...)
	case !shared && policy == "noeviction":
		logger.Warn("the cache Redis's maxmemory-policy is noeviction: once it is full, it refuses new cache entries "+
			"and the cache invalidation after each graph write, which then fails; "+
			"set maxmemory-policy allkeys-lru on it", attrs...)
	default:
		logger.Info("lineage cache on redis", attrs...)
	}
	return policy
}
