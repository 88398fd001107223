package auth

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limit is at most N requests per Window; N == 0 turns the limit off.
type Limit struct {
	N      int
	Window time.Duration
}

// ParseLimit reads "600/1m", "30/10s" or "off".
func ParseLimit(s string) (Limit, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return Limit{}, nil
	}
	num, win, ok := strings.Cut(s, "/")
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if !ok || err != nil || n < 1 {
		return Limit{}, fmt.Errorf("%q is not N/duration (e.g. 600/1m) or off", s)
	}
	d, err := time.ParseDuration(strings.TrimSpace(win))
	if err != nil || d < time.Second || d > 24*time.Hour {
		return Limit{}, fmt.Errorf("%q: the window must be a duration from 1s to 24h", s)
	}
	return Limit{N: n, Window: d}, nil
}

func (l Limit) String() string {
	if l.N == 0 {
		return "off"
	}
	return fmt.Sprintf("%d/%s", l.N, l.Window)
}

// Decision is the outcome of one rate-limit check.
type Decision struct {
	Allowed    bool
	Count      int           // requests counted in the current window, this one included
	RetryAfter time.Duration // until the window ends
}

// Limiter is a fixed-window counter per key in Redis, so that the limit
// holds across replicas. A window starts with a key's first request; the
// counter key expires with it.
type Limiter struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewLimiter counts under the key prefix (e.g. "tributary:auth:").
func NewLimiter(rdb redis.UniversalClient, prefix string) *Limiter {
	return &Limiter{rdb: rdb, prefix: prefix + "rl:"}
}

// hitScript counts one request and returns the count and the window's
// remaining milliseconds. A key left without expiry (a crash between INCR and
// PEXPIRE cannot happen inside a script, but a manual SET could) gets one.
var hitScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`)

// peekScript returns the count and remaining milliseconds without counting.
var peekScript = redis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
return {n, ttl}`)

// Hit counts a request against key and says whether it is within the limit.
func (l *Limiter) Hit(ctx context.Context, key string, lim Limit) (Decision, error) {
	if lim.N == 0 {
		return Decision{Allowed: true}, nil
	}
	res, err := hitScript.Run(ctx, l.rdb, []string{l.prefix + key}, lim.Window.Milliseconds()).Int64Slice()
	if err != nil {
		return Decision{}, fmt.Errorf("rate limit %s: %w", key, err)
	}
	return decide(res, lim)
}

// Peek says whether key is already over the limit, without counting.
func (l *Limiter) Peek(ctx context.Context, key string, lim Limit) (Decision, error) {
	if lim.N == 0 {
		return Decision{Allowed: true}, nil
	}
	res, err := peekScript.Run(ctx, l.rdb, []string{l.prefix + key}).Int64Slice()
	if err != nil {
		return Decision{}, fmt.Errorf("rate limit %s: %w", key, err)
	}
	d, err := decide(res, lim)
	// Peek allows while the count is below N (the next Hit would be allowed).
	d.Allowed = d.Count < lim.N
	return d, err
}

func decide(res []int64, lim Limit) (Decision, error) {
	if len(res) != 2 {
		return Decision{}, errors.New("rate limit: unexpected script result")
	}
	d := Decision{Count: int(res[0]), Allowed: res[0] <= int64(lim.N)}
	if res[1] > 0 {
		d.RetryAfter = time.Duration(res[1]) * time.Millisecond
	}
	return d, nil
}

// RetryAfterSeconds is the Retry-After header value: whole seconds, at least 1.
func (d Decision) RetryAfterSeconds() int {
	s := int((d.RetryAfter + time.Second - 1) / time.Second)
	return max(s, 1)
}
