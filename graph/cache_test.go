package graph

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// countingStore is the real store with a count of the reads that reach it.
type countingStore struct {
	*Store
	upstream atomic.Int64
	search   atomic.Int64
	delay    time.Duration
}

func (c *countingStore) Upstream(ctx context.Context, col ColumnID, depth int) (Subgraph, error) {
	c.upstream.Add(1)
	if c.delay > 0 {
		time.Sleep(c.delay)
	}
	return c.Store.Upstream(ctx, col, depth)
}

func (c *countingStore) Search(ctx context.Context, q SearchQuery) (SearchResult, error) {
	c.search.Add(1)
	return c.Store.Search(ctx, q)
}

func sharedRedis(t testing.TB) *redis.Client {
	t.Helper()
	addr := graphtest.Env("TRIBUTARY_REDIS_ADDR", "127.0.0.1:6379")
	rdb := redis.NewClient(&redis.Options{Addr: addr, Password: graphtest.Env("TRIBUTARY_REDIS_PASSWORD", "")})
	t.Cleanup(func() { rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("redis at %s does not answer (run `make up`): %v", addr, err)
	}
	return rdb
}

// testPrefix isolates a test's cache keys (and its generation) in the shared Redis.
func testPrefix(t testing.TB, rdb *redis.Client) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	p := "tributary-test:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		keys, err := rdb.Keys(ctx, p+"*").Result()
		if err == nil && len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
	})
	return p
}

// chainView writes db.S.V<n> whose column C derives from the previous view's C (V0 reads
// table db.S.T).
func chainView(n int, db string) View {
	src := obj(db, "S", "T")
	if n > 0 {
		src = obj(db, "S", fmt.Sprintf("V%d", n-1))
	}
	id := obj(db, "S", fmt.Sprintf("V%d", n))
	return View{ID: id, Status: StatusOK, Definition: "select c from " + src.String(),
		Columns: []Column{{Name: "C", Ordinal: 1}},
		Edges:   []Edge{{From: id.Column("C"), To: src.Column("C"), Type: EdgeDirect, Subtype: SubtypeIdentity}}}
}

func TestCacheHitAfterMissAndExactInvalidation(t *testing.T) {
	store, _ := newTestStore(t)
	rdb := sharedRedis(t)
	ctx := context.Background()
	db := testDB(t)
	inner := &countingStore{Store: store}
	c := NewCachedReader(rdb, inner, time.Minute, CacheOptions{Prefix: testPrefix(t, rdb)})
	for n := range 2 {
		if err := c.ReplaceViewLineage(ctx, chainView(n, db)); err != nil {
			t.Fatal(err)
		}
	}
	root := obj(db, "S", "V1").Column("C")
	first, err := c.Upstream(ctx, root, 5)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.Upstream(ctx, root, 5)
	if err != nil {
		t.Fatal(err)
	}
	if n := inner.upstream.Load(); n != 1 {
		t.Errorf("store reached %d times for two identical reads, want 1", n)
	}
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("cached answer differs from the computed one (-computed +cached):\n%s", diff)
	}
	st := c.Stats()
	if st.Hits[OpUpstream] != 1 || st.Misses[OpUpstream] != 1 {
		t.Errorf("stats hits %d misses %d, want 1 and 1", st.Hits[OpUpstream], st.Misses[OpUpstream])
	}
	if len(first.Paths) != 1 || len(first.Paths[0]) != 3 {
		t.Fatalf("paths before the write = %v, want one path V1 -> V0 -> T", first.Paths)
	}

	// A write between two reads: the second read sees it.
	if err := c.ReplaceViewLineage(ctx, chainView(2, db)); err != nil {
		t.Fatal(err)
	}
	v1 := chainView(1, db)
	v1.Edges = nil // V1.C no longer derives from anything
	if err := c.ReplaceViewLineage(ctx, v1); err != nil {
		t.Fatal(err)
	}
	after, err := c.Upstream(ctx, root, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Paths) != 0 || len(after.Edges) != 0 {
		t.Errorf("after the write: paths %v edges %v, want none", after.Paths, after.Edges)
	}
	if n := inner.upstream.Load(); n != 2 {
		t.Errorf("store reached %d times, want 2 (the write must invalidate)", n)
	}
	// Unknown columns are errors, not cached answers.
	if _, err := c.Upstream(ctx, obj(db, "S", "NOPE").Column("C"), 5); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown column: %v, want ErrNotFound", err)
	}
}

func TestCacheConcurrentMissesComputeOnce(t *testing.T) {
	store, _ := newTestStore(t)
	rdb := sharedRedis(t)
	ctx := context.Background()
	db := testDB(t)
	inner := &countingStore{Store: store, delay: 200 * time.Millisecond}
	c := NewCachedReader(rdb, inner, time.Minute, CacheOptions{Prefix: testPrefix(t, rdb)})
	if err := c.ReplaceViewLineage(ctx, chainView(0, db)); err != nil {
		t.Fatal(err)
	}
	root := obj(db, "S", "V0").Column("C")
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			sg, err := c.Upstream(ctx, root, 3)
			if err == nil && len(sg.Edges) != 1 {
				err = fmt.Errorf("edges %v", sg.Edges)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := inner.upstream.Load(); n != 1 {
		t.Errorf("20 concurrent misses reached the store %d times, want 1", n)
	}
}

// ownRedis runs a private redis-server on a free loopback port, so the test can stop and
// restart it without touching the shared one.
type ownRedis struct {
	t    *testing.T
	port int
	cmd  *exec.Cmd
}

func startOwnRedis(t *testing.T, port int) *ownRedis {
	t.Helper()
	if port == 0 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server not installed (make up installs it): %v", err)
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	r := &ownRedis{t: t, port: port, cmd: cmd}
	t.Cleanup(r.stop)
	probe := redis.NewClient(&redis.Options{Addr: r.addr()})
	defer probe.Close()
	deadline := time.Now().Add(10 * time.Second)
	for probe.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("private redis-server on %s did not answer", r.addr())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return r
}

func (r *ownRedis) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

func (r *ownRedis) stop() {
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Kill()
	r.cmd.Wait()
	r.cmd = nil
}

// chainFixture is a chain of two views written through a CachedReader, the column whose
// upstream the tests read, and the store's own answer for it.
type chainFixture struct {
	c     *CachedReader
	inner *countingStore
	db    string
	root  ColumnID
	want  Subgraph
}

func newChainFixture(t *testing.T, rdb redis.UniversalClient, opts CacheOptions) chainFixture {
	t.Helper()
	store, _ := newTestStore(t)
	ctx := context.Background()
	f := chainFixture{inner: &countingStore{Store: store}, db: testDB(t)}
	f.c = NewCachedReader(rdb, f.inner, time.Minute, opts)
	for n := range 2 {
		if err := f.c.ReplaceViewLineage(ctx, chainView(n, f.db)); err != nil {
			t.Fatal(err)
		}
	}
	f.root = obj(f.db, "S", "V1").Column("C")
	want, err := store.Upstream(ctx, f.root, 5)
	if err != nil {
		t.Fatal(err)
	}
	f.want = want
	return f
}

func TestCacheSurvivesRedisOutage(t *testing.T) {
	ctx := context.Background()
	own := startOwnRedis(t, 0)
	rdb := redis.NewClient(&redis.Options{Addr: own.addr(), MaxRetries: -1, DialTimeout: 300 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	f := newChainFixture(t, rdb, CacheOptions{RetryInterval: 100 * time.Millisecond})
	c, inner, db, root, want := f.c, f.inner, f.db, f.root, f.want
	read := func(when string) {
		t.Helper()
		got, err := c.Upstream(ctx, root, 5)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%s: wrong answer (-want +got):\n%s", when, diff)
		}
	}
	read("miss")
	read("hit")
	if n := inner.upstream.Load(); n != 1 {
		t.Fatalf("store reached %d times with Redis up, want 1", n)
	}

	own.stop()
	for i := range 3 {
		read(fmt.Sprintf("redis down, read %d", i))
	}
	if n := inner.upstream.Load(); n != 4 {
		t.Errorf("store reached %d times after 3 reads with Redis down, want 4", n)
	}
	if err := c.Ping(ctx); err == nil {
		t.Error("Ping succeeded with Redis down")
	}
	// A write while Redis is down commits to Neo4j and says the cache was not invalidated.
	werr := c.ReplaceViewLineage(ctx, chainView(2, db))
	if !errors.Is(werr, ErrGenerationNotBumped) {
		t.Errorf("write with Redis down: %v, want ErrGenerationNotBumped", werr)
	}

	// Redis back (empty, as after a restart): caching resumes.
	startOwnRedis(t, own.port)
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatal("cache did not see Redis come back")
		}
		time.Sleep(50 * time.Millisecond)
	}
	before := inner.upstream.Load()
	read("redis back, miss")
	read("redis back, hit")
	read("redis back, hit again")
	if n := inner.upstream.Load() - before; n != 1 {
		t.Errorf("store reached %d times for 3 reads after Redis came back, want 1", n)
	}
	if st := c.Stats(); st.Errors[OpUpstream] < 3 {
		t.Errorf("errors counted %d, want at least 3", st.Errors[OpUpstream])
	}
}

func TestCacheGenerationSeededAfterLoss(t *testing.T) {
	rdb := sharedRedis(t)
	ctx := context.Background()
	prefix := testPrefix(t, rdb)
	c := NewCachedReader(rdb, nil, time.Minute, CacheOptions{Prefix: prefix})
	g1, err := c.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Invalidate(ctx); err != nil {
		t.Fatal(err)
	}
	g2, err := c.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g2 != g1+1 {
		t.Errorf("generation %d after bump of %d", g2, g1)
	}
	// The generation key is lost (eviction, FLUSHDB): the new one is larger than any earlier,
	// so entries of a forgotten generation can never be read again.
	if err := rdb.Del(ctx, prefix+"graph:generation").Err(); err != nil {
		t.Fatal(err)
	}
	g3, err := c.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g3 <= g2 {
		t.Errorf("generation after loss %d, want > %d", g3, g2)
	}
}

func TestCacheBytesHitAndInvalidation(t *testing.T) {
	rdb := sharedRedis(t)
	ctx := context.Background()
	c := NewCachedReader(rdb, nil, time.Minute, CacheOptions{Prefix: testPrefix(t, rdb)})
	var calls int
	compute := func(context.Context) ([]byte, error) {
		calls++
		return []byte(fmt.Sprintf(`{"answer":%d}`, calls)), nil
	}
	for i, want := range []string{`{"answer":1}`, `{"answer":1}`} {
		got, err := c.Bytes(ctx, "http:test", []any{"a", 1}, compute)
		if err != nil || string(got) != want {
			t.Fatalf("read %d: %s, %v; want %s", i, got, err, want)
		}
	}
	if got, _ := c.Bytes(ctx, "http:test", []any{"a", 2}, compute); string(got) != `{"answer":2}` {
		t.Errorf("other arguments share an entry: %s", got)
	}
	if err := c.Invalidate(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Bytes(ctx, "http:test", []any{"a", 1}, compute); string(got) != `{"answer":3}` {
		t.Errorf("after a write: %s, want a recomputed answer", got)
	}
	if _, err := c.Bytes(ctx, "http:test", []any{"b"}, func(context.Context) ([]byte, error) { return nil, ErrNotFound }); !errors.Is(err, ErrNotFound) {
		t.Errorf("error not passed through: %v", err)
	}
	if got, _ := c.Bytes(ctx, "http:test", []any{"b"}, compute); string(got) != `{"answer":4}` {
		t.Errorf("an error was cached: %s", got)
	}
}

// redisGate is a go-redis hook that makes the client's Redis fail at once, hang until
// opened, or work, and counts the commands that are waiting on it.
type redisGate struct {
	mu      sync.Mutex
	mode    string // "", "fail" or "hang"
	open    chan struct{}
	waiting atomic.Int64
}

var errGateDown = errors.New("redis gate: down")

func (g *redisGate) set(mode string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.mode == "hang" && mode != "hang" {
		close(g.open)
	}
	if mode == "hang" && g.mode != "hang" {
		g.open = make(chan struct{})
	}
	g.mode = mode
}

func (g *redisGate) pass(ctx context.Context) error {
	g.mu.Lock()
	mode, open := g.mode, g.open
	g.mu.Unlock()
	switch mode {
	case "fail":
		return errGateDown
	case "hang":
		g.waiting.Add(1)
		defer g.waiting.Add(-1)
		select {
		case <-open:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (g *redisGate) DialHook(next redis.DialHook) redis.DialHook { return next }

func (g *redisGate) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if err := g.pass(ctx); err != nil {
			cmd.SetErr(err)
			return err
		}
		return next(ctx, cmd)
	}
}

func (g *redisGate) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if err := g.pass(ctx); err != nil {
			return err
		}
		return next(ctx, cmds)
	}
}

// Once the cache has seen Redis fail, a hung Redis must not hold up reads: after the retry
// interval a single background probe waits on Redis while every read goes to the store, and
// only when the probe gets an answer does caching resume.
func TestCacheProbesFailedRedisOffTheRequestPath(t *testing.T) {
	ctx := context.Background()
	rdb := sharedRedis(t)
	prefix := testPrefix(t, rdb)
	gate := &redisGate{}
	rdb.AddHook(gate)
	t.Cleanup(func() { gate.set("") }) // before the key cleanup above, which needs Redis
	f := newChainFixture(t, rdb, CacheOptions{Prefix: prefix, RetryInterval: 10 * time.Millisecond, ProbeTimeout: time.Hour})
	c, root, want := f.c, f.root, f.want
	// read runs one read; a read that waits on the hung Redis never returns, so the test
	// gives up on it after a generous guard instead of hanging.
	read := func(when string) {
		t.Helper()
		type result struct {
			sg  Subgraph
			err error
		}
		done := make(chan result, 1)
		go func() {
			sg, err := c.Upstream(ctx, root, 5)
			done <- result{sg, err}
		}()
		select {
		case r := <-done:
			if r.err != nil {
				t.Fatalf("%s: %v", when, r.err)
			}
			if diff := cmp.Diff(want, r.sg); diff != "" {
				t.Fatalf("%s: wrong answer (-want +got):\n%s", when, diff)
			}
		case <-time.After(time.Minute):
			t.Fatalf("%s: the read waited on a hung Redis", when)
		}
	}

	gate.set("fail")
	read("redis failing")
	gate.set("hang")
	// Reads over many retry intervals: each goes to the store, and one probe (never more)
	// is left waiting on Redis.
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; gate.waiting.Load() == 0 || i < 20; i++ {
		if time.Now().After(deadline) {
			t.Fatal("no probe reached Redis after the retry interval")
		}
		read(fmt.Sprintf("redis hung, read %d", i))
		time.Sleep(5 * time.Millisecond)
	}
	if n := gate.waiting.Load(); n != 1 {
		t.Errorf("%d commands waiting on the hung Redis, want 1 (the probe)", n)
	}
	if h := c.Stats().Hits[OpUpstream]; h != 0 {
		t.Errorf("%d cache hits while Redis was hung", h)
	}

	// Redis answers again: the waiting probe succeeds and reads use the cache again.
	gate.set("")
	deadline = time.Now().Add(30 * time.Second)
	for c.Stats().Hits[OpUpstream] == 0 {
		if time.Now().After(deadline) {
			t.Fatal("caching did not resume after Redis answered again")
		}
		read("redis back")
		time.Sleep(5 * time.Millisecond)
	}
	if n := gate.waiting.Load(); n != 0 {
		t.Errorf("%d commands still waiting after Redis came back", n)
	}
}

// A full Redis (maxmemory reached under noeviction) refuses new entries with an OOM error
// but still answers: the cache keeps reading through it instead of treating it as down,
// and stores again once there is room.
func TestCacheKeepsReadingThroughFullRedis(t *testing.T) {
	ctx := context.Background()
	own := startOwnRedis(t, 0)
	rdb := redis.NewClient(&redis.Options{Addr: own.addr()})
	t.Cleanup(func() { rdb.Close() })
	f := newChainFixture(t, rdb, CacheOptions{RetryInterval: time.Hour})
	c, inner, root := f.c, f.inner, f.root
	if err := rdb.ConfigSet(ctx, "maxmemory-policy", "noeviction").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.ConfigSet(ctx, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	read := func(when string) {
		t.Helper()
		if _, err := c.Upstream(ctx, root, 5); err != nil {
			t.Fatalf("%s: %v", when, err)
		}
	}
	read("full, first")
	read("full, second")
	st := c.Stats()
	if st.Misses[OpUpstream] != 2 || st.Errors[OpUpstream] != 2 || st.Hits[OpUpstream] != 0 {
		t.Errorf("with Redis full: misses %d, errors %d, hits %d; want 2 misses (both reads looked up Redis), 2 failed stores, no hit",
			st.Misses[OpUpstream], st.Errors[OpUpstream], st.Hits[OpUpstream])
	}
	if err := rdb.ConfigSet(ctx, "maxmemory", "0").Err(); err != nil {
		t.Fatal(err)
	}
	read("room again, miss")
	read("room again, hit")
	if st := c.Stats(); st.Hits[OpUpstream] != 1 || inner.upstream.Load() != 3 {
		t.Errorf("after Redis had room again: hits %d, store reads %d; want 1 hit and 3 store reads",
			st.Hits[OpUpstream], inner.upstream.Load())
	}
}
