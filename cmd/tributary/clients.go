package main

import (
	"context"
	"fmt"
	"log/slog"
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

// newNeo4jDriver builds the driver; it does not connect until first use.
func newNeo4jDriver(cfg Neo4jConfig) (neo4j.DriverWithContext, error) {
	d, err := neo4j.NewDriverWithContext(cfg.URI,
		neo4j.BasicAuth(cfg.User, cfg.Password.Reveal(), ""),
		func(c *neo4j.Config) {
			c.SocketConnectTimeout = neo4jConnectTimeout
			c.ConnectionAcquisitionTimeout = neo4jAcquireTimeout
			c.UserAgent = "tributary/" + version
			c.TelemetryDisabled = true
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

// redisLog routes go-redis's internal log lines (dial failures, pool events)
// into the JSON logger instead of plain stderr.
type redisLog struct{ logger *slog.Logger }

func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	r.logger.WarnContext(ctx, "redis client", "detail", fmt.Sprintf(format, v...))
}
