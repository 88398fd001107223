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

// admitScript lets an authenticated request in: refused when its client IP
// is over the anonymous limit (KEYS[1], not counted here), otherwise counted
// against its principal (KEYS[2]). It returns {verdict, count, ttl}: verdict
// 0 = IP over its limit, 1 = no principal limit, 2 = counted.
var admitScript = redis.NewScript(`
local ipn = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > 0 and ipn >= tonumber(ARGV[1]) then
  return {0, ipn, redis.call('PTTL', KEYS[1])}
end
if tonumber(ARGV[2]) == 0 then return {1, 0, 0} end
local n = redis.call('INCR', KEYS[2])
if n == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
local ttl = redis.call('PTTL', KEYS[2])
if ttl < 0 then redis.call('PEXPIRE', KEYS[2], ARGV[3]); ttl = tonumber(ARGV[3]) end
return {2, n, ttl}`)

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

// Admit decides on an authenticated request in one round trip: refused
// when the client's IP key has reached the anonymous limit (a client that
// failed too often waits even with valid credentials, so guessing gains
// nothing), else counted against the principal's key and limit.
func (l *Limiter) Admit(ctx context.Context, ipKey string, anon Limit, principalKey string, lim Limit) (Decision, error) {
	if anon.N == 0 && lim.N == 0 {
		return Decision{Allowed: true}, nil
	}
	res, err := admitScript.Run(ctx, l.rdb, []string{l.prefix + ipKey, l.prefix + principalKey},
		anon.N, lim.N, max(lim.Window.Milliseconds(), 1)).Int64Slice()
	if err != nil {
		return Decision{}, fmt.Errorf("rate limit %s: %w", principalKey, err)
	}
	if len(res) != 3 {
		return Decision{}, errors.New("rate limit: unexpected script result")
	}
	switch res[0] {
	case 0:
		d, err := decide(res[1:], anon)
		d.Allowed = false
		return d, err
	case 1:
		return Decision{Allowed: true}, nil
	}
	return decide(res[1:], lim)
}

// chargeScript adds ARGV[1] to a counter, starting its window when it has none.
var chargeScript = redis.NewScript(`
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return n`)

// Charge counts n more requests against key after the fact: a request that cost n units (an
// analyze of n statements) counts as n, so the next ones are refused once the window is used up.
func (l *Limiter) Charge(ctx context.Context, key string, n int, lim Limit) error {
	if lim.N == 0 || n <= 0 {
		return nil
	}
	if err := chargeScript.Run(ctx, l.rdb, []string{l.prefix + key}, n, max(lim.Window.Milliseconds(), 1)).Err(); err != nil {
		return fmt.Errorf("rate limit charge %s: %w", key, err)
	}
	return nil
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
