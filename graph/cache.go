package graph

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"
)

// CacheOptions tune a Cache. Zero values take the defaults.
type CacheOptions struct {
	// Prefix starts every Redis key (default "tributary:"); tests use their own.
	Prefix string
	// ComputeTimeout bounds one shared computation of a missed key (default 30s). Callers
	// waiting for it still stop at their own context's deadline.
	ComputeTimeout time.Duration
	// RetryInterval is how long reads bypass Redis after it failed before a background
	// probe checks it again (default 500ms). Reads keep bypassing it until a probe succeeds.
	RetryInterval time.Duration
	// ProbeTimeout bounds one background probe of a failed Redis (default 2s).
	ProbeTimeout time.Duration
}

// CacheStats are a Cache's counters since it was made, per operation.
type CacheStats struct {
	Hits, Misses, Errors map[string]uint64
	// Shared counts callers whose answer came from a computation shared with other callers
	// of the same key (the caller that ran it included).
	Shared map[string]uint64
}

// Cache is the API's response cache: encoded answers (Bytes) are kept in Redis under a key
// made of the operation, its normalised arguments and the graph generation; a miss computes
// once per key (concurrent misses share one computation) and stores the answer for the TTL.
// The Writer invalidates it (bumps the generation) after every committed write, so no answer
// after a write is made from lineage before it. When Redis fails, answers are computed
// directly and stay correct. It knows nothing of the store: what a miss computes is the
// caller's.
type Cache struct {
	rdb     redis.UniversalClient
	ttl     time.Duration
	prefix  string
	compute time.Duration
	group   singleflight.Group

	genKey string
	// lookup reads the generation and the entry of one key in one round trip. When the
	// generation is missing (new or flushed Redis), it is seeded with ARGV[3], a value no
	// earlier generation had, so stale entries of a forgotten generation are never read.
	lookup *redis.Script
	// bump increments the generation, seeding it the same way when missing.
	bump *redis.Script

	mu    sync.Mutex
	stats map[string]*opStats
	// gate: after a Redis failure, reads skip Redis until a background probe (Ping) finds it
	// answering again, so a dead or hung Redis never delays a request after the first failure.
	gate recoveryGate
}

type opStats struct{ hits, misses, errors, shared atomic.Uint64 }

const lookupScript = `
local g = redis.call('GET', KEYS[1])
if not g then
  redis.call('SET', KEYS[1], ARGV[3], 'NX')
  g = redis.call('GET', KEYS[1])
end
return {g, redis.call('GET', ARGV[1] .. g .. ':' .. ARGV[2])}
`

const bumpScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('SET', KEYS[1], ARGV[1])
end
return redis.call('INCR', KEYS[1])
`

// NewCache returns a response cache in rdb whose entries live for ttl (default 5 minutes).
func NewCache(rdb redis.UniversalClient, ttl time.Duration, opts CacheOptions) *Cache {
	if opts.Prefix == "" {
		opts.Prefix = "tributary:"
	}
	if opts.ComputeTimeout <= 0 {
		opts.ComputeTimeout = 30 * time.Second
	}
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = 500 * time.Millisecond
	}
	if opts.ProbeTimeout <= 0 {
		opts.ProbeTimeout = 2 * time.Second
	}
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	c := &Cache{
		rdb: rdb, ttl: ttl, prefix: opts.Prefix, compute: opts.ComputeTimeout,
		genKey: opts.Prefix + "graph:generation",
		lookup: redis.NewScript(lookupScript),
		bump:   redis.NewScript(bumpScript),
		stats:  map[string]*opStats{},
	}
	c.gate.retry, c.gate.timeout, c.gate.probe = opts.RetryInterval, opts.ProbeTimeout, c.Ping
	return c
}

// Invalidate bumps the graph generation: every entry cached before is unreachable from now
// on. The Writer calls it after each committed write.
func (c *Cache) Invalidate(ctx context.Context) error {
	// The write has committed: bump even if the caller's context just ended.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := c.bump.Run(bctx, c.rdb, []string{c.genKey}, seed()).Err(); err != nil {
		c.gate.failed()
		return fmt.Errorf("%w: %w", ErrGenerationNotBumped, err)
	}
	return nil
}

// Generation returns the current graph generation (seeding it when missing).
func (c *Cache) Generation(ctx context.Context) (int64, error) {
	res, err := c.lookup.Run(ctx, c.rdb, []string{c.genKey}, c.prefix+"c:", "none", seed()).Slice()
	if err != nil {
		return 0, fmt.Errorf("cache generation: %w", err)
	}
	g, _ := res[0].(string)
	return strconv.ParseInt(g, 10, 64)
}

// Stats returns the counters. Errors counts reads answered without the cache (Redis failed or
// was being bypassed after a failure) and failed stores.
func (c *Cache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := CacheStats{Hits: map[string]uint64{}, Misses: map[string]uint64{}, Errors: map[string]uint64{}, Shared: map[string]uint64{}}
	for op, st := range c.stats {
		s.Hits[op] = st.hits.Load()
		s.Misses[op] = st.misses.Load()
		s.Errors[op] = st.errors.Load()
		s.Shared[op] = st.shared.Load()
	}
	return s
}

// Ping checks that Redis answers the cache's commands.
func (c *Cache) Ping(ctx context.Context) error {
	if _, err := c.Generation(ctx); err != nil {
		c.gate.failed()
		return err
	}
	c.gate.recovered() // Redis is back: stop bypassing it
	return nil
}

func (c *Cache) op(name string) *opStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.stats[name]
	if st == nil {
		st = &opStats{}
		c.stats[name] = st
	}
	return st
}

// noteStoreError records a failed store. A Redis that answered with an error reply (OOM when
// it is full under maxmemory-policy noeviction, say) is up and still serves what it holds:
// reads keep using it and only this entry is not kept. Anything else (no connection, a
// timeout) is a failure of Redis itself and starts the bypass.
func (c *Cache) noteStoreError(err error) {
	var reply redis.Error
	if errors.As(err, &reply) {
		return
	}
	c.gate.failed()
}

// seed is a generation value larger than any earlier one in practice (nanoseconds since 1970).
func seed() string { return strconv.FormatInt(time.Now().UnixNano(), 10) }

// cacheKeyHash normalises the arguments of one call into a short key part.
func cacheKeyHash(op string, args []any) (string, error) {
	b, err := json.Marshal(args)
	if err != nil {
		return "", fmt.Errorf("cache key for %s: %w", op, err)
	}
	sum := sha256.Sum256(b)
	return op + ":" + base64.RawURLEncoding.EncodeToString(sum[:18]), nil
}

// Bytes is the cache-aside read of an answer the caller has already encoded (an HTTP response
// body): op and args name it, compute makes it on a miss. A graph write (Writer) invalidates
// it. The bytes returned may be shared with concurrent callers: do not modify them.
func (c *Cache) Bytes(ctx context.Context, op string, args []any, compute func(context.Context) ([]byte, error)) ([]byte, error) {
	st := c.op(op)
	key, err := cacheKeyHash(op, args)
	if err != nil {
		return nil, err
	}
	if c.gate.isDown() {
		st.errors.Add(1)
		return shared(ctx, c, st, "nocache:"+key, compute, nil)
	}
	res, err := c.lookup.Run(ctx, c.rdb, []string{c.genKey}, c.prefix+"c:", key, seed()).Slice()
	if err != nil || len(res) != 2 {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// Redis is unreachable or failing: compute the answer, sharing concurrent
		// computations of the same request.
		st.errors.Add(1)
		c.gate.failed()
		return shared(ctx, c, st, "nocache:"+key, compute, nil)
	}
	gen, _ := res[0].(string)
	full := c.prefix + "c:" + gen + ":" + key
	if raw, ok := res[1].(string); ok {
		st.hits.Add(1)
		return []byte(raw), nil
	}
	st.misses.Add(1)
	return shared(ctx, c, st, full, compute, func(sctx context.Context, b []byte) {
		if err := c.rdb.Set(sctx, full, b, c.ttl).Err(); err != nil {
			st.errors.Add(1)
			c.noteStoreError(err)
		}
	})
}

// shared runs compute once for concurrent callers of the same key, then store (when not nil)
// with the result. Each caller waits at most until its own context ends.
func shared(ctx context.Context, c *Cache, st *opStats, key string, compute func(context.Context) ([]byte, error), store func(context.Context, []byte)) ([]byte, error) {
	ch := c.group.DoChan(key, func() (any, error) {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.compute)
		defer cancel()
		v, err := compute(cctx)
		if err != nil {
			return v, err
		}
		if store != nil {
			store(cctx, v)
		}
		return v, nil
	})
	select {
	case r := <-ch:
		if r.Shared {
			st.shared.Add(1)
		}
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.([]byte), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
