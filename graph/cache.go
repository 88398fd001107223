package graph

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"
)

// Backend is what CachedReader decorates: the store's reads and writes (*Store implements it).
type Backend interface {
	Upstream(ctx context.Context, col ColumnID, depth int) (Subgraph, error)
	Downstream(ctx context.Context, col ColumnID, depth int) (Subgraph, error)
	Both(ctx context.Context, col ColumnID, depth int) (up, down Subgraph, err error)
	ViewDetail(ctx context.Context, id ObjectID) (ViewDetail, error)
	DatasetDetail(ctx context.Context, id ObjectID) (ViewDetail, error)
	FindDatasets(ctx context.Context, parts []string) ([]ObjectRef, error)
	ListDatasets(ctx context.Context, f DatasetFilter) ([]DatasetSummary, error)
	Search(ctx context.Context, q SearchQuery) (SearchResult, error)
	Impact(ctx context.Context, roots []ColumnID, depth int) (Impact, error)
	DatasetColumns(ctx context.Context, id ObjectID) (string, []ColumnID, error)
	DiffViews(ctx context.Context, proposed []View) ([]ViewDiff, error)
	Counts(ctx context.Context) (Counts, error)

	ReplaceViewLineage(ctx context.Context, view View) error
	ReplaceViewsLineage(ctx context.Context, views []View, states []ViewState) error
	DeleteView(ctx context.Context, id ObjectID) error
	UpsertTables(ctx context.Context, tables []Table) error
}

// CacheOptions tune a CachedReader. Zero values take the defaults.
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

// CacheStats are a CachedReader's counters since it was made, per operation.
type CacheStats struct {
	Hits, Misses, Errors map[string]uint64
	// Shared counts callers whose answer came from a computation shared with other callers
	// of the same key (the caller that ran it included).
	Shared map[string]uint64
}

// CachedReader is a cache-aside decorator over a Backend: every read is looked up in Redis
// under a key made of the operation, its normalised arguments and the graph generation; a
// miss computes once per key (concurrent misses share one computation) and stores the answer
// for the TTL. Writes go to the backend and, once committed, bump the generation, so no read
// after a write returns lineage from before it. When Redis fails, reads go to the backend
// directly and the answers stay correct.
type CachedReader struct {
	rdb     redis.UniversalClient
	inner   Backend
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

// NewCachedReader returns inner behind a Redis cache whose entries live for ttl (> 0).
func NewCachedReader(rdb redis.UniversalClient, inner Backend, ttl time.Duration, opts CacheOptions) *CachedReader {
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
	c := &CachedReader{
		rdb: rdb, inner: inner, ttl: ttl, prefix: opts.Prefix, compute: opts.ComputeTimeout,
		genKey: opts.Prefix + "graph:generation",
		lookup: redis.NewScript(lookupScript),
		bump:   redis.NewScript(bumpScript),
		stats:  map[string]*opStats{},
	}
	c.gate.retry, c.gate.timeout, c.gate.probe = opts.RetryInterval, opts.ProbeTimeout, c.Ping
	return c
}

// Cache operation names, as they appear in CacheStats and key names.
const (
	OpUpstream       = "upstream"
	OpDownstream     = "downstream"
	OpBoth           = "both"
	OpViewDetail     = "view"
	OpDatasetDetail  = "dataset"
	OpFindDatasets   = "find_datasets"
	OpListDatasets   = "list_datasets"
	OpSearch         = "search"
	OpImpact         = "impact"
	OpDatasetColumns = "dataset_columns"
	OpDiffViews      = "diff_views"
	OpCounts         = "counts"
)

// Values a read returns may be shared with concurrent callers of the same request: callers
// must not modify them.

// Upstream implements Backend through the cache.
func (c *CachedReader) Upstream(ctx context.Context, col ColumnID, depth int) (Subgraph, error) {
	return cached(ctx, c, OpUpstream, []any{col.String(), depth}, func(ctx context.Context) (Subgraph, error) {
		return c.inner.Upstream(ctx, col, depth)
	})
}

// Downstream implements Backend through the cache.
func (c *CachedReader) Downstream(ctx context.Context, col ColumnID, depth int) (Subgraph, error) {
	return cached(ctx, c, OpDownstream, []any{col.String(), depth}, func(ctx context.Context) (Subgraph, error) {
		return c.inner.Downstream(ctx, col, depth)
	})
}

// Both implements Backend, uncached: the API caches its whole response instead.
func (c *CachedReader) Both(ctx context.Context, col ColumnID, depth int) (up, down Subgraph, err error) {
	return c.inner.Both(ctx, col, depth)
}

// ViewDetail implements Backend through the cache.
func (c *CachedReader) ViewDetail(ctx context.Context, id ObjectID) (ViewDetail, error) {
	return cached(ctx, c, OpViewDetail, []any{id.String()}, func(ctx context.Context) (ViewDetail, error) {
		return c.inner.ViewDetail(ctx, id)
	})
}

// DatasetDetail implements Backend through the cache.
func (c *CachedReader) DatasetDetail(ctx context.Context, id ObjectID) (ViewDetail, error) {
	return cached(ctx, c, OpDatasetDetail, []any{id.String()}, func(ctx context.Context) (ViewDetail, error) {
		return c.inner.DatasetDetail(ctx, id)
	})
}

// FindDatasets implements Backend through the cache.
func (c *CachedReader) FindDatasets(ctx context.Context, parts []string) ([]ObjectRef, error) {
	return cached(ctx, c, OpFindDatasets, []any{parts}, func(ctx context.Context) ([]ObjectRef, error) {
		return c.inner.FindDatasets(ctx, parts)
	})
}

// ListDatasets implements Backend through the cache.
func (c *CachedReader) ListDatasets(ctx context.Context, f DatasetFilter) ([]DatasetSummary, error) {
	args := []any{f.Kind, f.Database, f.Schema, f.Status, f.Query, f.Offset, f.Limit}
	return cached(ctx, c, OpListDatasets, args, func(ctx context.Context) ([]DatasetSummary, error) {
		return c.inner.ListDatasets(ctx, f)
	})
}

// Search implements Backend through the cache.
func (c *CachedReader) Search(ctx context.Context, q SearchQuery) (SearchResult, error) {
	args := []any{strings.Join(strings.Fields(strings.ToLower(q.Text)), " "), q.Kind,
		q.Databases, q.Schemas, q.Offset, q.Limit}
	return cached(ctx, c, OpSearch, args, func(ctx context.Context) (SearchResult, error) {
		return c.inner.Search(ctx, q)
	})
}

// Impact implements Backend through the cache.
func (c *CachedReader) Impact(ctx context.Context, roots []ColumnID, depth int) (Impact, error) {
	ids := make([]string, len(roots))
	for i, r := range roots {
		ids[i] = r.String()
	}
	return cached(ctx, c, OpImpact, []any{ids, depth}, func(ctx context.Context) (Impact, error) {
		return c.inner.Impact(ctx, roots, depth)
	})
}

// datasetColumns is DatasetColumns' answer as one cacheable value.
type datasetColumns struct {
	Kind    string
	Columns []ColumnID
}

// DatasetColumns implements Backend through the cache.
func (c *CachedReader) DatasetColumns(ctx context.Context, id ObjectID) (string, []ColumnID, error) {
	v, err := cached(ctx, c, OpDatasetColumns, []any{id.String()}, func(ctx context.Context) (datasetColumns, error) {
		kind, cols, err := c.inner.DatasetColumns(ctx, id)
		return datasetColumns{kind, cols}, err
	})
	return v.Kind, v.Columns, err
}

// DiffViews implements Backend. It is not cached: each proposal is new.
func (c *CachedReader) DiffViews(ctx context.Context, proposed []View) ([]ViewDiff, error) {
	return c.inner.DiffViews(ctx, proposed)
}

// Counts implements Backend through the cache.
func (c *CachedReader) Counts(ctx context.Context) (Counts, error) {
	return cached(ctx, c, OpCounts, nil, func(ctx context.Context) (Counts, error) {
		return c.inner.Counts(ctx)
	})
}

// ErrGenerationNotBumped is wrapped by a write's error when the write committed but the cache
// generation could not be bumped: cached answers from before the write may still be served
// until it is. Writes are idempotent, so retrying the write is the remedy.
var ErrGenerationNotBumped = errors.New("graph written, but the cache generation was not bumped")

// ReplaceViewLineage writes through the backend, then bumps the generation.
func (c *CachedReader) ReplaceViewLineage(ctx context.Context, view View) error {
	if err := c.inner.ReplaceViewLineage(ctx, view); err != nil {
		return err
	}
	return c.Invalidate(ctx)
}

// ReplaceViewsLineage writes views with their states in one transaction through the backend,
// then bumps the generation.
func (c *CachedReader) ReplaceViewsLineage(ctx context.Context, views []View, states []ViewState) error {
	if err := c.inner.ReplaceViewsLineage(ctx, views, states); err != nil {
		return err
	}
	return c.Invalidate(ctx)
}

// DeleteView deletes through the backend, then bumps the generation. A delete of a view that
// is not there (ErrNotFound) bumps too: an earlier attempt may have deleted it and failed to bump.
func (c *CachedReader) DeleteView(ctx context.Context, id ObjectID) error {
	err := c.inner.DeleteView(ctx, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return errors.Join(err, c.Invalidate(ctx))
}

// UpsertTables writes through the backend, then bumps the generation. Tables commit in
// batches, so it bumps after a failure too: some batches may have committed.
func (c *CachedReader) UpsertTables(ctx context.Context, tables []Table) error {
	err := c.inner.UpsertTables(ctx, tables)
	return errors.Join(err, c.Invalidate(ctx))
}

// Invalidate bumps the graph generation: every entry cached before is unreachable from now
// on. Call it after any graph write that did not go through this decorator.
func (c *CachedReader) Invalidate(ctx context.Context) error {
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
func (c *CachedReader) Generation(ctx context.Context) (int64, error) {
	res, err := c.lookup.Run(ctx, c.rdb, []string{c.genKey}, c.prefix+"c:", "none", seed()).Slice()
	if err != nil {
		return 0, fmt.Errorf("cache generation: %w", err)
	}
	g, _ := res[0].(string)
	return strconv.ParseInt(g, 10, 64)
}

// Stats returns the counters. Errors counts reads answered without the cache (Redis failed or
// was being bypassed after a failure) and failed stores.
func (c *CachedReader) Stats() CacheStats {
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
func (c *CachedReader) Ping(ctx context.Context) error {
	if _, err := c.Generation(ctx); err != nil {
		c.gate.failed()
		return err
	}
	c.gate.recovered() // Redis is back: stop bypassing it
	return nil
}

func (c *CachedReader) op(name string) *opStats {
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
func (c *CachedReader) noteStoreError(err error) {
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

// codec turns cached values into bytes and back.
type codec[T any] struct {
	encode func(T) ([]byte, error)
	decode func(string) (T, error)
}

func jsonCodec[T any]() codec[T] {
	return codec[T]{
		encode: func(v T) ([]byte, error) { return json.Marshal(v) },
		decode: func(s string) (T, error) {
			var v T
			err := json.Unmarshal([]byte(s), &v)
			return v, err
		},
	}
}

var bytesCodec = codec[[]byte]{
	encode: func(b []byte) ([]byte, error) { return b, nil },
	decode: func(s string) ([]byte, error) { return []byte(s), nil },
}

// cached is the cache-aside read of one operation, its values stored as JSON.
func cached[T any](ctx context.Context, c *CachedReader, op string, args []any, compute func(context.Context) (T, error)) (T, error) {
	return cachedWith(ctx, c, op, args, compute, jsonCodec[T]())
}

// Bytes is the cache-aside read of an answer the caller has already encoded (an HTTP response
// body): op and args name it, compute makes it on a miss. It shares the generation, TTL,
// singleflight and Redis bypass of the graph reads, so a graph write invalidates it too.
// op must not be one of the Op* names of the graph reads.
func (c *CachedReader) Bytes(ctx context.Context, op string, args []any, compute func(context.Context) ([]byte, error)) ([]byte, error) {
	return cachedWith(ctx, c, op, args, compute, bytesCodec)
}

func cachedWith[T any](ctx context.Context, c *CachedReader, op string, args []any, compute func(context.Context) (T, error), cd codec[T]) (T, error) {
	var zero T
	st := c.op(op)
	key, err := cacheKeyHash(op, args)
	if err != nil {
		return zero, err
	}
	if c.gate.isDown() {
		st.errors.Add(1)
		return shared(ctx, c, st, "nocache:"+key, compute, nil)
	}
	res, rerr := c.lookup.Run(ctx, c.rdb, []string{c.genKey}, c.prefix+"c:", key, seed()).Slice()
	if rerr != nil || len(res) != 2 {
		if ctx.Err() != nil {
			return zero, ctx.Err()
		}
		// Redis is unreachable or failing: answer from the backend, sharing concurrent
		// computations of the same request.
		st.errors.Add(1)
		if rerr == nil {
			rerr = fmt.Errorf("cache lookup: %d values, want 2", len(res))
		}
		c.gate.failed()
		return shared(ctx, c, st, "nocache:"+key, compute, nil)
	}
	gen, _ := res[0].(string)
	full := c.prefix + "c:" + gen + ":" + key
	if raw, ok := res[1].(string); ok {
		if v, err := cd.decode(raw); err == nil {
			st.hits.Add(1)
			return v, nil
		}
		// An entry that no longer decodes (type changed between releases): recompute.
	}
	st.misses.Add(1)
	return shared(ctx, c, st, full, compute, func(sctx context.Context, v T) {
		b, err := cd.encode(v)
		if err != nil {
			return
		}
		if err := c.rdb.Set(sctx, full, b, c.ttl).Err(); err != nil {
			st.errors.Add(1)
			c.noteStoreError(err)
		}
	})
}

// shared runs compute once for concurrent callers of the same key, then store (when not nil)
// with the result. Each caller waits at most until its own context ends.
func shared[T any](ctx context.Context, c *CachedReader, st *opStats, key string, compute func(context.Context) (T, error), store func(context.Context, T)) (T, error) {
	var zero T
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
			return zero, r.Err
		}
		return r.Val.(T), nil
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}
