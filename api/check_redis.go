package api

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// RedisInfoer is the part of a go-redis client the Redis checker uses.
// INFO doubles as a ping.
type RedisInfoer interface {
	Info(ctx context.Context, section ...string) *redis.StringCmd
}

// RedisChecker reports whether Redis answers, and its version.
type RedisChecker struct {
	client RedisInfoer
}

// NewRedisChecker returns a checker over client (a *redis.Client works).
func NewRedisChecker(client RedisInfoer) *RedisChecker {
	return &RedisChecker{client: client}
}

// Name implements Checker.
func (r *RedisChecker) Name() string { return "redis" }

// Check implements Checker: INFO server, parsed for version, mode and uptime.
func (r *RedisChecker) Check(ctx context.Context) (CheckResult, error) {
	raw, err := r.client.Info(ctx, "server").Result()
	if err != nil {
		return CheckResult{}, fmt.Errorf("info server: %w", err)
	}
	fields := parseRedisInfo(raw)
	res := CheckResult{Status: StatusUp, Version: fields["redis_version"], Info: map[string]any{}}
	if mode := fields["redis_mode"]; mode != "" {
		res.Info["mode"] = mode
	}
	if up, err := strconv.ParseInt(fields["uptime_in_seconds"], 10, 64); err == nil {
		res.Info["uptime_s"] = up
	}
	if res.Version == "" {
		res.Status = StatusDegraded
		res.Message = "INFO server did not report redis_version"
	}
	return res, nil
}

// parseRedisInfo reads the "key:value" lines of an INFO reply.
func parseRedisInfo(raw string) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(raw))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if ok {
			out[k] = v
		}
	}
	return out
}
